"""Every message key the grant code can produce exists in Danish and in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.grants.schemes import FieldType
from bot.i18n import has

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    *sorted((ROOT / "bot" / "grants").glob("*.py")),
    *sorted((ROOT / "bot" / "validation").glob("*.py")),
]
_LITERAL = re.compile(r"\"(grants\.[a-z_]+(?:\.[a-z_]+)+)\"")
# Keys built at run time: a hint per field type, a name per accepted file kind.
_DYNAMIC = [f"grants.hint.{t.value}" for t in FieldType] + [
    f"grants.filetype.{kind}" for kind in ("pdf", "word", "odt", "excel", "image", "other")
]
# What the conversation layer needs from this catalog (buttons, progress, receipts).
_FOR_THE_CHAT = [
    "grants.button.back",
    "grants.button.skip",
    "grants.button.save_later",
    "grants.button.done",
    "grants.progress",
    "grants.budget.running_total",
    "grants.receipt.submitted",
]


def _keys_in_code() -> set[str]:
    return {m for path in SOURCES for m in _LITERAL.findall(path.read_text(encoding="utf-8"))}


def test_code_uses_many_keys() -> None:
    assert len(_keys_in_code()) > 30  # guards the regex against silently matching nothing


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_key_exists(language: str) -> None:
    missing = sorted(
        k for k in {*_keys_in_code(), *_DYNAMIC, *_FOR_THE_CHAT} if not has(language, k)
    )
    assert missing == []


def test_danish_and_english_differ_where_they_should() -> None:
    from bot.i18n import t

    assert t("da", "grants.button.save_later") == "Gem og fortsæt senere"
    assert t("en", "grants.button.save_later") == "Save and continue later"
    assert t("da", "grants.progress", number=4, total=15) == "Spørgsmål 4 af 15"
