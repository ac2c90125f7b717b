"""The message catalogs: every key the code uses has a Danish and an English text, so a user
never sees a raw key; Danish and English carry the same keys and the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.i18n import LANGUAGES, catalog, t

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
        f"{key} ({where})" for key, where in _keys_in_code() if key not in catalog(language)
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
