"""E-mail addresses and Danish/Greenlandic phone numbers."""

from __future__ import annotations

import re

from bot.validation.errors import InvalidInput

# Deliberately plain: one "@", no spaces, a dotted domain with a 2+ letter top-level part. Real
# deliverability is proven by the municipality's reply, not by a regex.
_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+)@"
    r"(?P<domain>(?:[A-Za-z0-9æøåÆØÅ](?:[A-Za-z0-9æøåÆØÅ-]*[A-Za-z0-9æøåÆØÅ])?\.)+[A-Za-z]{2,})$"
)
_MAX_EMAIL = 254
_PHONE_NOISE = re.compile(r"[\s\-().]")
_DK = re.compile(r"^(?:\+45|0045)?([2-9]\d{7})$")
# Greenland numbers are six digits; a bare six-digit number can only be Greenlandic.
_GL = re.compile(r"^(?:\+299|00299)?(\d{6})$")


def parse_email(text: str) -> str:
    """The address with its domain lower-cased; raises ``grants.error.email`` when implausible."""
    candidate = text.strip().removeprefix("mailto:").strip()
    match = _EMAIL.match(candidate)
    if not match or len(candidate) > _MAX_EMAIL or ".." in candidate:
        raise InvalidInput("grants.error.email")
    return f"{match['local']}@{match['domain'].lower()}"


def parse_phone(text: str) -> str:
    """The number in E.164 form: "+4512345678" (Denmark) or "+299123456" (Greenland).

    Accepts spaces, dashes, dots and parentheses and the prefixes +45/0045 and +299/00299.
    Raises ``grants.error.phone`` otherwise.
    """
    compact = _PHONE_NOISE.sub("", text)
    if dk := _DK.match(compact):
        return f"+45{dk.group(1)}"
    if gl := _GL.match(compact):
        return f"+299{gl.group(1)}"
    raise InvalidInput("grants.error.phone")


def format_phone(e164: str) -> str:
    """A stored number grouped the way Danes read it: "+45 12 34 56 78", "+299 12 34 56"."""
    for prefix in ("+45", "+299"):
        if e164.startswith(prefix):
            rest = e164[len(prefix) :]
            pairs = " ".join(rest[i : i + 2] for i in range(0, len(rest), 2))
            return f"{prefix} {pairs}"
    return e164
