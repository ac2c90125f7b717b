"""Saved searches and the daily digest of new matches ("tell me about new ones")."""

from __future__ import annotations

import html
import logging
from collections.abc import Collection
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot.directory import DEFAULT_ZONE
from bot.i18n import t, tn
from bot.matching.filters import from_filters, to_filters
from bot.matching.models import Opportunity, SavedSearch
from bot.matching.scoring import Query
from bot.matching.search import new_since
from bot.store.models import OutboxMessage, User

log = logging.getLogger(__name__)

DIGEST_SIZE = 5
#: Outbox row kind of a digest (subject: the saved search's id), checked again when it is sent
#: (`bot.matching.send_checks`).
DIGEST_KIND = "matching:digest"


def digest_applies(search: SavedSearch | None, user: User | None) -> bool:
    """A digest goes to a saved search that is still active, of a user who still consents to our
    messages and has not blocked the bot."""
    return (
        search is not None
        and user is not None
        and search.active
        and search.user_id == user.id
        and user.consent_notices is True
        and not user.blocked_bot
    )


def save_search(
    session: Session, user: User, query: Query, now: datetime
) -> tuple[SavedSearch, bool]:
    """Save `query` for alerts; the same search twice is one saved search (True when new).

    Saving a search the user has paused resumes it (and counts as new: they get messages again).
    """
    filters = to_filters(query)
    for existing in session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)
    ):
        if existing.filters == filters:
            if existing.active:
                return existing, False
            existing.active = True
            return existing, True
    search = SavedSearch(user_id=user.id, filters=filters, created_at=now, active=True)
    session.add(search)
    session.flush()
    return search, True


def unsubscribe(session: Session, user: User, search_id: int) -> bool:
    """Stop the user's own saved search; False for anyone else's id or one already stopped."""
    search = session.scalars(
        select(SavedSearch).where(
            SavedSearch.id == search_id, SavedSearch.user_id == user.id, SavedSearch.active
        )
    ).one_or_none()
    if search is None:
        return False
    search.active = False
    return True


#: At most this many saved searches are listed under »Mine søgeagenter« (newest first).
LIST_LIMIT = 10


def my_searches(session: Session, user: User) -> list[SavedSearch]:
    """The user's saved searches, active and paused, newest first (at most LIST_LIMIT)."""
    return list(
        session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def own_search(session: Session, user: User, search_id: int) -> SavedSearch | None:
    """The user's own saved search `search_id`, or None (anyone else's id is simply not found)."""
    return session.scalars(
        select(SavedSearch).where(SavedSearch.id == search_id, SavedSearch.user_id == user.id)
    ).one_or_none()


def set_active(session: Session, user: User, search_id: int, active: bool) -> SavedSearch | None:
    """Pause (`active=False`) or resume one of the user's saved searches; None if not theirs.

    A paused search gets no digest (`digest_applies`); on resume the next digest has what was
    created since the last one it got (at most DIGEST_SIZE shown), so nothing new is missed."""
    search = own_search(session, user, search_id)
    if search is not None:
        search.active = active
    return search


def delete_search(session: Session, user: User, search_id: int) -> bool:
    """Delete one of the user's saved searches for good; False if it is not theirs or gone."""
    search = own_search(session, user, search_id)
    if search is None:
        return False
    session.delete(search)
    session.flush()
    return True


def dedupe_key(search: SavedSearch, day: date) -> str:
    """The outbox key of `search`'s digest on `day` (a calendar day where its user lives)."""
    return f"alert:{search.id}:{day.isoformat()}"


def users_in(
    municipalities: Collection[str] | None, without_municipality: bool
) -> list[ColumnElement[bool]]:
    """A filter on `User` for the users of `municipalities` (everyone when None)."""
    if municipalities is None:
        return []
    mine = User.municipality_slug.in_(list(municipalities))
    return [or_(mine, User.municipality_slug.is_(None)) if without_municipality else mine]


def queue_digests(
    session: Session,
    now: datetime,
    *,
    municipalities: Collection[str] | None = None,
    without_municipality: bool = True,
    zone: str = DEFAULT_ZONE,
) -> int:
    """Queue at most one digest per active saved search per day, with the opportunities
    created since the last digest; returns how many were queued. Given `municipalities`, only
    their users (and users without a municipality when `without_municipality`) are served: the
    daily job runs once per time zone, and `zone` (IANA) is theirs — "a day" is a calendar day on
    their wall clock, so a job that runs late (after midnight UTC, or caught up after a restart)
    still sends one digest per local day. `now` is UTC.

    Only users who consented to messages from us and have not blocked the bot are written to. The
    outbox's unique `dedupe_key` makes a second run on the same day a no-op even if
    `last_sent_at` was lost.
    """
    queued = 0
    searches = session.execute(
        select(SavedSearch, User)
        .join(User, SavedSearch.user_id == User.id)
        .where(
            SavedSearch.active,
            User.consent_notices.is_(True),
            User.blocked_bot.is_(False),
            *users_in(municipalities, without_municipality),
        )
        .order_by(SavedSearch.id)
    )
    local = ZoneInfo(zone)
    today = now.astimezone(local).date()
    for search, user in searches:
        last = search.last_sent_at
        if last is not None and last.astimezone(local).date() >= today:
            continue
        key = dedupe_key(search, today)
        if session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
            continue
        query = from_filters(search.filters, user.municipality_slug or "")
        since = search.last_sent_at or search.created_at
        fresh = list(new_since(session, query, since, now))
        if not fresh:
            continue
        rows = {
            o.id: o
            for o in session.scalars(
                select(Opportunity).where(
                    Opportunity.id.in_([s.candidate.id for s in fresh[:DIGEST_SIZE]])
                )
            )
        }
        shown = [rows[s.candidate.id] for s in fresh[:DIGEST_SIZE] if s.candidate.id in rows]
        language = user.language or "da"
        lines = [
            t(
                language,
                "matching.alert.line",
                number=number,
                title=html.escape(o.title),
                association=html.escape(o.association.name),
                town=html.escape(o.town),
            )
            for number, o in enumerate(shown, start=1)
        ]
        text = tn(
            language, "matching.alert.digest", len(fresh), count=len(fresh), lines="\n".join(lines)
        )
        buttons = [
            [
                {
                    "label": t(language, "matching.button.more_number", number=number),
                    "payload": f"g:volunteer:more:{o.id}",
                }
                for number, o in enumerate(shown, start=1)
            ],
            [
                {
                    "label": t(language, "matching.button.unsubscribe"),
                    "payload": f"g:volunteer:unsub:{search.id}",
                },
                {
                    "label": t(language, "matching.button.agents"),
                    "payload": "g:volunteer:alerts",
                },
            ],
        ]
        session.add(
            OutboxMessage(
                chat_id=user.telegram_id,
                text=text,
                buttons=buttons,
                dedupe_key=key,
                created_at=now,
                kind=DIGEST_KIND,
                subject_id=search.id,
            )
        )
        search.last_sent_at = now
        queued += 1
    session.flush()
    log.info("matching.alerts.queued", extra={"queued": queued})
    return queued
