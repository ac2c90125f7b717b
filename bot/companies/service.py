"""Companies: registering in chat, changing and withdrawing, what staff see, and telling an
association about a company's offer (issue 18 §4; Sermersooq's policy names private companies
with a CSR strategy as one of its three target groups).

The person who registers is the company's contact in chat: coordination meetings reach them
through the »virksomheder« audience (`bot.meetings.audiences.Companies`). Staff functions check
that the caller is staff of the company's municipality (`NotStaffError`); ids come from buttons.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.companies.models import Company, CompanyReferral
from bot.i18n import t
from bot.staff.access import NotStaffError, require_staff
from bot.store.models import OutboxMessage, User
from bot.validation.contact import parse_email, parse_phone
from bot.validation.cvr import parse_cvr
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_text

#: What a company can offer, in the order the buttons show them (catalog `companies.offer.<key>`).
OFFERS = (
    "volunteer_days",  # employee volunteering days
    "skills_it",
    "skills_accounting",
    "lecturers",  # lecturers for courses for volunteers
    "goods",
    "sponsorship",
)
#: The registration's fields in the order they are asked.
FIELDS = ("name", "register_number", "contact_name", "contact", "offers", "share_contact")
#: Outbox row kind of a referral to an association (subject: the referral's id), checked again
#: when sent (`bot.companies.send_checks`): a company that withdrew meanwhile is not passed on.
REFERRAL_KIND = "companies:referral"


def parse_register_number(text: str) -> str:
    """The company's register number as digits: the CVR number (modulus 11), in Greenland too —
    its GER numbers became CVR numbers in 2018, and »GER-nr. …« is read as one
    (`bot.validation.cvr`). The one call to that module, so a new rule there applies here
    unchanged. Raises `InvalidInput` (``grants.error.cvr_*``)."""
    return parse_cvr(text)


def parse_contact(text: str) -> str:
    """An e-mail address, or a Danish/Greenlandic phone number in E.164 form.

    Raises `InvalidInput` (``companies.error.contact``) when it is neither."""
    for parse in (parse_email, parse_phone):
        try:
            return parse(text)
        except InvalidInput:
            continue
    raise InvalidInput("companies.error.contact")


def parse_field(field: str, text: str) -> str:
    """A typed answer to `field` (one of the text fields of `FIELDS`), or `InvalidInput`."""
    if field == "register_number":
        return parse_register_number(text)
    if field == "contact":
        return parse_contact(text)
    return parse_text(text, max_length=200)


def registration(session: Session, user: User) -> Company | None:
    """The company this person registered, if any."""
    return session.scalars(select(Company).where(Company.user_id == user.id)).one_or_none()


def as_draft(company: Company) -> dict[str, Any]:
    """A registration as the flow's draft (to change one field and save again)."""
    return {
        "name": company.name,
        "register_number": company.register_number,
        "contact_name": company.contact_name,
        "contact": company.contact,
        "offers": list(company.offers),
        "share_contact": company.share_contact,
    }


def save(session: Session, user: User, draft: dict[str, Any], now: datetime) -> Company:
    """Create or update the person's company from a complete `draft` (every key of `FIELDS`),
    in their municipality. Raises `InvalidInput` (``companies.error.no_offer``) without an offer."""
    offers = [o for o in OFFERS if o in (draft.get("offers") or [])]
    if not offers:
        raise InvalidInput("companies.error.no_offer")
    company = registration(session, user)
    if company is None:
        company = Company(user_id=user.id, created_at=now)
        session.add(company)
    company.municipality_slug = user.municipality_slug or ""
    company.name = str(draft["name"])
    company.register_number = str(draft["register_number"])
    company.contact_name = str(draft["contact_name"])
    company.contact = str(draft["contact"])
    company.offers = offers
    company.share_contact = bool(draft["share_contact"])
    company.updated_at = now
    session.flush()
    return company


def withdraw(session: Session, user: User) -> bool:
    """Delete the person's registration (and what staff passed on of it); False if none."""
    company = registration(session, user)
    if company is None:
        return False
    session.execute(delete(CompanyReferral).where(CompanyReferral.company_id == company.id))
    session.delete(company)
    session.flush()
    return True


