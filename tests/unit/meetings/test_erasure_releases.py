"""Erasure releases what the user held exactly as their own withdrawal would, with the same
notifications to others (a seat freed by /deletedata or by retention goes to the waitlist)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.delivery.models import Broadcast
from bot.grants.models import GrantApplication
from bot.meetings.models import Rsvp
from bot.privacy.retention import erase_inactive_users
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from tests.fakes.chat import ChatDriver, text_of
from tests.unit.meetings.conftest import NOW, STAFF_ID, make_staff, publish


async def _full_meeting(conversation: Conversation, citizen: ChatDriver) -> tuple[int, ChatDriver]:
    """A meeting with one seat: `citizen` holds it, 4343 is first on the waitlist (their
    messages outside a broadcast, i.e. not the invitation, are what moving up sends)."""
    make_staff(conversation)
    meeting_id = publish(conversation, capacity=1, questions=False)
    second = ChatDriver(conversation, user_id=4343)
    await second.onboard()
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    replies = await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert "venteliste" in text_of(replies)
    return meeting_id, second


def _seat_and_news(
    conversation: Conversation, meeting_id: int, telegram_id: int
) -> tuple[str | None, list[str]]:
    with conversation.services.db.unit_of_work() as uow:
        session = uow.session
        seat = session.scalar(
            select(Rsvp.seat)
            .join(User, User.id == Rsvp.user_id)
            .where(Rsvp.meeting_id == meeting_id, User.telegram_id == telegram_id)
        )
        told = session.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.chat_id == telegram_id, OutboxMessage.broadcast_id.is_(None)
            )
        ).all()
        return seat, list(told)


async def test_deletedata_of_a_confirmed_guest_moves_the_waitlist_up_and_tells_them(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    meeting_id, second = await _full_meeting(conversation, citizen)
    await citizen.send("/deletedata")
    replies = await citizen.press("Ja, slet")
    assert "Dine data er slettet" in text_of(replies)
    seat, told = _seat_and_news(conversation, meeting_id, second.user_id)
    assert seat == "confirmed"
    assert len(told) == 1 and "Der er blevet en plads ledig" in told[0]


async def test_retention_erasure_of_a_confirmed_guest_moves_the_waitlist_up(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    meeting_id, second = await _full_meeting(conversation, citizen)
    with transaction(conversation.services.db) as session:
        session.scalars(select(User).where(User.telegram_id == citizen.user_id)).one().last_seen = (
            NOW - timedelta(days=800)
        )
    assert erase_inactive_users(conversation.services.db, NOW, 730) == 1
    seat, told = _seat_and_news(conversation, meeting_id, second.user_id)
    assert seat == "confirmed"
    assert len(told) == 1 and "Der er blevet en plads ledig" in told[0]


async def test_erasing_someone_on_the_waitlist_promotes_nobody_and_keeps_the_order(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    meeting_id, second = await _full_meeting(conversation, citizen)
    await second.send("/deletedata")
    await second.press("Ja, slet")
    seat, told = _seat_and_news(conversation, meeting_id, citizen.user_id)
    assert seat == "confirmed" and told == []


async def test_an_erased_staff_member_gets_no_progress_and_handles_no_application(
    citizen: ChatDriver, conversation: Conversation, frozen: datetime
) -> None:
    make_staff(conversation)
    publish(conversation)  # the staff member's send-out: its progress goes to their chat
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    with transaction(conversation.services.db) as session:
        session.add(
            GrantApplication(
                municipality_slug="sonderborg", round_key="2027-spring", status="submitted",
                reference="SON-2027-0001", answers={}, eligibility={}, messages=[],
                handled_by=STAFF_ID,
            )
        )  # fmt: skip
    await staff.send("/deletedata")
    await staff.press("Ja, slet")
    with conversation.services.db.unit_of_work() as uow:
        session = uow.session
        assert session.scalars(select(Broadcast.created_by)).all() == [None]
        assert session.scalars(select(GrantApplication.handled_by)).all() == [None]
