"""Amounts in the grants journey, through the conversation core: what the chair types is read as
a Dane means it, echoed back at once, and asked about when it can be read two ways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import build_conversation
from bot.core.services import Services
from bot.grants.models import GrantApplication
from bot.store.database import transaction
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock
from tests.unit.grants.grant_chat import FEBRUARY, fill_until_budget, pass_eligibility


@pytest.fixture
async def chair(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> ChatDriver:
    clock.set(FEBRUARY)
    await onboarded_chat.press("§ 18")
    await pass_eligibility(onboarded_chat)
    await fill_until_budget(onboarded_chat)
    return onboarded_chat


def _answers(services: Services) -> dict[str, object]:
    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        return dict(app.answers)


async def test_budget_lines_with_currency_and_dash_endings_are_echoed(
    chair: ChatDriver, services: Services
) -> None:
    replies = await chair.send("Leje af bus: 4.500,-")
    assert "Noteret: Leje af bus: 4.500 kr.\nI alt indtil nu: 4.500 kr." in text_of(replies)
    replies = await chair.send("Entré kr. 1.200")
    assert "Noteret: Entré: 1.200 kr." in text_of(replies)
    replies = await chair.send("Tilskud fra fonden: -2.000 kr.")
    assert "kan ikke være negativt (du skrev -2.000 kr.)" in text_of(replies)
    assert _answers(services)["budget"] == [
        {"text": "Leje af bus", "amount": 450_000},
        {"text": "Entré", "amount": 120_000},
    ]


async def test_an_amount_read_two_ways_is_asked_about_and_survives_a_restart(
    chair: ChatDriver, services: Services, no_flood_limit: None
) -> None:
    await chair.send("Kaffe: 500 kr")
    await chair.press("Færdig med budgettet")
    replies = await chair.send("12.50")
    assert "Mente du »1.250 kr.« eller »12,50 kr.«?" in text_of(replies)
    assert labels_of(replies) == ["1.250 kr.", "12,50 kr."]
    assert "amount_applied" not in _answers(services)  # nothing guessed
    # The process dies; a new one starts on the same database and the press still counts.
    fresh = build_conversation(services)
    revived = ChatDriver(fresh, user_id=chair.user_id)
    replies = await revived.press_payload(chair.payload_for("1.250 kr."))
    assert "Noteret: 1.250 kr." in text_of(replies)
    assert "Tilskud fra andre" in text_of(replies)  # moved on as a typed answer would
    assert _answers(services)["amount_applied"] == 125_000


async def test_every_typed_amount_is_echoed_in_danish_and_a_minus_is_refused(
    chair: ChatDriver, services: Services
) -> None:
    await chair.send("Kaffe 4 500 kr")
    replies = await chair.press("Kaffe: 4.500 kr.")  # not "Kaffe 4" for 500 kr.
    assert "Noteret: Kaffe: 4.500 kr." in text_of(replies)
    await chair.press("Færdig med budgettet")
    replies = await chair.send("-2000")
    assert "Beløbet kan ikke være negativt (du skrev -2.000 kr.)" in text_of(replies)
    assert "Ansøgt beløb" in text_of(replies)
    replies = await chair.send("Kr. 2.000,00")
    assert "Noteret: 2.000 kr." in text_of(replies)
    replies = await chair.send("2 000 kr.")  # funding from others
    assert "Noteret: 2.000 kr." in text_of(replies)
    answers = _answers(services)
    assert answers["amount_applied"] == 200_000 and answers["other_funding"] == 200_000
    assert answers["budget"] == [{"text": "Kaffe", "amount": 450_000}]
