"""Send-time checks of meeting messages (`bot.delivery.checks`): a reminder queued before its
recipient said no (or before the meeting was cancelled), or news of a seat given up meanwhile, is
not sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.checks import register_check
from bot.meetings.models import Meeting, Rsvp
from bot.meetings.rsvp import CONFIRMED, PROMOTED_KIND
from bot.meetings.service import REMINDER_KIND, reminder_applies
from bot.store.models import User


def _user_id(session: Session, chat_id: int) -> int | None:
    return session.scalar(select(User.id).where(User.telegram_id == chat_id))


def meeting_reminder_applies(
    session: Session, chat_id: int, meeting_id: int | None, now: datetime
) -> bool:
    """The rule the reminder was queued by (`reminder_applies`), on today's answer."""
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    user_id = _user_id(session, chat_id)
    if meeting is None or user_id is None:
        return False
    row = session.execute(
        select(Rsvp.answer, Rsvp.seat).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user_id)
    ).one_or_none()
    return reminder_applies(meeting, (row[0], row[1]) if row is not None else None, now)


def promotion_applies(session: Session, chat_id: int, rsvp_id: int | None, now: datetime) -> bool:
    """The seat is still theirs, and the meeting still on and ahead."""
    rsvp = session.get(Rsvp, rsvp_id) if rsvp_id is not None else None
    if rsvp is None or rsvp.seat != CONFIRMED or rsvp.user_id != _user_id(session, chat_id):
        return False
    meeting = session.get(Meeting, rsvp.meeting_id)
    return meeting is not None and meeting.status == "active" and meeting.starts_at > now


register_check(REMINDER_KIND, meeting_reminder_applies)
register_check(PROMOTED_KIND, promotion_applies)
