"""The message catalogs: every key the code uses has a Danish and an English text, so a user
never sees a raw key; Danish and English carry the same keys and the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.i18n import LANGUAGES, MissingMessageError, catalog, plural_catalog, t, tn

LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def _namespaces() -> set[str]:
    return {key.split(".")[0] for language in ("da", "en") for key in catalog(language)}


def _keys_in_code() -> set[tuple[str, str]]:
    namespaces = _namespaces()
    found: set[tuple[str, str]] = set()
    for folder in ("bot", "scheduler"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            log_events = {
                id(node.args[0])
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and node.args
            }
            for node in ast.walk(tree):
                if (
                    id(node) not in log_events
                    and isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and KEY.match(node.value)
                    and node.value.split(".")[0] in namespaces
                ):
                    found.add((node.value, str(path.relative_to(PROJECT_ROOT))))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_key_used_in_code_has_a_text(language: str) -> None:
    missing = sorted(
        f"{key} ({where})"
        for key, where in _keys_in_code()
        if key not in catalog(language) and key not in plural_catalog(language)
    )
    assert not missing, f"missing in {language}: {missing}"


def test_danish_and_english_have_the_same_keys_and_placeholders() -> None:
    danish, english = catalog("da"), catalog("en")
    assert set(danish) == set(english)
    different = [k for k in danish if _fields(danish[k]) != _fields(english[k])]
    assert not different


def test_every_language_resolves_every_key_without_a_raw_key() -> None:
    for language in LANGUAGES:
        for key in catalog("da"):
            assert t(language, key, **dict.fromkeys(_fields(catalog("da")[key]), "x"))


def test_the_catalog_files_parse() -> None:
    for po in Path(PROJECT_ROOT / "bot" / "i18n" / "locales").rglob("*.po"):
        assert po.read_text(encoding="utf-8").strip(), po


#: Placeholders that hold a count of things, and the words after one that do not inflect.
COUNTS = ("count", "total", "capacity", "sent", "n")
UNINFLECTED = ("af", "i", "of", "in")


def _counted_nouns(text: str) -> list[str]:
    """The words right after a count placeholder ("{total} modtagere" → ["modtagere"])."""
    found = re.findall(r"\{(" + "|".join(COUNTS) + r")\} (\w+)", text)
    return [word for _, word in found if word not in UNINFLECTED]


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_count_followed_by_a_noun_is_a_plural_entry(language: str) -> None:
    singular_only = [key for key, text in catalog(language).items() if _counted_nouns(text)]
    assert not singular_only, f"use msgid_plural in {language}: {singular_only}"


def test_danish_and_english_have_the_same_plural_entries_and_placeholders() -> None:
    danish, english = plural_catalog("da"), plural_catalog("en")
    assert set(danish) == set(english) and danish
    for key, forms in danish.items():
        assert len(forms) == len(english[key]) == 2
        assert {frozenset(_fields(f)) for f in (*forms, *english[key])} == {
            frozenset(_fields(forms[0]))
        }, key


def test_counts_read_as_danish_and_english() -> None:
    assert tn(
        "da", "matching.results.header", 1, total=1, where="i Sønderborg", page=1, pages=1
    ) == ("Jeg fandt 1 mulighed i Sønderborg (side 1 af 1):")
    assert "Jeg fandt 2 muligheder i Sønderborg" in tn(
        "da", "matching.results.header", 2, total=2, where="i Sønderborg", page=1, pages=1
    )
    assert tn("en", "meetings.invitation.capacity", 1, capacity=1) == "There is 1 seat."
    assert tn("en", "meetings.invitation.capacity", 0, capacity=0) == "There are 0 seats."
    assert tn("da", "meetings.invitation.capacity", 1, capacity=1) == "Der er 1 plads."
    assert tn("da", "grants.staff.export_caption", 12, count=12).endswith("12 ansøgninger.")
    # Kalaallisut has none of these yet: Danish, per string, as with `t`.
    assert tn("kl", "meetings.invitation.capacity", 1, capacity=1) == "Der er 1 plads."
    with pytest.raises(MissingMessageError):
        tn("da", "menu.volunteer", 1)
