"""Money amounts as Danes (and the odd English speaker) write them, read into øre.

The one parser for every place a user types kroner: grant form amounts, budget lines, the report
on the use of a grant, the amount staff grant, amounts in free text. Accepted:

- a currency before or after: "kr. 2.000", "Kr. 2.000,00", "DKK 2000", "2000 kr", "2.000 kroner",
  "2000,-" (the Danish "whole kroner" ending), "12k" / "12 tusind";
- thousands grouped by "." or a space (also a non-breaking one): "1.250.000", "2 000 kr.";
- the decimal comma: "12,50", "2.000,50".

A text that reads one way by Danish convention and another by English convention ("12.50",
"1.5", "2,500.00") is `Ambiguous`: the caller asks which one was meant and never guesses.
A minus sign ("-500", "−500 kr", "kr. -500") gives a negative amount; whether that makes sense is
the caller's decision, so it is never dropped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.validation.errors import InvalidInput

#: The catalog key of "that is not an amount" (with an example that this parser accepts).
NOT_AN_AMOUNT = "grants.error.amount"

_CURRENCY = r"(?:kr\.?|kroner|krone|dkk|dkr\.?)"
_MINUS = "\u2212\u2013-"  # the minus sign, the en dash phones substitute, hyphen-minus (last)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_SHAPE = re.compile(
    rf"""^(?P<sign1>[+{_MINUS}])?
        (?:{_CURRENCY}\s*)?
        (?P<sign2>[+{_MINUS}])?
        (?P<number>\d[\d., ]*?)
        (?:,-{{1,2}}|,–)?
        \s*(?P<kilo>k|tusind|thousand)?
        \s*(?:{_CURRENCY})?\.?$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Danish: "." or space groups thousands (groups of three), "," starts at most two decimals.
_DANISH = re.compile(r"^(?:[1-9]\d{0,2}(?:[. ]\d{3})+|\d+)(?:,\d{1,2})?$")
#: English: "," or space groups thousands, "." starts at most two decimals.
_ENGLISH = re.compile(r"^(?:[1-9]\d{0,2}(?:[, ]\d{3})+|\d+)(?:\.\d{1,2})?$")
#: Danish roles with group sizes unchecked ("12.50" as 1.250): only ever a second reading.
_LOOSE_DANISH = re.compile(r"^\d[\d. ]*(?:,[\d.]+)?$")


@dataclass(frozen=True)
class Ambiguous:
    """A text with two readings, in øre: `danish` by Danish convention ("12.50" → 125000,
    the dot grouping thousands) and `english` by English convention (→ 1250)."""

    danish: int
    english: int

    @property
    def readings(self) -> tuple[int, int]:
        """Both readings in øre, the Danish one first (the order the buttons show them)."""
        return (self.danish, self.english)


def read_amount(text: str) -> int | Ambiguous:
    """The amount in `text` in øre (negative when written with a minus), or `Ambiguous`.

    Raises `InvalidInput` (``grants.error.amount``) when the text is no amount, or an amount with
    fractions of an øre. Rules: the Danish convention ("." or a space groups thousands in threes,
    "," starts decimals) is read first; a text that is not valid Danish but is valid English (","
    groups, "." starts at most two decimals) is taken as English unless it also has a loose Danish
    reading with another value ("12.50" as 1.250 kr.), in which case both come back as
    `Ambiguous`. Two decimals at most, because kroner have øre and nothing smaller.
    """
    match = _SHAPE.match(_SPACES.sub(" ", text.strip()))
    if match is None:
        raise InvalidInput(NOT_AN_AMOUNT)
    signs = [s for s in (match["sign1"], match["sign2"]) if s]
    if len(signs) > 1:
        raise InvalidInput(NOT_AN_AMOUNT)
    negative = bool(signs) and signs[0] != "+"
    number = match["number"].strip()
    factor = 1000 if match["kilo"] else 1
    danish = _danish(number)
    if danish is not None:
        return _signed(danish * factor, negative)
    english = _english(number)
    if english is None:
        raise InvalidInput(NOT_AN_AMOUNT)
    loose = _loose_danish(number)
    if loose is None or loose == english:
        return _signed(english * factor, negative)
    return Ambiguous(
        _signed(loose * factor, negative),
        _signed(english * factor, negative),
    )


def _signed(ore: int, negative: bool) -> int:
    return -ore if negative else ore


def _danish(number: str) -> int | None:
    if not _DANISH.match(number):
        return None
    return _ore(number.replace(".", "").replace(" ", "").replace(",", "."))


def _english(number: str) -> int | None:
    if not _ENGLISH.match(number):
        return None
    return _ore(number.replace(",", "").replace(" ", ""))


def _loose_danish(number: str) -> int | None:
    if not _LOOSE_DANISH.match(number):
        return None
    whole, _, decimals = number.partition(",")
    digits = whole.replace(".", "").replace(" ", "")
    fraction = decimals.replace(".", "")
    return _ore(f"{digits}.{fraction}" if fraction else digits)


def _ore(plain: str) -> int | None:
    """Øre of a plain decimal ("1250.5"); None when it has fractions of an øre."""
    try:
        ore = Decimal(plain) * 100
    except InvalidOperation:
        return None
    return int(ore) if ore == ore.to_integral_value() else None
