"""§ 18 applications and grants per applicant name, for the dashboard's Foreninger page.

Matching's associations (`bot.matching.models.Association`) carry no CVR number, so an
association is matched to applications by its name as the applicant wrote it, folded the way
`bot.grants.service.association_key` folds names (case, runs of spaces).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.grants.models import REVIEWABLE, GrantApplication
from bot.staff.access import require_staff


def fold(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class ApplicantFigures:
    applications: int
    applied: int  # øre
    granted: int  # øre


def figures_by_applicant(
    session: Session, staff_id: int, municipality: str
) -> dict[str, ApplicantFigures]:
    """Folded applicant name → sent applications (every round), øre applied for and granted.
    Raises `NotStaffError` unless `staff_id` is staff of `municipality`."""
    require_staff(session, staff_id, municipality)
    rows = session.execute(
        select(
            GrantApplication.applicant_name,
            func.count(),
            func.coalesce(func.sum(GrantApplication.amount_applied), 0),
            func.coalesce(func.sum(GrantApplication.amount_granted), 0),
        )
        .where(
            GrantApplication.municipality_slug == municipality,
            GrantApplication.status.in_([s.value for s in REVIEWABLE]),
            GrantApplication.applicant_name.is_not(None),
        )
        .group_by(GrantApplication.applicant_name)
    ).all()
    found: dict[str, ApplicantFigures] = {}
    for name, count, applied, granted in rows:
        key = fold(name or "")
        before = found.get(key, ApplicantFigures(0, 0, 0))
        found[key] = ApplicantFigures(
            before.applications + int(count),
            before.applied + int(applied or 0),
            before.granted + int(granted or 0),
        )
    return found
