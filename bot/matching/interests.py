"""Interests: a citizen's "I'm interested", told to the association, withdrawable, exportable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.matching.models import Association, Interest, Opportunity, SavedSearch
from bot.matching.search import find_visible
from bot.store.models import User
from bot.zones import municipality_zone

#: Outbox row kind of the notice to the association (subject: the interest's id), checked again
#: when it is sent (`bot.matching.send_checks`).
NOTICE_KIND = "matching:interest"


def is_active(session: Session, interest_id: int | None) -> bool:
    """True while the interest exists and has not been withdrawn."""
    interest = session.get(Interest, interest_id) if interest_id is not None else None
    return interest is not None and interest.status == "active"


class Outcome(StrEnum):
    RECORDED = "recorded"  # new, or renewed after a withdrawal: the association is told
    ALREADY = "already"  # pressed again: nothing changes, nobody is told twice
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class InterestResult:
    outcome: Outcome
    interest: Interest | None = None


def citizen_scope(session: Session, user: User, searched: Iterable[str] = ()) -> set[str]:
    """Municipalities whose opportunities this citizen may act on from a button.

    Their own; those they are searching in right now (a town in another municipality is a
    deliberate choice); and those of their active saved searches (so a digest's buttons work).
    Anything else — and anything closed or expired anywhere — is "not found".
    """
    scope = {s for s in searched if isinstance(s, str)}
    if user.municipality_slug:
        scope.add(user.municipality_slug)
    for filters in session.scalars(
        select(SavedSearch.filters).where(SavedSearch.user_id == user.id, SavedSearch.active)
    ):
        if isinstance(filters, dict) and filters.get("municipality"):
            scope.add(str(filters["municipality"]))
    return scope


def express_interest(
    session: Session, user: User, opportunity_id: int, scope: Iterable[str], now: datetime
) -> InterestResult:
    opportunity = find_visible(session, opportunity_id, set(scope), now)
    if opportunity is None:
        return InterestResult(Outcome.NOT_FOUND)
    interest = session.scalars(
        select(Interest).where(
            Interest.user_id == user.id, Interest.opportunity_id == opportunity.id
        )
    ).one_or_none()
    if interest is not None and interest.status == "active":
        return InterestResult(Outcome.ALREADY, interest)
    if interest is None:
        interest = Interest(user_id=user.id, opportunity_id=opportunity.id, created_at=now)
        session.add(interest)
    interest.status = "active"
    interest.updated_at = now
    interest.opportunity = opportunity
    opportunity.interest_count += 1
    session.flush()
    return InterestResult(Outcome.RECORDED, interest)


def withdraw(session: Session, user: User, interest_id: int, now: datetime) -> Interest | None:
    """Withdraw the user's own active interest; None for anyone else's id or a spent one."""
    interest = session.scalars(
        select(Interest).where(
            Interest.id == interest_id, Interest.user_id == user.id, Interest.status == "active"
        )
    ).one_or_none()
    if interest is None:
        return None
    interest.status = "withdrawn"
    interest.updated_at = now
    interest.opportunity.interest_count = max(0, interest.opportunity.interest_count - 1)
    session.flush()
    return interest


def my_interests(session: Session, user: User) -> Sequence[Interest]:
    return session.scalars(
        select(Interest)
        .where(Interest.user_id == user.id, Interest.status == "active")
        .order_by(Interest.created_at.desc(), Interest.id.desc())
    ).all()


EXPORT_COLUMNS = (
    "interesse_id",
    "dato",
    "status",
    "opslag",
    "opslag_noegle",
    "forening",
    "kontaktperson",
    "kontakt_email",
    "borger_navn",
    "borger_telegram_id",
)


def export_interests_csv(session: Session, municipality: str) -> tuple[bytes, int]:
    """All interests in a municipality's opportunities as a CSV for Excel (`;`, UTF-8 with BOM),
    for associations that have no linked Telegram contact. Returns the file and the row count.
    `dato` is the day the interest was made on the municipality's wall clock (`bot.zones`), not
    the UTC date."""
    zone = ZoneInfo(municipality_zone(session, municipality))
    rows = session.execute(
        select(Interest, Opportunity, Association, User)
        .join(Opportunity, Interest.opportunity_id == Opportunity.id)
        .join(Association, Opportunity.association_id == Association.id)
        .join(User, Interest.user_id == User.id)
        .where(Opportunity.municipality_slug == municipality)
        .order_by(Interest.created_at, Interest.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for interest, opportunity, association, user in rows:
        writer.writerow(
            [
                interest.id,
                interest.created_at.astimezone(zone).date().isoformat(),
                interest.status,
                opportunity.title,
                opportunity.key,
                association.name,
                association.contact_name or "",
                association.contact_email or "",
                user.display_name or "",
                user.telegram_id,
            ]
        )
        count += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count
