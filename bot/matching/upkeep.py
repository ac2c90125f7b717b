"""Staff upkeep of opportunities: list, create, edit, close, import a CSV, export interests.

Every function takes the staff member's Telegram id and the municipality and checks the role
itself (`require_staff`), and every id is looked up inside that municipality: a forged button for
another municipality changes nothing and shows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.matching.catalog import ImportReport, import_csv
from bot.matching.interests import export_interests_csv
from bot.matching.models import Association, Opportunity
from bot.matching.records import MAX_TITLE
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY, mask
from bot.staff.access import require_staff
from bot.validation.errors import InvalidInput

LIST_PAGE = 8
MAX_DESCRIPTION = 3000
EDITABLE = ("title", "description", "spots")


@dataclass(frozen=True)
class Draft:
    title: str
    association_id: int
    town: str
    area: str
    availability: tuple[str, ...]
    activity: str | None
    description: str
    spots: int | None


def counts(session: Session, telegram_id: int, municipality: str) -> dict[str, int]:
    require_staff(session, telegram_id, municipality)
    rows = session.execute(
        select(Opportunity.status, func.count())
        .where(Opportunity.municipality_slug == municipality)
        .group_by(Opportunity.status)
    )
    return {str(status): int(count) for status, count in rows}


def listing(
    session: Session, telegram_id: int, municipality: str, page: int, page_size: int = LIST_PAGE
) -> tuple[Sequence[Opportunity], int]:
    """A page of the municipality's opportunities (open first, newest first), and the pages
    (`page_size` a page: the chat's short list, or the dashboard's table)."""
    require_staff(session, telegram_id, municipality)
    where = Opportunity.municipality_slug == municipality
    total = session.scalar(select(func.count()).select_from(Opportunity).where(where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows = session.scalars(
        select(Opportunity)
        .where(where)
        .order_by(Opportunity.status.desc(), Opportunity.created_at.desc(), Opportunity.id.desc())
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    return rows, pages


def get(
    session: Session, telegram_id: int, municipality: str, opportunity_id: int
) -> Opportunity | None:
    require_staff(session, telegram_id, municipality)
    return session.scalars(
        select(Opportunity).where(
            Opportunity.id == opportunity_id, Opportunity.municipality_slug == municipality
        )
    ).one_or_none()


def associations(session: Session, telegram_id: int, municipality: str) -> Sequence[Association]:
    require_staff(session, telegram_id, municipality)
    return session.scalars(
        select(Association)
        .where(Association.municipality_slug == municipality)
        .order_by(Association.name)
    ).all()


def set_status(
    session: Session,
    telegram_id: int,
    municipality: str,
    opportunity_id: int,
    status: str,
    now: datetime,
) -> Opportunity | None:
    opportunity = get(session, telegram_id, municipality, opportunity_id)
    if opportunity is None or status not in ("open", "closed"):
        return None
    opportunity.status = status
    opportunity.updated_at = now
    return opportunity


def parse_spots(text: str) -> int | None:
    value = text.strip()
    if not value or value == "-":
        return None
    if not value.isdigit() or int(value) > 10_000:
        raise InvalidInput("matching.staff.bad_spots")
    return int(value)


def clean_title(text: str) -> str:
    title = " ".join(text.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput("matching.staff.bad_title")
    return title


def clean_description(text: str) -> str:
    description = text.strip()
    if len(description) < 20 or len(description) > MAX_DESCRIPTION:
        raise InvalidInput("matching.staff.bad_description")
    return description


def edit(
    session: Session,
    telegram_id: int,
    municipality: str,
    opportunity_id: int,
    field: str,
    text: str,
    now: datetime,
) -> Opportunity | None:
    """Change one field from typed text; raises `InvalidInput` (its key says why) when the text
    is refused."""
    opportunity = get(session, telegram_id, municipality, opportunity_id)
    if opportunity is None or field not in EDITABLE:
        return None
    if field == "title":
        opportunity.title = clean_title(text)
    elif field == "description":
        opportunity.description = clean_description(text)
    else:
        opportunity.spots = parse_spots(text)
    opportunity.updated_at = now
    return opportunity


def create(
    session: Session,
    telegram_id: int,
    municipality: str,
    draft: Draft,
    directory: Directory,
    now: datetime,
) -> Opportunity | None:
    """A new open opportunity from the chat wizard; None if the draft points outside the
    municipality (a forged association or town)."""
    require_staff(session, telegram_id, municipality)
    association = session.get(Association, draft.association_id)
    town = directory.town(draft.town)
    if association is None or association.municipality_slug != municipality:
        return None
    if town is None or town.municipality != municipality or draft.area not in AREAS:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", draft.title.lower()).strip("-")[:60] or "opslag"
    opportunity = Opportunity(
        key=f"staff-{municipality}-{int(now.timestamp())}-{slug}",
        association_id=association.id,
        municipality_slug=municipality,
        title=clean_title(draft.title),
        description=clean_description(draft.description),
        town=town.name,
        latitude=town.latitude,
        longitude=town.longitude,
        area_mask=mask([draft.area], AREAS),
        activity_mask=mask([draft.activity] if draft.activity else [], ACTIVITIES),
        availability_mask=mask([*draft.availability, "regular"], AVAILABILITY),
        spots=draft.spots,
        status="open",
        interest_count=0,
        child_certificate=False,
        created_at=now,
        updated_at=now,
    )
    session.add(opportunity)
    session.flush()
    return opportunity


def export(session: Session, telegram_id: int, municipality: str) -> tuple[bytes, int]:
    require_staff(session, telegram_id, municipality)
    return export_interests_csv(session, municipality)


def import_file(
    session: Session,
    telegram_id: int,
    municipality: str,
    directory: Directory,
    content: bytes,
    now: datetime,
) -> ImportReport:
    """A CSV a staff member sent in chat, imported like `frivillig import opportunities FILE.csv
    --municipality <slug>`: only that municipality's associations and opportunities are written."""
    require_staff(session, telegram_id, municipality)
    return import_csv(session, directory, content, now, municipality=municipality)
