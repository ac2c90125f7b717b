"""Answers to an invitation: capacity, the waitlist that moves up by itself, the limit per
association, the deadline, and a question for the politicians.

Who may answer: someone the meeting was sent to, who opened its link, or who lives in its
municipality. Anyone else (a forged payload with another meeting's id) gets `NotFound` and
nothing changes. The user is always the one the update came from: payloads carry no user ids.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.directory import fold
from bot.i18n import t
from bot.meetings.kinds import worded
from bot.meetings.models import Invitation, Meeting, Rsvp
from bot.meetings.render import ics, ics_name
from bot.meetings.service import view_of
from bot.store.models import OutboxMessage, User
from bot.validation.errors import InvalidInput

YES, NO, MAYBE = "yes", "no", "maybe"
CONFIRMED, WAITLIST = "confirmed", "waitlist"
#: Outbox row kind of "a seat became free for you" (subject: the RSVP's id), checked again when
#: it is sent (`bot.meetings.send_checks`): nobody hears of a seat they gave up meanwhile.
PROMOTED_KIND = "meetings:promoted"
#: Audiences whose events are listed and open only to those invited: a coordination meeting with
#: the companies is not on every citizen's list (its link still opens it, as an invitation).
INVITED_ONLY = ("companies",)


class NotFound(LookupError):
    """No such meeting for this user (or it is not open to them): shown as "not found"."""


@dataclass
class Result:
    rsvp: Rsvp
    #: People moved from the waitlist to a seat by this answer (they are told via the outbox).
    promoted: list[int] = field(default_factory=list)
    #: False when the answer was already recorded exactly so (a second press of the same
    #: button): nothing was written, and the user is told so instead of confirmed again.
    changed: bool = True


def visible_meeting(
    session: Session, meeting_id: int, user: User, *, lock: bool = False
) -> Meeting:
    """The meeting if this user may see and answer it, else `NotFound`: an event of their
    municipality (one for `INVITED_ONLY` audiences only if they were invited), or one they were
    invited to."""
    query = select(Meeting).where(Meeting.id == meeting_id)
    if lock:  # serialises answers to one meeting, so two people never take the last seat
        query = query.with_for_update()
    meeting = session.scalars(query).one_or_none()
    if meeting is None or meeting.status != "active":
        raise NotFound(meeting_id)
    if meeting.municipality_slug == user.municipality_slug and meeting.audience not in INVITED_ONLY:
        return meeting
    invited = session.scalars(
        select(Invitation.id).where(
            Invitation.meeting_id == meeting.id, Invitation.user_id == user.id
        )
    ).first()
    if invited is None:
        raise NotFound(meeting_id)
    return meeting


def open_link(session: Session, meeting_id: int, user: User, now: datetime) -> Meeting:
    """A deep link is an invitation: whoever has it may see and answer the meeting."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != "active":
        raise NotFound(meeting_id)
    exists = session.scalars(
        select(Invitation.id).where(
            Invitation.meeting_id == meeting.id, Invitation.user_id == user.id
        )
    ).first()
    if exists is None:
        session.add(
            Invitation(meeting_id=meeting.id, user_id=user.id, source="link", created_at=now)
        )
        session.flush()
    return meeting


def current(session: Session, meeting_id: int, user_id: int) -> Rsvp | None:
    return session.scalars(
        select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.user_id == user_id)
    ).one_or_none()


def _check_open(meeting: Meeting, now: datetime) -> None:
    if now >= meeting.starts_at:
        raise InvalidInput(worded("meetings.rsvp.already_started", meeting.kind))
    if now > meeting.rsvp_deadline:
        raise InvalidInput("meetings.rsvp.deadline_passed")


def needs_association(meeting: Meeting, rsvp: Rsvp | None) -> bool:
    """A yes to a meeting with a limit per association needs to know the association (once)."""
    return meeting.per_association is not None and (rsvp is None or rsvp.association_key is None)


