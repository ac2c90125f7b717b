"""Free text, integers and yes/no answers as people type them in chat."""

from __future__ import annotations

import re

from bot.validation.errors import InvalidInput

_INTEGER = re.compile(r"^(?:\d{1,3}(?:[. ]\d{3})+|\d+)$")
# The one word list for typed yes/no answers, everywhere ("aap"/"naamik": Greenlandic).
_YES = frozenset({"ja", "j", "jo", "jep", "ok", "okay", "yes", "y", "yep", "aap", "true"})
_NO = frozenset({"nej", "n", "no", "nope", "naamik", "false"})


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


def yes_or_no(text: str) -> bool | None:
    """True for ja/j/ok/yes/aap…, False for nej/n/no/naamik…, None for anything else."""
    word = text.casefold().strip(" .!")
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def parse_yes_no(text: str) -> bool:
    """`yes_or_no`, raising ``grants.error.yes_no`` for anything else."""
    answer = yes_or_no(text)
    if answer is None:
        raise InvalidInput("grants.error.yes_no")
    return answer
