"""Queued meeting messages are checked again when the dispatcher sends them: a reminder queued
before its recipient said no, or before the meeting was cancelled, is not sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.core.conversation import Conversation
from bot.meetings import service
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chat import ChatDriver
from tests.unit.delivery.test_dispatcher import drain
from tests.unit.meetings.conftest import NOW, STAFF_ID, make_staff, publish

STARTS = NOW + timedelta(days=20)


async def _reminder_queued(conversation: Conversation, *chats: ChatDriver) -> int:
    """A meeting the `chats` said yes to, whose 7-day reminder is queued (not yet sent)."""
    make_staff(conversation)
    meeting_id = publish(conversation, starts=STARTS, questions=False)
    for chat in chats:
        await chat.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    with transaction(conversation.services.db) as session:
        session.execute(delete(OutboxMessage))  # the invitations are not what this is about
        broadcast = service.queue_reminder(session, meeting_id, 7, STARTS - timedelta(days=7))
        assert broadcast is not None and broadcast.total == 2
    return meeting_id


def _statuses(conversation: Conversation) -> dict[int, str]:
    with conversation.services.db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status).where(
                OutboxMessage.kind == service.REMINDER_KIND
            )
        ).all()
        return dict(rows)


async def test_a_reminder_queued_before_the_rsvp_was_withdrawn_is_skipped(
    citizen: ChatDriver, conversation: Conversation, bot_api: FakeBotApi, frozen: datetime
) -> None:
    other = ChatDriver(conversation, user_id=4343)
    await other.onboard()
    meeting_id = await _reminder_queued(conversation, citizen, other)
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:n")  # changed their mind
    await drain(conversation.services.db, bot_api, clock=lambda: STARTS - timedelta(days=7))
    reminded = [c.chat_id for c in bot_api.sent(method="sendMessage") if "Påmindelse" in c.text]
    assert reminded == [other.user_id]
    assert _statuses(conversation) == {citizen.user_id: "skipped", other.user_id: "sent"}


async def test_a_reminder_of_a_meeting_cancelled_meanwhile_is_skipped(
    citizen: ChatDriver, conversation: Conversation, bot_api: FakeBotApi, frozen: datetime
) -> None:
    other = ChatDriver(conversation, user_id=4343)
    await other.onboard()
    meeting_id = await _reminder_queued(conversation, citizen, other)
    with transaction(conversation.services.db) as session:
        service.cancel_meeting(session, STAFF_ID, meeting_id, NOW, channel=Channel.CHAT)
    await drain(conversation.services.db, bot_api, clock=lambda: STARTS - timedelta(days=7))
    sent = [c.text for c in bot_api.sent(method="sendMessage")]
    assert not any("Påmindelse" in text for text in sent)
    assert any("aflyst" in text for text in sent)  # the cancellation itself goes out
    assert set(_statuses(conversation).values()) == {"skipped"}
