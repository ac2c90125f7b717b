"""CVR numbers: eight digits that pass the modulus-11 check.

Denmark's and, since 1 January 2018, Greenland's register: Greenland closed its own business
register (GER, landstingslov nr. 10 af 29. oktober 1999, repealed) and registers its legal entities
in CVR (inatsisartutlov nr. 33 af 28. november 2016); existing GER numbers were converted to CVR
numbers. A GER number as written on older papers (»GER-nr. 12663765«) is eight digits that pass the
same check, so it is read here too.
"""

from __future__ import annotations

import re

from bot.validation.errors import InvalidInput

# The check Erhvervsstyrelsen uses: the weighted digit sum is divisible by 11.
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_NOISE = re.compile(r"[\s.\-]")
_PREFIX = re.compile(r"(?i)^(?:dk|(?:cvr|ger)(?:-?nr\.?)?:?)")


def cvr_checksum_ok(digits: str) -> bool:
    """True when eight digits pass the modulus-11 check (CVR numbers never start with 0)."""
    if len(digits) != len(_WEIGHTS) or not digits.isdigit() or digits[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11 == 0


def parse_cvr(text: str) -> str:
    """The CVR number in `text` as eight digits ("12345678").

    Accepts spaces, dots and dashes between digits and a "DK", "CVR" or "GER" prefix
    ("DK 12 34 56 78", "GER-nr. 12663765").
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
