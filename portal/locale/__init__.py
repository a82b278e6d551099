"""Translations: Babel catalogs per capability (portal/locale/id/LC_MESSAGES/*.po), language negotiation.

Message ids are English; the Indonesian catalogs translate them. Indonesian is the default language. Every
.po file under a language folder is read at start-up (no compile step) and merged into one catalog, so each
capability keeps its own file (catalog.po, feedback.po, queue.po, insight.po, accounts.po, ...).

Merged means one translation per message: where one English word means two things on two pages (a citizen's
"Ticket" is a "Tiket", the officer's "Ticket" column is the queue number, "Antrean"), the message carries a
context (`msgctxt` in the .po file; `pgettext(context, message)` in templates, `pgettext(lang, context, message)`
in code). tests/unit/test_translations.py fails when two files translate the same message (and context)
differently, since the merge would silently keep the last.
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context

from portal.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent
LANG_COOKIE = "lang"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The merged catalog for `lang` (English returns the message ids themselves)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    for po in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=po.stem)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer, domain="messages")
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


def gettext(lang: str, message: str, **variables: object) -> str:
    text = translations(lang if lang in LANGUAGES else "id").gettext(message)
    return text % variables if variables else text


def ngettext(lang: str, singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(lang if lang in LANGUAGES else "id").ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def pgettext(lang: str, context: str, message: str, **variables: object) -> str:
    """`message` as meant in `context` (its `msgctxt` in the .po files), e.g. pgettext(lang, "queue number", "Ticket")."""
    text = translations(lang if lang in LANGUAGES else "id").pgettext(context, message)
    return text % variables if variables else text


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None, default: str) -> str:
    """?lang= beats the remembered cookie, which beats Accept-Language, which beats the site default."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    if accept_language:
        ranked = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            ranked.append((-quality, index, tag.strip().lower().split("-")[0]))
        for _q, _i, primary in sorted(ranked):
            if primary in LANGUAGES:
                return primary
            if primary == "ms":  # Malay readers get Indonesian
                return "id"
    return default


def _context_lang(context) -> str:
    """The request's language (set by portal.web.LanguageMiddleware in the ASGI scope's state), read from the
    scope directly: `request.state` builds a new State object on every access, and this runs per message."""
    request = context.get("request")
    scope = getattr(request, "scope", None)
    lang = scope.get("state", {}).get("lang") if isinstance(scope, dict) else None
    return lang or context.get("lang") or "id"


@pass_context
def jinja_gettext(context, message: str) -> str:
    return translations(_context_lang(context)).gettext(message)


@pass_context
def jinja_ngettext(context, singular: str, plural: str, n: int) -> str:
    return translations(_context_lang(context)).ngettext(singular, plural, n)


@pass_context
def jinja_pgettext(context, message_context: str, message: str) -> str:
    return translations(_context_lang(context)).pgettext(message_context, message)


@pass_context
def jinja_npgettext(context, message_context: str, singular: str, plural: str, n: int) -> str:
    return translations(_context_lang(context)).npgettext(message_context, singular, plural, n)
