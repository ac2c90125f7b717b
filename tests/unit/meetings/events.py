"""Helpers for the event-kind and company tests: an event of any kind, a volunteer (a citizen
with an active interest), an association whose contact linked their Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.matching.models import Association, Interest, Opportunity
from bot.meetings import service
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import User
from tests.unit.meetings.conftest import NOW, STAFF_ID


def publish_event(
    conversation: Conversation,
    *,
    kind: str,
    audience: str,
    title: str,
    capacity: int | None = None,
    slug: str = "sonderborg",
    key: str = "event-1",
    starts: datetime | None = None,
) -> int:
    """Publish an event of `kind` to `audience` as the staff member STAFF_ID (who must be staff)."""
    starts = starts or NOW + timedelta(days=30)
    with transaction(conversation.services.db) as session:
        meeting, _, _ = service.publish_meeting(
            session,
            STAFF_ID,
            service.Draft(
                key=key, municipality=slug, title=title, starts_at=starts,
                ends_at=starts + timedelta(hours=3), place="Frivillighuset",
                address="Perlegade 50, 6400 Sønderborg", agenda="", capacity=capacity,
                per_association=None, rsvp_deadline=starts - timedelta(days=7),
                audience=audience, questions_enabled=False, kind=kind,
            ),
            NOW,
            channel=Channel.CHAT,
        )  # fmt: skip
        return meeting.id


def association(
    conversation: Conversation,
    *,
    key: str = "test-forening",
    name: str = "Testforeningen",
    contact_telegram_id: int | None = None,
    slug: str = "sonderborg",
) -> int:
    """An association of `slug` (with its contact's Telegram id when given); returns its id."""
    with transaction(conversation.services.db) as session:
        row = session.scalars(select(Association).where(Association.key == key)).one_or_none()
        if row is None:
            row = Association(key=key, municipality_slug=slug, name=name)
            session.add(row)
        row.contact_telegram_id = contact_telegram_id
        session.flush()
        return row.id


def make_volunteer(conversation: Conversation, telegram_id: int) -> None:
    """Give the (onboarded) user an active interest in one of Sønderborg's opportunities."""
    association_id = association(conversation, key="volunteer-forening", name="Besøgsvennerne")
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == telegram_id)).one()
        opportunity = Opportunity(
            key=f"opp-{telegram_id}", association_id=association_id, municipality_slug="sonderborg",
            title="Besøgsven", town="Sønderborg", latitude=54.9, longitude=9.8,
        )  # fmt: skip
        session.add(opportunity)
        session.flush()
        session.add(Interest(user_id=user.id, opportunity_id=opportunity.id, status="active"))
