"""The citizen's journey without dead ends, through the real PTB Application against the fake Bot
API: »Mine søgeagenter« (list, pause, resume, delete with confirmation), back to the results from
an opportunity's details, honest ranking (related areas under their own heading, the town instead
of `0,0 km`), the note that descriptions are in Danish, and a one-tap change of each part of what
was understood from a sentence (issue 12 §2, issue 17 §3)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.core.services import Services
from bot.matching.models import SavedSearch
from bot.store.database import Database
from nlu.client import Entity
from tests.fakes.bot_api import Call, FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.matching.conftest import NOW
from tests.unit.matching.seeding import ensure_seeded


@pytest.fixture
def database(database: Database) -> Database:
    return ensure_seeded(database)


@pytest.fixture
def services(services: Services) -> Services:
    """The clock stopped at NOW, when the seed data is current (as in tests/unit/matching)."""
    services.clock = FakeClock(NOW)
    return services


async def press_exact(telegram: TelegramDriver, bot_api: FakeBotApi, label: str) -> list[Call]:
    """Press the newest button whose label is exactly `label` (»Sønderborg«, not »Hele
    Sønderborg Kommune«)."""
    for call in reversed(bot_api.sent(telegram.user.user_id)):
        for text, data in call.buttons:
            if text == label:
                message_id = call.message_id or call.edited_message_id or 0
                return await telegram.send_update(telegram.user.callback(data, message_id))
    raise AssertionError(f"no button labelled exactly {label!r}")


def labels(calls: list[Call]) -> list[str]:
    return [text for call in calls for text, _ in call.buttons]


def titles(text: str) -> list[str]:
    return re.findall(r"<b>(\d+\. [^<]*)</b>", text)


async def _elderly_weekend_in_sonderborg(
    telegram: TelegramDriver, bot_api: FakeBotApi
) -> list[Call]:
    await telegram.send("/volunteer")
    await telegram.press("Ældre")
    await telegram.press("I weekenden")
    return await press_exact(telegram, bot_api, "Sønderborg")


async def test_related_areas_come_under_their_own_heading_and_the_town_has_no_zero_km(
    telegram: TelegramDriver, bot_api: FakeBotApi
) -> None:
    await telegram.onboard()
    shown = texts(await _elderly_weekend_in_sonderborg(telegram, bot_api))
    # Seed data: one opportunity for the elderly at weekends near Sønderborg; three more only
    # match an area related to the elderly (health).
    assert shown.count("Derfor passer det til dig") == 1
    assert shown.count("Beslægtet med det, du søgte") == 3
    first, second = shown.index("<b>1. "), shown.index("<b>2. ")
    separator = shown.index("Tæt på det, du søgte")
    assert first < shown.index("Derfor passer det til dig") < separator < second
    assert "Opslagene herunder handler ikke om ældre" in shown
    assert "0,0 km" not in shown
    assert "📍 Sønderborg\n" in shown  # the town, not »Sønderborg (0,0 km)«
    assert "· i Sønderborg" in shown  # the reason names the town too
    assert "Egernsund (12 km)" in shown  # another town keeps its distance


async def test_back_to_the_results_from_the_details_gives_the_same_page_in_the_same_order(
    telegram: TelegramDriver,
) -> None:
    await telegram.onboard()
    await telegram.send("/volunteer")
    await telegram.press("Ældre")
    await telegram.press("Når som helst")
    await telegram.press("Hele Sønderborg Kommune")
    page_two = texts(await telegram.press("Næste"))
    assert "side 2 af" in page_two
    calls = await telegram.press("Mere om nr. 7")
    assert "Om foreningen" in texts(calls)
    assert "Tilbage til resultaterne" in labels(calls)[-1]
    calls = await telegram.press("Tilbage til resultaterne")
    again = texts(calls)
    assert "side 2 af" in again
    assert titles(again) == titles(page_two)
    assert titles(again)[0].startswith("6. ")
    # Paging on from there still works: the results are the chat's current screen.
    assert "<b>11. " in texts(await telegram.press("Næste"))


async def test_back_button_of_details_after_leaving_the_results_is_old(
    telegram: TelegramDriver,
) -> None:
    await telegram.onboard()
    await telegram.send("/volunteer")
    await telegram.press("Ældre")
    await telegram.press("Når som helst")
    await telegram.press("Hele Sønderborg Kommune")
    await telegram.press("Mere om nr. 2")
    await telegram.send("/menu")
    calls = await telegram.press("Tilbage til resultaterne")
    assert "hører til en tidligere besked" in texts(calls)
    assert "<b>1. " not in texts(calls)


async def test_my_search_alerts_list_pause_resume_and_delete_with_the_nlu_down(
    telegram: TelegramDriver, bot_api: FakeBotApi, nlu: FakeNlu, services: Services
) -> None:
    nlu.down = True  # everything below is buttons
    await telegram.onboard()
    calls = await telegram.send("/volunteer")
    assert "🔔 Mine søgeagenter" in labels(calls)  # reachable from the journey's first screen
    calls = await telegram.send("/menu")
    assert "🔔 Mine søgeagenter" in labels(calls)  # and from the main menu
    calls = await telegram.press("Mine søgeagenter")
    assert "Du har ingen søgeagenter endnu" in texts(calls)
    await _elderly_weekend_in_sonderborg(telegram, bot_api)
    calls = await telegram.press("Giv mig besked om nye opslag")
    assert "Jeg skriver til dig" in texts(calls)
    assert {"🔔 Mine søgeagenter", "⬅️ Tilbage til resultaterne"} <= set(labels(calls))
    calls = await telegram.press("Mine søgeagenter")
    shown = texts(calls)
    assert "Mine søgeagenter" in shown
    assert "1. Ældre, weekender, Sønderborg – aktiv" in shown
    calls = await telegram.press("Sæt nr. 1 på pause")
    assert "1. Ældre, weekender, Sønderborg – ⏸ på pause" in texts(calls)
    assert calls[-1].method == "editMessageText"  # the list changes in place
    with services.db.unit_of_work() as uow:
        assert uow.session.scalars(select(SavedSearch.active)).all() == [False]
    calls = await telegram.press("Genoptag nr. 1")
    assert "– aktiv" in texts(calls)
    calls = await telegram.press("Slet nr. 1")
    assert "Vil du slette søgeagenten »Ældre, weekender, Sønderborg«?" in texts(calls)
    assert "det kan ikke fortrydes" in texts(calls)
    calls = await telegram.press("Nej, behold den")
    assert "Søgeagenten er ikke slettet" in texts(calls) and "– aktiv" in texts(calls)
    await telegram.press("Slet nr. 1")
    calls = await telegram.press("Ja, slet den")
    assert "Søgeagenten er slettet" in texts(calls)
    assert "Du har ingen søgeagenter endnu" in texts(calls)
    # The list came from the results: the way back is there.
    calls = await telegram.press("Tilbage til resultaterne")
    assert "Derfor passer det til dig" in texts(calls)
    with services.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SavedSearch)) == 0
    assert nlu.calls == []


async def test_a_second_press_of_delete_deletes_nothing_more(
    telegram: TelegramDriver, bot_api: FakeBotApi, services: Services
) -> None:
    await telegram.onboard()
    await _elderly_weekend_in_sonderborg(telegram, bot_api)
    await telegram.press("Giv mig besked om nye opslag")
    await telegram.press("Ny søgning")
    await telegram.press("Børn")
    await telegram.press("Når som helst")
    await telegram.press("Hele Sønderborg Kommune")
    await telegram.press("Giv mig besked om nye opslag")
    calls = await telegram.press("Mine søgeagenter")
    assert "1. Børn, Sønderborg Kommune – aktiv" in texts(calls)  # newest first
    assert "2. Ældre, weekender, Sønderborg – aktiv" in texts(calls)
    await telegram.press("Slet nr. 2")
    confirm, data = telegram.last_with_button("Ja, slet den")
    await telegram.press("Ja, slet den")
    message_id = confirm.message_id or confirm.edited_message_id or 0
    calls = await telegram.send_update(telegram.user.callback(data, message_id))
    assert "Søgeagenten er slettet" in texts(calls)
    with services.db.unit_of_work() as uow:
        left = uow.session.scalars(select(SavedSearch)).all()
        assert [s.filters["areas"] for s in left] == [["children"]]


async def test_english_results_say_once_that_descriptions_are_in_danish(
    telegram: TelegramDriver,
) -> None:
    await telegram.onboard(municipality="Sønderborg", language="English")
    await telegram.send("/volunteer")
    await telegram.press("Older people")
    await telegram.press("Any time")
    calls = await telegram.press("All of Sønderborg Kommune")
    shown = texts(calls)
    assert shown.count("Opportunity descriptions are in Danish") == 1
    assert "Why it fits you" in shown  # the fixed parts stay translated
    calls = await telegram.press("Next")
    assert "Opportunity descriptions are in Danish" not in texts(calls)
    await telegram.press("New search")
    await telegram.press("Children")
    await telegram.press("Any time")
    calls = await telegram.press("All of Sønderborg Kommune")
    assert "Opportunity descriptions are in Danish" in texts(calls)  # once per search


async def test_each_understood_part_is_one_tap_to_change(
    telegram: TelegramDriver, bot_api: FakeBotApi, nlu: FakeNlu
) -> None:
    await telegram.onboard()
    sentence = "jeg vil gerne hjælpe ældre i weekenden i Sønderborg"
    nlu.understand(
        sentence,
        "find_opportunity",
        Entity("area", "elderly", "ældre"),
        Entity("availability", "weekend", "i weekenden"),
        Entity("location", "Sønderborg", "Sønderborg", town="Sønderborg"),
    )
    calls = await telegram.send(sentence)
    shown = texts(calls)
    assert "Jeg søger efter: ældre, weekender, Sønderborg." in shown
    assert shown.count("Jeg søger efter") == 1  # one message: the echo heads the results
    assert {"✏️ Ældre", "✏️ Weekender", "✏️ Sønderborg"} <= set(labels(calls))
    # The time was a wrong guess: one tap opens the time question, the rest is kept.
    calls = await telegram.press("✏️ Weekender")
    assert "Hvornår har du tid?" in texts(calls)
    assert "✏️ Weekender" not in labels(calls)  # the part being asked has no change button
    calls = await telegram.press("Hverdage i dagtimerne")
    shown = texts(calls)
    assert "Jeg søger efter: ældre, hverdage, dagtimer, Sønderborg." in shown
    assert "<b>1. " in shown
    # And the place: the town question, then results around the new town, area and time kept.
    calls = await telegram.press("✏️ Sønderborg")
    assert "Hvor vil du gerne hjælpe?" in texts(calls)
    calls = await press_exact(telegram, bot_api, "Nordborg")
    shown = texts(calls)
    assert "Jeg søger efter: ældre, hverdage, dagtimer, Nordborg." in shown
    assert "i og omkring Nordborg" in shown
    # The area: »Alle målgrupper« drops it.
    await telegram.press("✏️ Ældre")
    calls = await telegram.press("Alle målgrupper")
    assert "Jeg søger efter: hverdage, dagtimer, Nordborg." in texts(calls)


async def test_a_change_button_before_the_last_question_keeps_the_question_to_come(
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
    assert "Jeg søger efter: ældre, besøg, Nordborg." in texts(calls)
    assert "Hvornår har du tid?" in texts(calls)
    calls = await telegram.press("✏️ Ældre, besøg")
    assert "Hvem vil du gerne hjælpe?" in texts(calls)
    await telegram.press("Børn")
    calls = await telegram.press("Når som helst")  # the time question still comes
    assert "Jeg søger efter: børn, Nordborg." in texts(calls)


async def test_kalaallisut_says_at_the_choice_that_most_is_in_danish_and_falls_back_per_string(
    telegram: TelegramDriver,
) -> None:
    await telegram.send("/start")
    calls = await telegram.press("Kalaallisut")
    shown = texts(calls)
    # At the choice, in Kalaallisut and in Danish.
    assert "Ikiortip amerlanersaa suli qallunaatuinnaavoq" in shown
    assert "Det meste af assistenten er på dansk indtil videre" in shown
    assert "Kommuni sorlermi najugaqarpit" in shown  # onboarding itself is in Kalaallisut
    await telegram.press("Sønderborg")
    calls = await telegram.press("Aap, qujanaq")
    assert "Qanoq ikiorsinnaavakkit?" in texts(calls)
    assert {"🌐 Oqaatsit", "🤝 Kajumissutsiminik suliassarsiorit"} <= set(labels(calls))
    calls = await telegram.send("/help")
    assert "Ikiorsinnaaffikka" in texts(calls) and "/staff – kommunimi sulisunut" in texts(calls)
    # What is not translated yet is Danish, string by string, never a raw key.
    calls = await telegram.press("Kajumissutsiminik suliassarsiorit")
    assert "Hvem vil du gerne hjælpe?" in texts(calls)
    assert "matching." not in texts(calls)


async def test_switching_to_kalaallisut_later_says_it_too(telegram: TelegramDriver) -> None:
    await telegram.onboard()
    await telegram.send("/language")
    calls = await telegram.press("Kalaallisut")
    assert "Maanna Kalaallisut atorpara." in texts(calls)
    assert "Det meste af assistenten er på dansk indtil videre" in texts(calls)
    calls = await telegram.press("English")
    assert "Det meste af assistenten" not in texts(calls)
