"""The volunteer journey through the real PTB Application against the fake Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.services import Services
from bot.matching.models import Interest
from bot.store.database import Database
from nlu.client import Entity
from tests.conftest import TelegramDriver, texts
from tests.fakes.nlu import FakeNlu
from tests.unit.matching.conftest import NOW
from tests.unit.matching.seeding import ensure_seeded


@pytest.fixture
def database(database: Database) -> Database:
    return ensure_seeded(database)


@pytest.fixture
def services(services: Services) -> Services:
    services.clock = lambda: NOW
    return services


async def test_volunteer_by_buttons_and_interest_through_telegram(
    telegram: TelegramDriver, services: Services
) -> None:
    await telegram.onboard()
    calls = await telegram.send("/volunteer")
    assert "Hvem vil du gerne hjælpe?" in texts(calls)
    await telegram.press("Ældre")
    calls = await telegram.press("I weekenden")
    assert "editMessageText" in [c.method for c in calls]  # the question replaces the buttons
    calls = await telegram.press("Hele Sønderborg")
    shown = texts(calls)
    assert "<b>1. " in shown and "Derfor passer det til dig" in shown
    assert all(
        c.params.get("parse_mode") == "HTML" for c in calls if c.method != "answerCallbackQuery"
    )
    calls = await telegram.press("Interesseret i 1")
    assert calls[0].method == "answerCallbackQuery"
    assert "Tak!" in texts(calls)
    calls = await telegram.press("Interesseret i 1")
    assert "allerede" in texts(calls)
    with services.db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(Interest)).all()) == 1


async def test_volunteer_from_one_sentence_through_telegram(
    telegram: TelegramDriver, nlu: FakeNlu
) -> None:
    await telegram.onboard()
    nlu.understand(
        "jeg vil gerne besøge ældre i Nordborg",
        "find_opportunity",
        Entity("area", "elderly", "ældre"),
        Entity("activity", "visiting", "besøge"),
        Entity("location", "Nordborg", "Nordborg", town="Nordborg", municipality="sonderborg"),
    )
    calls = await telegram.send("jeg vil gerne besøge ældre i Nordborg")
    assert "Hvornår har du tid?" in texts(calls)  # the only thing missing
    calls = await telegram.press("Ligegyldigt")
    assert "i og omkring Nordborg" in texts(calls)
    calls = await telegram.press("Mere om 1")
    assert "Om foreningen" in texts(calls)


async def test_forged_interest_button_through_telegram(telegram: TelegramDriver) -> None:
    await telegram.onboard()
    calls = await telegram.press_data("g:volunteer:interest:99999999")
    assert calls[0].method == "answerCallbackQuery"
    assert "findes ikke længere" in texts(calls)
