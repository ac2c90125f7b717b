"""Who a meeting or notice goes to: each audience is a small object behind one interface.

Everyone respects 403s (users who blocked the bot are never chosen). Association chairs are the
people who sent a § 18 application on behalf of an association in the municipality (grants) and
the contacts of matching's associations who linked their Telegram id; volunteers with an
interest from matching's interests in the municipality's opportunities, companies from
`bot.companies`; they need tables another part of the bot owns, so they are read only when that
module is importable.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import User


@dataclass(frozen=True)
class Recipient:
    user_id: int
    telegram_id: int
    language: str


class Audience(Protocol):
    key: str
    label_key: str  # catalog key of its button label, e.g. "meetings.audience.citizens"
    #: Catalog key of its name without the count, for running text (issue 16: the label's
    #: »(42)« printed the count twice in »Den sendes til 42 modtagere: …(42)«).
    name_key: str

    def recipients(self, session: Session, municipality: str) -> list[Recipient]: ...


def _matching() -> ModuleType | None:
    try:
        return importlib.import_module("bot.matching.models")
    except ImportError:  # matching not installed in this deployment
        return None


def _rows(session: Session, query: object) -> list[Recipient]:
    rows = session.execute(query).all()  # type: ignore[call-overload]
    seen: dict[int, Recipient] = {}
    for user_id, telegram_id, language in rows:
        seen.setdefault(user_id, Recipient(user_id, telegram_id, language or "da"))
    return sorted(seen.values(), key=lambda r: r.user_id)


_USER = (User.id, User.telegram_id, User.language)


class Citizens:
    """Everyone in the municipality who said yes to notices."""

    key = "citizens"
    label_key = "meetings.audience.citizens"
    name_key = "meetings.audience_name.citizens"

    def recipients(self, session: Session, municipality: str) -> list[Recipient]:
        return _rows(
            session,
            select(*_USER).where(
                User.municipality_slug == municipality,
                User.consent_notices.is_(True),
                User.blocked_bot.is_(False),
            ),
        )


def _grants() -> ModuleType | None:
    try:
        return importlib.import_module("bot.grants.models")
    except ImportError:  # grants not installed in this deployment
        return None


class Chairs:
    """»Foreningernes formænd og kontaktpersoner«: whoever sent a § 18 application on behalf of
    an association in the municipality (any status but draft: a draft is not yet »on behalf of«
    anyone), and the contact persons of the municipality's associations who linked their
    Telegram. One recipient per person, however many applications or associations."""

    key = "chairs"
    label_key = "meetings.audience.chairs"
    name_key = "meetings.audience_name.chairs"

    def recipients(self, session: Session, municipality: str) -> list[Recipient]:
        found: dict[int, Recipient] = {}
        association = getattr(_matching(), "Association", None)
        if association is not None:
            for recipient in _rows(
                session,
                select(*_USER)
                .join(association, association.contact_telegram_id == User.telegram_id)
                .where(
                    association.municipality_slug == municipality,
                    User.blocked_bot.is_(False),
                ),
            ):
                found.setdefault(recipient.user_id, recipient)
        application = getattr(_grants(), "GrantApplication", None)
        if application is not None:
            for recipient in _rows(
                session,
                select(*_USER)
                .join(application, application.user_id == User.id)
                .where(
                    application.municipality_slug == municipality,
                    application.status != "draft",
                    User.blocked_bot.is_(False),
                ),
            ):
                found.setdefault(recipient.user_id, recipient)
        return sorted(found.values(), key=lambda r: r.user_id)


class Volunteers:
    """Citizens with an active interest in one of the municipality's opportunities who said yes
    to notices."""

    key = "volunteers"
    label_key = "meetings.audience.volunteers"
    name_key = "meetings.audience_name.volunteers"

    def recipients(self, session: Session, municipality: str) -> list[Recipient]:
        models = _matching()
        interest = getattr(models, "Interest", None)
        opportunity = getattr(models, "Opportunity", None)
        if interest is None or opportunity is None:
            return []
        return _rows(
            session,
            select(*_USER)
            .join(interest, interest.user_id == User.id)
            .join(opportunity, opportunity.id == interest.opportunity_id)
            .where(
                opportunity.municipality_slug == municipality,
                interest.status == "active",
                User.consent_notices.is_(True),
                User.blocked_bot.is_(False),
            ),
        )


def _companies() -> ModuleType | None:
    try:
        return importlib.import_module("bot.companies.models")
    except ImportError:  # companies not installed in this deployment
        return None


class Companies:
    """The contacts of the companies registered in the municipality (»virksomheder«): whoever
    registers a company in chat is invited to its coordination meetings."""

    key = "companies"
    label_key = "meetings.audience.companies"
    name_key = "meetings.audience_name.companies"

    def recipients(self, session: Session, municipality: str) -> list[Recipient]:
        company = getattr(_companies(), "Company", None)
        if company is None:
            return []
        return _rows(
            session,
            select(*_USER)
            .join(company, company.user_id == User.id)
            .where(company.municipality_slug == municipality, User.blocked_bot.is_(False)),
        )


AUDIENCES: dict[str, Audience] = {
    a.key: a for a in (Citizens(), Chairs(), Volunteers(), Companies())
}
