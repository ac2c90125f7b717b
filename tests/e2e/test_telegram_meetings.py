"""Meetings through the real PTB Application: /meetings, RSVP from an invitation the dispatcher
delivered, and the staff wizard's first steps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram.ext import Application

from bot.core.conversation import Conversation
from bot.delivery.dispatcher import run_dispatcher
from bot.meetings.seed import seed_meetings
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.conftest import TelegramDriver, texts
from tests.fakes.bot_api import FakeBotApi, TelegramUser
from tests.unit.meetings.conftest import NOW, publish


async def test_meetings_shows_the_seeded_dialogue_meeting(
    telegram: TelegramDriver, conversation: Conversation
) -> None:
    with transaction(conversation.services.db) as session:  # PostgreSQL tests start empty
        seed_meetings(session, conversation.services.directory)
    await telegram.onboard()
    calls = await telegram.send("/meetings")
    assert "Dialogmøde om frivillighed 2027" in texts(calls)
    calls = await telegram.press("Dialogmøde")
    assert "Frivillighuset Sønderborg" in texts(calls)
    labels = [label for c in calls for label, _ in c.buttons]
    assert {"Jeg kommer", "Kommer ikke", "Måske"} <= set(labels)


async def test_an_invitation_sent_by_the_dispatcher_is_answered_in_telegram(
    telegram: TelegramDriver,
    telegram_app: Application,
    bot_api: FakeBotApi,
    conversation: Conversation,  # type: ignore[type-arg]
) -> None:
    conversation.services.clock = lambda: NOW
    await telegram.onboard()
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7001, municipality_slug="sonderborg"))
    meeting_id = publish(conversation, questions=False, starts=NOW + timedelta(days=30))
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_dispatcher(
            telegram_app.bot,
            conversation.services.db,
            rate=50,
            stop_event=stop,
            poll_interval=0.05,
            clock=lambda: NOW,
        )
    )
    for _ in range(100):
        if any("inviterer" in c.text for c in bot_api.sent(telegram.user.user_id)):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    invitation = [c for c in bot_api.sent(telegram.user.user_id) if "inviterer" in c.text]
    assert len(invitation) == 1
    assert ("Jeg kommer", f"g:meetings:rsvp:{meeting_id}:y") in invitation[0].buttons
    calls = await telegram.press("Jeg kommer")
    assert calls[0].method == "answerCallbackQuery"
    assert "du er tilmeldt" in texts(calls)
    assert any(c.method == "sendDocument" for c in calls)  # the .ics


async def test_staff_start_the_meeting_wizard_in_telegram(
    telegram_app: Application,
    bot_api: FakeBotApi,
    conversation: Conversation,  # type: ignore[type-arg]
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7002, municipality_slug="sonderborg"))
    staff = TelegramDriver(telegram_app, bot_api, TelegramUser(7002, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    calls = await staff.press("Nyt dialogmøde")
    assert "Hvad hedder mødet" in texts(calls)
    await staff.send("Dialogmøde om frivillighed 2027")
    calls = await staff.send("15/3-2027 kl. 17")
    assert "Hvornår slutter det" in texts(calls)
