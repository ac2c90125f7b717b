"""Free text, integers and yes/no answers as people type them in chat."""

from __future__ import annotations

import re

from bot.validation.errors import InvalidInput

_INTEGER = re.compile(r"^(?:\d{1,3}(?:[. ]\d{3})+|\d+)$")
_YES = frozenset({"ja", "j", "yes", "y", "jo", "jep", "aap", "true"})  # "aap": Greenlandic yes
_NO = frozenset({"nej", "n", "no", "nope", "naamik", "false"})  # "naamik": Greenlandic no


def parse_text(text: str, *, max_length: int | None = None) -> str:
    """The text without surrounding whitespace.

    Raises ``grants.error.required`` when empty, ``grants.error.text_too_long`` (with ``length`` and
    ``limit``) when longer than `max_length` characters, so the user knows how much to cut.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("grants.error.required")
    if max_length is not None and len(cleaned) > max_length:
        raise InvalidInput("grants.error.text_too_long", length=len(cleaned), limit=max_length)
    return cleaned


def parse_integer(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number ("12", "1.200", "1 200"); raises ``grants.error.integer`` or a bound error."""
    cleaned = text.strip()
    if not _INTEGER.match(cleaned):
        raise InvalidInput("grants.error.integer")
    value = int(re.sub(r"[. ]", "", cleaned))
    if minimum is not None and value < minimum:
        raise InvalidInput("grants.error.integer_min", value=value, limit=minimum)
    if maximum is not None and value > maximum:
        raise InvalidInput("grants.error.integer_max", value=value, limit=maximum)
    return value


def parse_yes_no(text: str) -> bool:
    """True for ja/j/yes/y/aap, False for nej/n/no/naamik; raises ``grants.error.yes_no``."""
    word = text.strip().strip(".!").lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise InvalidInput("grants.error.yes_no")