def answer(
    session: Session,
    meeting_id: int,
    user: User,
    choice: str,
    now: datetime,
    *,
    association: str | None = None,
) -> Result:
    """Record `choice` (yes | no | maybe). `association` is "" for "not from an association".

    Raises `NotFound`, or `InvalidInput` (deadline passed, association full, association missing);
    everything is checked before anything is written, so a refusal changes nothing.
    """
    meeting = visible_meeting(session, meeting_id, user, lock=True)
    _check_open(meeting, now)
    rsvp = current(session, meeting.id, user.id)
    name = rsvp.association if rsvp else None
    key = rsvp.association_key if rsvp else None
    if association is not None:
        name = association.strip()[:200] or None
        # "" is a real answer (not from an association): a key that never counts against a limit.
        key = fold(association)[:200] if association.strip() else "-"
    seat = rsvp.seat if rsvp else None
    if (
        rsvp is not None
        and rsvp.answer == choice
        and (rsvp.seat is not None or choice != YES)
        and (association is None or (name, key) == (rsvp.association, rsvp.association_key))
    ):
        return Result(rsvp, changed=False)
    if choice == YES:
        if meeting.per_association is not None and key is None:
            raise InvalidInput("meetings.rsvp.association_needed")
        if rsvp is None or rsvp.answer != YES or rsvp.seat is None:
            _check_association(session, meeting, key, name, rsvp.id if rsvp else None)
            seat = CONFIRMED if _has_room(session, meeting) else WAITLIST
    else:
        seat = None
    had_seat = rsvp is not None and rsvp.seat == CONFIRMED
    if rsvp is None:
        rsvp = Rsvp(meeting_id=meeting.id, user_id=user.id, answer=choice, answered_at=now)
        session.add(rsvp)
    if seat != rsvp.seat:
        rsvp.seat_at = now if seat else None
    rsvp.seat = seat
    rsvp.association, rsvp.association_key = name, key
    rsvp.answer = choice
    rsvp.answered_at = now
    session.flush()
    promoted = promote(session, meeting, now) if had_seat and seat != CONFIRMED else []
    return Result(rsvp, promoted)


def leave(session: Session, rsvp: Rsvp, now: datetime) -> list[int]:
    """Drop `rsvp` (the answer, its seat or waitlist place, its question) as a "no" would release
    it: a confirmed seat of a meeting still ahead goes to the waitlist, whose promoted people are
    told (`promote`). Used when the person's data is erased, which no RSVP deadline stops.
    Returns the user ids moved up. Never commits.
    """
    meeting = session.scalars(
        select(Meeting).where(Meeting.id == rsvp.meeting_id).with_for_update()
    ).one_or_none()
    had_seat = rsvp.seat == CONFIRMED
    session.delete(rsvp)
    session.flush()
    if meeting is None or not had_seat or meeting.status != "active" or meeting.starts_at <= now:
        return []
    return promote(session, meeting, now)


def _check_association(
    session: Session, meeting: Meeting, key: str | None, name: str | None, own_id: int | None
) -> None:
    limit = meeting.per_association
    if limit is None or key in (None, "-"):
        return
    query = select(func.count(Rsvp.id)).where(
        Rsvp.meeting_id == meeting.id, Rsvp.association_key == key, Rsvp.seat.is_not(None)
    )
    if own_id is not None:
        query = query.where(Rsvp.id != own_id)
    if (session.scalar(query) or 0) >= limit:
        raise InvalidInput(
            "meetings.rsvp.association_full",
            association=html.escape(name or "", quote=False),
            limit=limit,
        )


def _has_room(session: Session, meeting: Meeting) -> bool:
    if meeting.capacity is None:
        return True
    taken = session.scalar(
        select(func.count(Rsvp.id)).where(Rsvp.meeting_id == meeting.id, Rsvp.seat == CONFIRMED)
    )
    return (taken or 0) < meeting.capacity


