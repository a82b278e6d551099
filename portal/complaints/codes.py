"""Tracking codes: 10 random Crockford base32 characters plus one Damm check character over GF(32).

Crockford's base32 alphabet (0-9 and A-Z without I, L, O, U) is read aloud and written by hand without
ambiguity; on input I and L read as 1, O as 0, and hyphens and spaces are ignored. Ten random characters carry
50 bits (about 10^15 codes), so a code cannot be guessed. The eleventh character is a check character by
Damm's algorithm (H. M. Damm, "Total anti-symmetrische Quasigruppen", 2004) over the quasigroup
x * y = 2x + y in the field GF(2^5) (modulus x^5 + x^2 + 1), which is weakly totally anti-symmetric because
2 != 1: it detects every single substituted character and every swap of two adjacent characters. A code whose
check fails is reported as mistyped without any database lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


def _times2(x: int) -> int:
    """Multiplication by the field element 2 (= x) in GF(32)."""
    x <<= 1
    return x ^ _MODULUS if x & 0b100000 else x


def _op(interim: int, digit: int) -> int:
    """The quasigroup operation interim * digit = 2 * interim + digit (addition in GF(32) is XOR)."""
    return _times2(interim) ^ digit


def check_character(body: str) -> str:
    """The character c for which the Damm interim of body + c is 0 (c = 2 * interim, since a + a = 0)."""
    interim = 0
    for char in body:
        interim = _op(interim, _VALUE[char])
    return ALPHABET[_times2(interim)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str | None:
    """Upper case, Crockford aliases mapped, hyphens and spaces removed; None when a character is not base32."""
    out = []
    for char in (text or "").upper():
        if char in "- ":
            continue
        char = _ALIASES.get(char, char)
        if char not in _VALUE:
            return None
        out.append(char)
    return "".join(out)


def is_valid(code: str) -> bool:
    """True for a normalised code of the right length whose Damm interim ends at 0."""
    if len(code) != LENGTH or any(c not in _VALUE for c in code):
        return False
    interim = 0
    for char in code:
        interim = _op(interim, _VALUE[char])
    return interim == 0


def parse(text: str) -> tuple[str | None, str]:
    """(code, "ok") for a well-formed code; (None, "mistyped") when the characters or the check are wrong."""
    code = normalise(text)
    if code is None or not is_valid(code):
        return None, "mistyped"
    return code, "ok"


def display(code: str) -> str:
    """Grouped for reading aloud: XXXX-XXXX-XXX."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
