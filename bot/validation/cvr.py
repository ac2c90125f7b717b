"""Danish CVR numbers: eight digits that pass the modulus-11 check."""

from __future__ import annotations

import re

from bot.validation.errors import InvalidInput

# The check Erhvervsstyrelsen uses: the weighted digit sum is divisible by 11.
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_NOISE = re.compile(r"[\s.\-]")
_PREFIX = re.compile(r"(?i)^(?:dk|cvr(?:-?nr\.?)?:?)")


def cvr_checksum_ok(digits: str) -> bool:
    """True when eight digits pass the modulus-11 check (CVR numbers never start with 0)."""
    if len(digits) != len(_WEIGHTS) or not digits.isdigit() or digits[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11 == 0


def parse_cvr(text: str) -> str:
    """The CVR number in `text` as eight digits ("12345678").

    Accepts spaces, dots and dashes between digits and a "DK"/"CVR" prefix ("DK 12 34 56 78").
    Raises `InvalidInput` with ``grants.error.cvr_format`` (not eight digits) or
    ``grants.error.cvr_checksum`` (eight digits that cannot be a CVR number, usually a typo).
    """
    compact = _NOISE.sub("", text)
    compact = _PREFIX.sub("", compact)
    if not compact.isdigit() or len(compact) != len(_WEIGHTS):
        raise InvalidInput("grants.error.cvr_format")
    if not cvr_checksum_ok(compact):
        raise InvalidInput("grants.error.cvr_checksum", cvr=compact)
    return compact
