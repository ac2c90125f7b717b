"""Submitted § 18 applications written straight into the database, for the dashboard's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.services import Services
from bot.grants.models import GrantApplication, Status
from bot.store.database import transaction
from bot.store.models import StaffRole, User

STAFF_ID = 7001
APPLICANT_ID = 5151
SUBMITTED = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)


def answers(name: str, cvr: str, amount_ore: int) -> dict[str, object]:
    return {
        "association_name": name,
        "cvr": cvr,
        "contact_name": "Mette Hansen",
        "email": "formand@forening.dk",
        "kind": "aktivitetstilskud",
        "purpose": "Besøg hos ensomme ældre <b>hver uge</b>.",
        "budget": [
            {"text": "Leje af bus", "amount": 450_000},
            {"text": "Kaffe og kage", "amount": amount_ore - 450_000},
        ],
        "amount_applied": amount_ore,
        "statutes": {
            "file_id": "tg-file-statutes",
            "file_name": "vedtaegter.pdf",
            "mime_type": "application/pdf",
            "size": 90_000,
        },
    }


def add_staff(services: Services, telegram_id: int = STAFF_ID, slug: str = "sonderborg") -> None:
    with transaction(services.db) as session:
        session.add(StaffRole(telegram_id=telegram_id, municipality_slug=slug))


def add_applications(
    services: Services,
    count: int,
    *,
    slug: str = "sonderborg",
    code: str = "SON",
    applicant: int | None = APPLICANT_ID,
    status: Status = Status.SUBMITTED,
    start: int = 1,
) -> list[int]:
    """`count` submitted applications of `slug` in round 2027 (the first by `applicant`, a
    Danish-speaking user who gets the notices); their ids."""
    ids = []
    with transaction(services.db) as session:
        user = None
        if applicant is not None:
            user = session.scalars(select(User).where(User.telegram_id == applicant)).first()
            if user is None:
                user = User(telegram_id=applicant, language="da", municipality_slug=slug)
                session.add(user)
                session.flush()
        for number in range(start, start + count):
            amount = 1_000_000 + number * 10_000
            cvr = f"{10000000 + number:08d}"
            app = GrantApplication(
                user_id=user.id if user is not None and number == start else None,
                municipality_slug=slug,
                round_key="2027",
                status=status.value,
                language="da",
                eligibility={},
                answers=answers(f"Forening nr. {number}", cvr, amount),
                association_key=f"cvr:{cvr}",
                applicant_name=f"Forening nr. {number}",
                reference=f"{code}-2027-{number:04d}",
                amount_applied=amount,
                messages=[],
                submitted_at=SUBMITTED + timedelta(minutes=number),
                created_at=SUBMITTED,
                updated_at=SUBMITTED,
            )
            session.add(app)
            session.flush()
            ids.append(app.id)
    return ids
