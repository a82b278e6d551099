"""The waiting-room board's spoken calls, assembled from short recorded clips: "Nomor antrean A-035, silakan ke
loket 1" is chime + "nomor antrean" + "a" + "tiga" "puluh" "lima" + "silakan ke loket" + "satu".

A clip is a name (`CLIP_NAME`) in a language folder. The portal ships a default set for Indonesian and English
(static/voice/<lang>/<name>.mp3, generated once with espeak-ng and sox by portal.queue.voice_build and committed);
an office replaces any of them, or adds a recording of a counter's name, by putting its own file in
<PORTAL_VAR_DIR>/voice/<lang>/<name>.<mp3|ogg|opus|wav|m4a> (docs/queue.md, "Replacing the voice"). The board
plays the clips of one call after another and never two calls at once (static/js/board_voice.js).

Numbers are said as words built from a few clips (Indonesian: satu ... sembilan, sepuluh, sebelas, "belas",
"puluh", "seratus"/"ratus", "seribu"/"ribu"; English: one ... nineteen, twenty ... ninety, "hundred",
"thousand"), so an office records about twenty number clips, not a thousand. The counter is said as "silakan ke
loket" and its number (the first number in its name, else the last in its code), or as "silakan ke" and the
office's recording `counter-<code>` when there is one.
"""

from __future__ import annotations

import re
from pathlib import Path

from portal.paths import STATIC_DIR

LANGS = ("id", "en")
CLIP_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: Formats an office's recording may have (browsers play all of them; MP3 everywhere).
MEDIA_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav",
               ".m4a": "audio/mp4"}
SHIPPED_DIR = STATIC_DIR / "voice"
TICKET_RE = re.compile(r"^([A-Z])-(\d{1,5})$")

_ID_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "a", "be", "ce", "de", "e", "ef", "ge", "ha", "i", "je", "ka", "el", "em", "en", "o", "pe", "ki", "er", "es",
    "te", "u", "fe", "we", "eks", "ye", "zet"), strict=True))
_EN_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "ay", "bee", "see", "dee", "ee", "eff", "gee", "aitch", "eye", "jay", "kay", "el", "em", "en", "oh", "pee",
    "cue", "ar", "ess", "tee", "you", "vee", "double you", "ex", "why", "zed"), strict=True))
_ID_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_EN_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty",
            90: "ninety"}

#: What each shipped clip says, per language (the generator speaks these; "chime" is a tone, not speech).
TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "ticket-number": "nomor antrean", "go-to-counter": "silakan ke loket", "go-to": "silakan ke",
        **_ID_LETTERS, **{str(i): word for i, word in enumerate(_ID_DIGITS)},
        "10": "sepuluh", "11": "sebelas", "100": "seratus", "1000": "seribu",
        "belas": "belas", "puluh": "puluh", "ratus": "ratus", "ribu": "ribu",
    },
    "en": {
        "ticket-number": "ticket number", "go-to-counter": "please go to counter", "go-to": "please go to",
        **_EN_LETTERS, **{str(i): word for i, word in enumerate(_EN_WORDS)},
        **{str(n): word for n, word in _EN_TENS.items()}, "hundred": "hundred", "thousand": "thousand",
    },
}
TONES = ("chime",)


def number_clips(n: int, lang: str) -> list[str]:
    """The clips that say the whole number n (0 <= n < 10000) in `lang`; larger numbers digit by digit."""
    if n < 0 or n >= 10000:
        return [c for digit in str(abs(n)) for c in number_clips(int(digit), lang)]
    if lang == "en":
        if n < 20:
            return [str(n)]
        if n < 100:
            return [str(n - n % 10)] + ([str(n % 10)] if n % 10 else [])
        big, unit, word = (n // 1000, 1000, "thousand") if n >= 1000 else (n // 100, 100, "hundred")
        rest = n - big * unit
        return [str(big), word] + (number_clips(rest, lang) if rest else [])
    if n < 12:
        return [str(n)]
    if n < 20:
        return [str(n - 10), "belas"]
    if n < 100:
        return [str(n // 10), "puluh"] + ([str(n % 10)] if n % 10 else [])
    big, unit, word = (n // 1000, 1000, "ribu") if n >= 1000 else (n // 100, 100, "ratus")
    rest = n - big * unit
    head = [str(unit)] if big == 1 else [str(big), word]  # seratus, seribu; dua ratus, dua ribu
    return head + (number_clips(rest, lang) if rest else [])


def counter_number(name: str, code: str) -> int | None:
    """The number people read on the counter: the first number in its name ("Loket 3 Lansia"), else the last
    in its code ("DKP-03"); None when neither has one."""
    found = re.search(r"\d+", name or "")
    if found is None:
        numbers = re.findall(r"\d+", code or "")
        return int(numbers[-1]) if numbers else None
    return int(found.group(0))


def counter_clip(code: str) -> str:
    """The name of an office's recording of a counter: counter-<code> in lower case ("counter-dkp-01")."""
    return "counter-" + re.sub(r"[^a-z0-9]+", "-", (code or "").lower()).strip("-")


def clip_file(var_dir: Path, lang: str, name: str) -> Path | None:
    """The file of a clip: the office's recording under <var>/voice/<lang>/ first, then the shipped one."""
    if lang not in LANGS or not CLIP_NAME.match(name):
        return None
    for folder in (var_dir / "voice" / lang, SHIPPED_DIR / lang):
        for extension in MEDIA_TYPES:
            path = folder / f"{name}{extension}"
            if path.is_file():
                return path
    return None


def announcement(ticket: str | None, counter_name: str, counter_code: str, lang: str, var_dir: Path) -> list[str]:
    """The clips of one call, in order (empty for a visit without a ticket number)."""
    found = TICKET_RE.match(ticket or "")
    if found is None:
        return []
    clips = ["chime", "ticket-number", found.group(1).lower(), *number_clips(int(found.group(2)), lang)]
    own = counter_clip(counter_code)
    number = counter_number(counter_name, counter_code)
    if clip_file(var_dir, lang, own) is not None:
        clips += ["go-to", own]
    elif number is not None:
        clips += ["go-to-counter", *number_clips(number, lang)]
    else:
        clips.append("go-to-counter")
    return clips
