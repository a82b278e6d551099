"""Indonesian first: every message the pages and Python code show has an Indonesian translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from portal.locale import translations

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (2, 3), "t": (2,), "_t": (1,)}


def _messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO / "templates"), method_map=[("**.html", "jinja2"), ("**.svg", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}, "**.svg": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO / "portal"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return {m for m in found if m and not m.startswith("%(")}


def test_every_message_has_an_indonesian_translation():
    catalog = translations("id")
    missing = sorted(m for m in _messages() if catalog.gettext(m) == m)
    assert not missing, "add these to a portal/locale/id/LC_MESSAGES/*.po file:\n" + "\n".join(missing)


def test_english_is_the_message_id():
    assert translations("en").gettext("Page not found.") == "Page not found."
    assert translations("id").gettext("Page not found.") == "Halaman tidak ditemukan."


def test_every_translation_keeps_the_placeholders_of_its_message():
    """A translation that renames or drops a %(name)s placeholder breaks the page that formats it."""
    import re

    from babel.messages.pofile import read_po

    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = []
    for po in sorted((REPO / "portal" / "locale" / "id" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(placeholder.findall(ids[-1]))
                for text in strings:
                    if set(placeholder.findall(text)) - (wanted | {"num"}):
                        wrong.append(f"{po.name}: {ids[0]!r} -> {text!r}")
    assert not wrong, "\n".join(wrong)