# --- staff ---------------------------------------------------------------------------------------
def companies_of(session: Session, staff_id: int, municipality: str) -> list[Company]:
    """The municipality's companies by name; `NotStaffError` unless staff of it."""
    require_staff(session, staff_id, municipality)
    query = select(Company).where(Company.municipality_slug == municipality)
    return list(session.scalars(query.order_by(Company.name, Company.id)))


def staff_company(session: Session, staff_id: int, company_id: int) -> Company:
    """The company if `staff_id` is staff of its municipality; `NotStaffError` for anything else
    (a missing id looks the same as someone else's)."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotStaffError(f"no company {company_id}")
    require_staff(session, staff_id, company.municipality_slug)
    return company


@dataclass(frozen=True)
class AssociationContact:
    id: int
    key: str
    name: str
    telegram_id: int


def associations(session: Session, municipality: str) -> list[AssociationContact]:
    """The municipality's associations whose contact linked their Telegram (those the bot can
    tell), by name. Empty when matching is not in this build."""
    try:
        from bot.matching.models import Association
    except ImportError:  # pragma: no cover - matching is part of every build today
        return []
    rows = session.execute(
        select(Association.id, Association.key, Association.name, Association.contact_telegram_id)
        .where(
            Association.municipality_slug == municipality,
            Association.contact_telegram_id.is_not(None),
        )
        .order_by(Association.name)
    ).all()
    return [
        AssociationContact(row_id, key, name, int(tid))
        for row_id, key, name, tid in rows
        if tid is not None
    ]


def offer_text(language: str, company: Company, *, with_contact: bool) -> str:
    """The company and what it offers, as an association is told it (Telegram HTML)."""
    offers = ", ".join(t(language, f"companies.offer.{o}") for o in company.offers)
    text = t(
        language,
        "companies.referral.text",
        company=html.escape(company.name, quote=False),
        offers=offers,
    )
    if with_contact:
        text += "\n\n" + t(
            language,
            "companies.referral.contact",
            name=html.escape(company.contact_name, quote=False),
            contact=html.escape(company.contact, quote=False),
        )
    else:
        text += "\n\n" + t(language, "companies.referral.no_contact")
    return text


def refer(
    session: Session, staff_id: int, company_id: int, association_id: int, now: datetime
) -> tuple[CompanyReferral, AssociationContact, bool]:
    """Tell the association `association_id` about the company's offer, once: the company's
    contact goes with it only when the company agreed (`share_contact`). Returns the referral, the
    association, and whether it was made now (False: it had been told before, nothing is sent
    again).

    Raises `NotStaffError`, or `LookupError` when the association is not the municipality's or
    has no linked Telegram contact."""
    company = staff_company(session, staff_id, company_id)
    contact = next(
        (a for a in associations(session, company.municipality_slug) if a.id == association_id),
        None,
    )
    if contact is None:
        raise LookupError(association_id)
    association_key = contact.key
    existing = session.scalars(
        select(CompanyReferral).where(
            CompanyReferral.company_id == company.id,
            CompanyReferral.association_key == association_key,
        )
    ).one_or_none()
    if existing is not None:
        return existing, contact, False
    referral = CompanyReferral(
        company_id=company.id,
        association_key=association_key,
        shared_contact=company.share_contact,
        created_by=staff_id,
        created_at=now,
    )
    session.add(referral)
    session.flush()
    receiver = session.scalar(select(User).where(User.telegram_id == contact.telegram_id))
    language = receiver.language if receiver is not None and receiver.language else "da"
    if receiver is None or not receiver.blocked_bot:
        session.add(
            OutboxMessage(
                chat_id=contact.telegram_id,
                text=offer_text(language, company, with_contact=company.share_contact),
                buttons=[],
                dedupe_key=f"company:{company.id}:referral:{referral.id}",
                kind=REFERRAL_KIND,
                subject_id=referral.id,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return referral, contact, True


def referral_applies(session: Session, referral_id: int | None) -> bool:
    """The referral (and so the company) still exists: a company that withdrew is not passed on."""
    return referral_id is not None and session.get(CompanyReferral, referral_id) is not None
