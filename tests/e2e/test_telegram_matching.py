"""The volunteer journey, and staff importing a CSV they send, through the real PTB Application
against the fake Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.services import Services
from bot.matching.models import Interest, Opportunity
from bot.store.database import Database, transaction
from bot.store.models import StaffRole
from nlu.client import Entity
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.matching.conftest import NOW
from tests.unit.matching.seeding import ensure_seeded
from tests.unit.matching.test_import import BAD_TOWN, GOOD, HEADER


@pytest.fixture
def database(database: Database) -> Database:
    return ensure_seeded(database)


@pytest.fixture
def services(services: Services) -> Services:
    """The clock stopped at NOW, when the seed data is current (as in tests/unit/matching)."""
    services.clock = FakeClock(NOW)
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
    assert all(c.parse_mode == "HTML" for c in calls if c.method != "answerCallbackQuery")
    calls = await telegram.press("Interesseret i nr. 1")
    assert calls[0].method == "answerCallbackQuery"
    assert "Tak!" in texts(calls)
    calls = await telegram.press("Interesseret i nr. 1")
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
    calls = await telegram.press("Når som helst")
    assert "i og omkring Nordborg" in texts(calls)
    calls = await telegram.press("Mere om nr. 1")
    assert "Om foreningen" in texts(calls)


async def test_forged_interest_button_through_telegram(telegram: TelegramDriver) -> None:
    await telegram.onboard()
    calls = await telegram.press_data("g:volunteer:interest:99999999")
    assert calls[0].method == "answerCallbackQuery"
    assert "findes ikke længere" in texts(calls)


async def _staff_at_import(telegram: TelegramDriver, services: Services) -> None:
    with transaction(services.db) as session:
        session.add(StaffRole(telegram_id=telegram.user.user_id, municipality_slug="sonderborg"))
    await telegram.onboard()
    await telegram.send("/staff")
    await telegram.press("Frivilligopslag")
    calls = await telegram.press("Importér fra CSV")
    assert "Importér opslag fra en CSV-fil" in texts(calls)


async def test_staff_send_a_csv_and_get_the_import_report_through_telegram(
    telegram: TelegramDriver, services: Services, bot_api: FakeBotApi
) -> None:
    await _staff_at_import(telegram, services)
    content = "\n".join([HEADER, GOOD, BAD_TOWN]).encode("utf-8-sig")
    path = bot_api.add_file("BQACAgCsvImport", content, name="opslag.csv")
    calls = await telegram.send_update(
        telegram.user.document("BQACAgCsvImport", "opslag.csv", file_size=len(content))
    )
    [get_file] = [c for c in calls if c.method == "getFile"]
    assert get_file.params["file_id"] == "BQACAgCsvImport"
    assert bot_api.downloads == [path]  # the bot fetched the file itself
    shown = texts(calls)
    assert "Import af »opslag.csv«" in shown
    assert "række 3: ukendt by »Sønderbrog« – mente du Sønderborg?" in shown
    assert "Importen er færdig – nye: 1, opdaterede: 0, afviste: 1." in shown
    assert "Frivilligopslag i Sønderborg Kommune" in shown  # the staff screen again
    assert all(c.parse_mode == "HTML" for c in calls if c.method == "sendMessage")
    with services.db.unit_of_work() as uow:
        keys = set(uow.session.scalars(select(Opportunity.key)))
    assert "son-csv-1" in keys and "son-csv-2" not in keys


async def test_files_telegram_says_are_too_big_or_gone_are_not_downloaded(
    telegram: TelegramDriver, services: Services, bot_api: FakeBotApi
) -> None:
    await _staff_at_import(telegram, services)
    content = "\n".join([HEADER, GOOD]).encode("utf-8-sig")
    # The message did not say how big the file is; getFile does, and it is too big.
    bot_api.add_file("BQACAgHuge", content, file_size=5 * 1024 * 1024, name="opslag.csv")
    calls = await telegram.send_update(telegram.user.document("BQACAgHuge", "opslag.csv"))
    assert "getFile" in [c.method for c in calls]
    assert "Filen er for stor" in texts(calls)
    # A file id Telegram does not know (expired): told so, nothing downloaded.
    calls = await telegram.send_update(telegram.user.document("BQACAgGone", "opslag.csv"))
    assert "Jeg kunne ikke hente filen fra Telegram" in texts(calls)
    assert "Importér opslag fra en CSV-fil" in texts(calls)  # still waiting for a file
    assert bot_api.downloads == []
    with services.db.unit_of_work() as uow:
        assert "son-csv-1" not in set(uow.session.scalars(select(Opportunity.key)))
