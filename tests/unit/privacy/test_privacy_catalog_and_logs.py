"""Every privacy text exists in Danish and English; logs never hold what the user wrote."""

from __future__ import annotations

import logging
import re

import pytest

from bot.config import PROJECT_ROOT
from bot.i18n import catalog
from bot.privacy import registry
from bot.privacy.sources import register_all
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import TelegramDriver

SOURCES = sorted((PROJECT_ROOT / "bot" / "privacy").glob("*.py"))


def _keys_in_code() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        code = path.read_text()
        # Log event names look like keys ("privacy.erased") but are not texts.
        events = set(re.findall(r"log\.\w+\(\s*\"([^\"]+)\"", code))
        keys |= set(re.findall(r"\"(privacy\.[a-z_.]+[a-z_])\"", code)) - events
    return keys


def test_every_key_the_code_uses_is_in_both_catalogs() -> None:
    keys = _keys_in_code()
    assert "privacy.delete.confirm" in keys  # the scan finds keys at all
    # Section names are looked up by the name of each registered source.
    register_all()
    keys |= {f"privacy.section.{source.name}" for source in registry.sources()} - {
        "privacy.section.profile"
    }
    keys.add("privacy.section.other")
    for language in ("da", "en"):
        missing = sorted(keys - set(catalog(language)))
        assert not missing, f"{language}: {missing}"


def test_danish_is_not_english() -> None:
    danish, english = catalog("da"), catalog("en")
    same = [
        key
        for key in _keys_in_code()
        if danish[key] == english[key] and "{" not in danish[key].strip("{}")
    ]
    assert same == []


SECRET_TEXT = "Jeg hedder Xyzzy Hemmeligsen og bor på Kirkevej 12"


async def test_a_turns_logs_hold_ids_never_what_the_user_wrote(
    onboarded_chat: ChatDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="scheduler")
    await onboarded_chat.send(SECRET_TEXT)  # free text: to the NLU, unsure, the menu
    await onboarded_chat.send("/mydata")
    await onboarded_chat.send("/deletedata")
    await onboarded_chat.press("Ja, slet")
    records = [r for r in caplog.records if r.name.startswith(("bot", "scheduler"))]
    assert any(r.getMessage() == "turn.done" for r in records)  # the turns were logged …
    assert any(getattr(r, "user_id", None) == onboarded_chat.user_id for r in records)
    for record in records:  # … by id only
        logged = f"{record.getMessage()} {vars(record)}"
        assert "Xyzzy" not in logged and "Kirkevej" not in logged


async def test_the_telegram_path_logs_no_names_or_text(
    telegram: TelegramDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the production level, every logger
    telegram.user = telegram.api.user(5151, first_name="Hemmeligsen")
    await telegram.send("/start")
    await telegram.send(SECRET_TEXT)
    for record in caplog.records:
        logged = f"{record.getMessage()} {vars(record)}"
        assert "Hemmeligsen" not in logged and "Kirkevej" not in logged