def waitlist_position(session: Session, rsvp: Rsvp) -> int:
    """1 for the first in line: the waitlist is served by `seat_at`, then by id (see `promote`)."""
    ahead = session.scalar(
        select(func.count(Rsvp.id)).where(
            Rsvp.meeting_id == rsvp.meeting_id,
            Rsvp.seat == WAITLIST,
            (Rsvp.seat_at < rsvp.seat_at) | ((Rsvp.seat_at == rsvp.seat_at) & (Rsvp.id < rsvp.id)),
        )
    )
    return (ahead or 0) + 1


def promote(session: Session, meeting: Meeting, now: datetime) -> list[int]:
    """Give free seats to the waitlist in order; each person moved up is told in their chat,
    with the meeting's calendar file, as a direct sign-up gets it."""
    if meeting.capacity is None:
        return []
    taken = (
        session.scalar(
            select(func.count(Rsvp.id)).where(Rsvp.meeting_id == meeting.id, Rsvp.seat == CONFIRMED)
        )
        or 0
    )
    free = meeting.capacity - taken
    if free <= 0:
        return []
    waiting = session.scalars(
        select(Rsvp)
        .where(Rsvp.meeting_id == meeting.id, Rsvp.seat == WAITLIST)
        .order_by(Rsvp.seat_at, Rsvp.id)
        .limit(free)
    ).all()
    moved: list[int] = []
    calendar: tuple[str, bytes] | None = None
    for rsvp in waiting:
        rsvp.seat = CONFIRMED
        rsvp.seat_at = now
        user = session.get(User, rsvp.user_id)
        if user is None:
            continue
        moved.append(user.id)
        if user.blocked_bot:
            continue
        language = user.language or "da"
        if calendar is None:
            view = view_of(session, meeting)
            calendar = (ics_name(view), ics(view, sequence=meeting.version - 1))
        session.add(
            OutboxMessage(
                chat_id=user.telegram_id,
                text=t(
                    language,
                    worded("meetings.rsvp.promoted", meeting.kind),
                    title=html.escape(meeting.title, quote=False),
                ),
                buttons=[
                    [
                        {
                            "label": t(language, "meetings.rsvp.no"),
                            "payload": f"g:meetings:rsvp:{meeting.id}:n",
                        },
                        {
                            "label": t(language, "meetings.button.calendar"),
                            "payload": f"g:meetings:ics:{meeting.id}",
                        },
                    ]
                ],
                document_name=calendar[0],
                document_body=calendar[1],
                dedupe_key=f"m{meeting.id}:promoted:{rsvp.id}:{now:%Y%m%d%H%M%S%f}",
                kind=PROMOTED_KIND,
                subject_id=rsvp.id,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return moved


def set_question(session: Session, meeting_id: int, user: User, text: str, now: datetime) -> Rsvp:
    """Keep the user's question for the politicians (one per person; a new one replaces it)."""
    meeting = visible_meeting(session, meeting_id, user)
    if not meeting.questions_enabled:
        raise InvalidInput("meetings.question.off")
    _check_open(meeting, now)
    rsvp = current(session, meeting.id, user.id)
    if rsvp is None:
        raise InvalidInput("meetings.question.answer_first")
    rsvp.question = text.strip()[:1000]
    session.flush()
    return rsvp


def my_answers(session: Session, user: User, meeting_ids: list[int]) -> dict[int, Rsvp]:
    if not meeting_ids:
        return {}
    rows = session.scalars(
        select(Rsvp).where(Rsvp.user_id == user.id, Rsvp.meeting_id.in_(meeting_ids))
    )
    return {r.meeting_id: r for r in rows}


def upcoming_for(session: Session, user: User, now: datetime) -> list[Meeting]:
    """Events the user can answer: their municipality's that are open to them (every audience
    but `INVITED_ONLY`), plus those they were invited to, soonest first."""
    invited = select(Invitation.meeting_id).where(Invitation.user_id == user.id)
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.status == "active",
                Meeting.ends_at > now,
                (
                    (Meeting.municipality_slug == user.municipality_slug)
                    & Meeting.audience.not_in(INVITED_ONLY)
                )
                | Meeting.id.in_(invited),
            )
            .order_by(Meeting.starts_at)
            .limit(10)
        )
    )
