"""Indonesian first: every message the pages and Python code show has an Indonesian translation, and each message
(with its context) has one translation whichever capability's .po file holds it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.locale import translations

REPO = Path(__file__).resolve().parents[2]
CATALOGS = REPO / "portal" / "locale" / "id" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (2, 3), "t": (2,), "_t": (1,), "pgettext": ((2, "c"), 3),
            # portal.errors: a service's refusal is shown in the user's language
            "Invalid": (1,), "NotFound": (1,), "Conflict": (1,), "NotAllowed": (1,), "TooLate": (1,), "TooLarge": (1,)}


def _messages() -> set[tuple[str | None, str]]:
    """(context, message id) of every message the templates and portal/ use (context None: plain `_()`)."""
    found: set[tuple[str | None, str]] = set()
    extracted = [*extract_from_dir(
        str(REPO / "templates"), method_map=[("**.html", "jinja2"), ("**.svg", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}, "**.svg": {"extensions": "jinja2.ext.i18n"}},
    ), *extract_from_dir(str(REPO / "portal"), method_map=[("**.py", "python")], keywords=KEYWORDS)]
    for _file, _line, message, _comments, context in extracted:
        found.update((context, m) for m in ([message] if isinstance(message, str) else message) if m)
    return {(c, m) for c, m in found if not m.startswith("%(")}


def test_every_message_has_an_indonesian_translation():
    catalog = translations("id")
    missing = sorted(f"{m} (context {c!r})" if c else m for c, m in _messages()
                     if (catalog.pgettext(c, m) if c else catalog.gettext(m)) == m)
    assert not missing, "add these to a portal/locale/id/LC_MESSAGES/*.po file:\n" + "\n".join(missing)


def _translations_by_file() -> dict[tuple[str | None, str], dict[str, object]]:
    found: dict[tuple[str | None, str], dict[str, object]] = {}
    for po in sorted(CATALOGS.glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f):
                if message.id and message.string:
                    key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
                    found.setdefault(key, {})[po.name] = message.string
    return found


def test_no_message_is_translated_differently_in_two_files():
    """The catalogs are merged into one (portal.locale.translations): a message translated differently in two
    files would show the last file's wording everywhere. Where one English word means two things, give each use
    a context (msgctxt, pgettext); where it means one thing, use one wording."""
    conflicts = [f"{'[' + c + '] ' if c else ''}{m!r}: " + ", ".join(f"{f} {s!r}" for f, s in strings.items())
                 for (c, m), strings in _translations_by_file().items()
                 if len({str(s) for s in strings.values()}) > 1]
    assert not conflicts, "translated differently in two .po files:\n" + "\n".join(conflicts)


def test_a_context_keeps_two_meanings_apart():
    catalog = translations("id")
    assert catalog.gettext("Ticket") == "Tiket"  # the citizen's ticket
    assert catalog.pgettext("queue number", "Ticket") == "Antrean"  # the officer's queue number


def test_english_is_the_message_id():
    assert translations("en").gettext("Page not found.") == "Page not found."
    assert translations("id").gettext("Page not found.") == "Halaman tidak ditemukan."


def test_every_translation_keeps_the_placeholders_of_its_message():
    """A translation that renames or drops a %(name)s placeholder breaks the page that formats it."""
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = []
    for po in sorted(CATALOGS.glob("*.po")):
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


def test_no_message_is_defined_twice_in_one_file():
    """Within one .po file babel keeps the last of two definitions silently (msgfmt refuses the file): two merged
    branches adding the same message must show up here, not as a wording that changed by itself."""
    import re

    doubles = []
    for po in sorted(CATALOGS.glob("*.po")):
        seen: set[tuple[str | None, str]] = set()
        context: str | None = None
        for line in po.read_text(encoding="utf-8").splitlines():
            if m := re.match(r'msgctxt "(.*)"$', line):
                context = m.group(1)
            elif m := re.match(r'msgid "(.*)"$', line):
                key = (context, m.group(1))
                if key[1] and key in seen:
                    doubles.append(f"{po.name}: {key}")
                seen.add(key)
                context = None
    assert not doubles, "defined twice:\n" + "\n".join(doubles)
