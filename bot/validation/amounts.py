"""Danish money amounts as people write them: "12.000 kr", "12.500,50 kr.", "kr 3000", "12k"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CURRENCY = re.compile(r"(?i)\b(?:dkk|kr\.?|kroner|kr)\b|,-")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[. ]\d{3})+(?:,\d{1,2})?$")
_PLAIN = re.compile(r"^\d+(?:[,.]\d{1,2})?$")
_KILO = re.compile(r"(?i)^(\d+(?:[,.]\d+)?)\s*(?:k|tusind|thousand)$")


def parse_amount(text: str) -> Decimal | None:
    """Return the amount in kroner, or None when the text is not an amount.

    Danish style uses "." for thousands and "," for decimals ("12.500,50"); a lone "." followed by
    exactly three digits is therefore a thousands separator, never a decimal point.
    """
    cleaned = _CURRENCY.sub(" ", text).strip().rstrip(".").strip()
    cleaned = cleaned.replace("\u00a0", " ")
    if not cleaned:
        return None
    kilo = _KILO.match(cleaned)
    try:
        if kilo:
            return Decimal(kilo.group(1).replace(",", ".")) * 1000
        if _THOUSANDS.match(cleaned):
            whole, _, decimals = cleaned.partition(",")
            digits = whole.replace(".", "").replace(" ", "")
            return Decimal(f"{digits}.{decimals}" if decimals else digits)
        if _PLAIN.match(cleaned):
            if re.match(r"^\d+\.\d{3}$", cleaned):  # "12.000" is twelve thousand
                return Decimal(cleaned.replace(".", ""))
            return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None
    return None
