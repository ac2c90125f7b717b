"""Helpers for the meetings tests: staff roles, citizens, a published meeting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.core.conversation import Conversation
from bot.meetings import service
from bot.meetings.models import Meeting
from bot.staff.audit import Channel
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import StaffRole, User
from tests.fakes.chat import ChatDriver
from tests.fakes.clock import FakeClock

STAFF_ID = 7001
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=utcnow().tzinfo)


def make_staff(
    conversation: Conversation, telegram_id: int = STAFF_ID, slug: str = "sonderborg"
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=telegram_id, municipality_slug=slug))


def add_citizens(
    conversation: Conversation, ids: range, slug: str = "sonderborg", *, consent: bool = True
) -> None:
    with transaction(conversation.services.db) as session:
        for telegram_id in ids:
            session.add(
                User(telegram_id=telegram_id, language="da", municipality_slug=slug,
                     consent_notices=consent, onboarded=True)
            )  # fmt: skip


def publish(
    conversation: Conversation,
    *,
    slug: str = "sonderborg",
    capacity: int | None = None,
    per_association: int | None = None,
    questions: bool = True,
    key: str = "draft-1",
    starts: datetime | None = None,
) -> int:
    starts = starts or NOW + timedelta(days=30)
    with transaction(conversation.services.db) as session:
        meeting, _, _ = service.publish_meeting(
            session,
            STAFF_ID,
            service.Draft(
                key=key, municipality=slug, title="Dialogmøde om frivillighed 2027",
                starts_at=starts, ends_at=starts + timedelta(hours=3), place="Frivillighuset",
                address="Perlegade 50, 6400 Sønderborg", agenda="17.00 Velkomst",
                capacity=capacity, per_association=per_association,
                rsvp_deadline=starts - timedelta(days=7), audience="citizens",
                questions_enabled=questions,
            ),
            NOW,
            channel=Channel.CHAT,
        )  # fmt: skip
        return meeting.id


@pytest.fixture
def frozen(clock: FakeClock, no_flood_limit: None) -> datetime:
    """The clock stands still at NOW (10 January 2027, noon UTC); no flood limit, as a wizard
    typed by a test is faster than any person."""
    return clock.set(NOW)


@pytest.fixture
async def citizen(conversation: Conversation, frozen: datetime) -> ChatDriver:
    chat = ChatDriver(conversation, user_id=4242)
    await chat.onboard()
    return chat


def meeting_row(conversation: Conversation, meeting_id: int) -> Meeting:
    with conversation.services.db.unit_of_work() as uow:
        meeting = uow.session.get(Meeting, meeting_id)
        assert meeting is not None
        uow.session.expunge(meeting)
        return meeting
