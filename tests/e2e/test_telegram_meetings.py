"""Meetings through the real PTB Application: /meetings, RSVP from an invitation the dispatcher
delivered, and the staff wizard's first steps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from telegram.ext import Application

from bot.core.conversation import Conversation
from bot.delivery.dispatcher import run_dispatcher
from bot.meetings.seed import seed_meetings
from bot.store.database import transaction
from bot.store.models import OutboxMessage, StaffRole
from tests.fakes.bot_api import Call, FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.meetings.conftest import NOW, make_staff, publish
from tests.unit.meetings.test_chairs_audience import APPLIED, CONTACT, DRAFT_ONLY, add_chairs


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
    assert {"Jeg kommer", "Jeg kommer ikke", "Måske"} <= set(labels)


async def test_an_invitation_sent_by_the_dispatcher_is_answered_in_telegram(
    telegram: TelegramDriver,
    telegram_app: Application,
    bot_api: FakeBotApi,
    conversation: Conversation,  # type: ignore[type-arg]
    clock: FakeClock,
) -> None:
    clock.set(NOW)
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
            clock=clock,
        )
    )
    for _ in range(100):
        if any("Kommune inviterer" in c.text for c in bot_api.sent(telegram.user.user_id)):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    invitation = [c for c in bot_api.sent(telegram.user.user_id) if "Kommune inviterer" in c.text]
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
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7002, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    calls = await staff.press("Nyt dialogmøde")
    assert "Hvad hedder mødet" in texts(calls)
    await staff.send("Dialogmøde om frivillighed 2027")
    calls = await staff.send("15/3-2027 kl. 17")
    assert "Hvornår slutter det" in texts(calls)


async def _dispatch(telegram_app: Application, conversation: Conversation) -> None:  # type: ignore[type-arg]
    """Run the outbox dispatcher until the outbox is empty (what the process does in the
    background)."""
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
        with conversation.services.db.unit_of_work() as uow:
            pending = uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.status != "sent")
            )
        if not pending:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


def documents(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendDocument"]


async def test_pressing_jeg_kommer_twice_confirms_once_and_sends_one_calendar_file(
    telegram: TelegramDriver, conversation: Conversation, clock: FakeClock
) -> None:
    clock.set(NOW)
    await telegram.onboard()
    make_staff(conversation)
    meeting_id = publish(conversation, questions=False)
    await telegram.send("/meetings")
    await telegram.press("Dialogmøde")
    _, data = telegram.last_with_button("Jeg kommer")
    assert data == f"g:meetings:rsvp:{meeting_id}:y"

    first = await telegram.press_data(data)
    second = await telegram.press_data(data)

    assert "du er tilmeldt" in texts(first) and len(documents(first)) == 1
    assert "allerede tilmeldt" in texts(second)
    assert "Tak, du er tilmeldt" not in texts(second)
    assert documents(second) == []


async def test_a_full_meeting_tells_the_person_their_place_on_the_waitlist(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
) -> None:
    clock.set(NOW)
    make_staff(conversation)
    meeting_id = publish(conversation, capacity=1, questions=False)
    people = [
        TelegramDriver(telegram_app, bot_api, bot_api.user(6100 + n, language_code="da"))
        for n in range(4)
    ]
    for person in people:
        await person.onboard()
    yes = f"g:meetings:rsvp:{meeting_id}:y"
    await people[0].press_data(yes)
    await people[1].press_data(yes)
    await people[2].press_data(yes)
    calls = await people[3].press_data(yes)
    assert "du står som nr. 3 på ventelisten" in texts(calls)

    again = await people[3].press_data(yes)
    assert "allerede på ventelisten" in texts(again) and "nr. 3" in texts(again)


async def test_a_person_moved_up_from_the_waitlist_gets_the_calendar_file(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
) -> None:
    clock.set(NOW)
    make_staff(conversation)
    meeting_id = publish(conversation, capacity=1, questions=False)
    first = TelegramDriver(telegram_app, bot_api, bot_api.user(6201, language_code="da"))
    waiting = TelegramDriver(telegram_app, bot_api, bot_api.user(6202, language_code="da"))
    await first.onboard()
    await waiting.onboard()
    await _dispatch(telegram_app, conversation)  # the invitations
    await first.press_data(f"g:meetings:rsvp:{meeting_id}:y")
    calls = await waiting.press_data(f"g:meetings:rsvp:{meeting_id}:y")
    assert documents(calls) == []  # no seat, no calendar file yet
    await first.press_data(f"g:meetings:rsvp:{meeting_id}:n")
    bot_api.clear()

    await _dispatch(telegram_app, conversation)

    told = documents(bot_api.sent(waiting.user.user_id))
    assert len(told) == 1
    assert "Der er blevet en plads ledig" in told[0].text
    assert (told[0].document_name or "").endswith(".ics")
    assert b"BEGIN:VEVENT" in (told[0].document_content or b"")
    labels = [label for label, _ in told[0].buttons]
    assert "Jeg kommer ikke" in labels


async def test_kasser_kladden_asks_first_in_telegram_and_a_double_tap_discards_once(
    telegram_app: Application,
    bot_api: FakeBotApi,
    conversation: Conversation,  # type: ignore[type-arg]
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7003, municipality_slug="sonderborg"))
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7003, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Nyt dialogmøde")
    await staff.send("Dialogmøde om frivillighed 2027")
    calls = await staff.press("Kassér kladden")
    assert "Er du sikker?" in texts(calls) and "kasseret" not in texts(calls)
    calls = await staff.press("Nej, behold kladden")
    assert "kladden er der stadig" in texts(calls) and "Hvornår" in texts(calls)
    await staff.press("Kassér kladden")
    calls = await staff.press("Ja, kassér kladden")
    assert "Kladden er kasseret." in texts(calls)
    calls = await staff.press("Ja, kassér kladden")  # the double tap on the same message
    assert "Kladden er kasseret." not in texts(calls)
    shown = texts(calls) + " ".join(str(c.params.get("text", "")) for c in calls)
    assert "allerede kasseret" in shown


async def test_a_meeting_for_the_chairs_reaches_a_chair_who_applied_for_a_grant(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    add_chairs(conversation)  # APPLIED sent a § 18 application, CONTACT is a linked contact
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7003, municipality_slug="sonderborg"))
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7003, language_code="da"))
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Nyt dialogmøde")
    for typed in (
        "Dialogmøde for foreningerne", "15/3-2027 kl. 17", "20", "Frivillighuset",
        "Perlegade 50, 6400 Sønderborg", "17.00 Velkomst", "40",
    ):  # fmt: skip
        await staff.send(typed)
    await staff.press("Ingen grænse")
    await staff.send("8/3-2027")
    calls = await staff.press("En uge før")
    labels = [label for c in calls for label, _ in c.buttons]
    assert "Foreningernes formænd og kontaktpersoner (2)" in labels
    await staff.press("Foreningernes formænd og kontaktpersoner")
    calls = await staff.press("Ja, tag imod spørgsmål")
    assert "sendes til 2 modtagere" in texts(calls)
    calls = await staff.press("Send til 2")
    assert "på vej til 2 modtagere" in texts(calls)
    await _dispatch(telegram_app, conversation)
    for chat_id in (APPLIED, CONTACT):
        invitation = [c for c in bot_api.sent(chat_id) if "Dialogmøde for foreningerne" in c.text]
        assert len(invitation) == 1 and "Jeg kommer" in [b for b, _ in invitation[0].buttons]
    assert not [c for c in bot_api.sent(DRAFT_ONLY) if "Dialogmøde" in c.text]
