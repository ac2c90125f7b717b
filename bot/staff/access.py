"""Authorization for staff actions, checked inside the services (not only in the flows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import StaffRole


class NotStaffError(PermissionError):
    """The user is not staff of that municipality: the action must change and show nothing."""


def staff_municipalities(session: Session, telegram_id: int) -> list[str]:
    """The municipalities this Telegram user works for, in a stable order."""
    rows = session.scalars(
        select(StaffRole.municipality_slug)
        .where(StaffRole.telegram_id == telegram_id)
        .order_by(StaffRole.municipality_slug)
    )
    return list(rows)


def is_staff(session: Session, telegram_id: int, municipality: str) -> bool:
    return (
        session.scalars(
            select(StaffRole.id).where(
                StaffRole.telegram_id == telegram_id, StaffRole.municipality_slug == municipality
            )
        ).first()
        is not None
    )


def require_staff(session: Session, telegram_id: int, municipality: str) -> None:
    if not is_staff(session, telegram_id, municipality):
        raise NotStaffError(f"{telegram_id} is not staff of {municipality}")
