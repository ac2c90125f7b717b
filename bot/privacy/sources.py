"""The data sources of the core, and of the features whose tables exist in this build.

The core's sources always register. A feature's are registered here only when its models module
can be imported, so this file works while features are still being built; a feature that wants to
say more (e.g. grants keeping anonymised applications) registers its own source under the same
name, which replaces the one here.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.privacy.generic import json_safe
from bot.privacy.registry import is_registered, register
from bot.store.models import DialogueState, OutboxMessage, StaffRole, User


def export_profile(session: Session, user: User) -> dict[str, Any]:
    return {
        "telegram_id": user.telegram_id,
        "display_name": user.display_name,
        "language": user.language,
        "municipality": user.municipality_slug,
        "consent_notices": user.consent_notices,
        "onboarded": user.onboarded,
        "blocked_bot": user.blocked_bot,
        "first_seen": json_safe(user.first_seen),
        "last_seen": json_safe(user.last_seen),
    }


def erase_profile(session: Session, user: User, now: datetime) -> list[str]:
    # The row itself goes last, in `bot.privacy.service.erase_user`, after everything pointing at
    # it.
    return []


def _states(session: Session, user: User) -> list[DialogueState]:
    return list(session.scalars(select(DialogueState).where(DialogueState.user_id == user.id)))


def export_conversation(session: Session, user: User) -> dict[str, Any]:
    return {
        "places": [
            {
                "chat_id": state.chat_id,
                "journey": state.journey,
                "step": state.step,
                "draft": json_safe(state.data),
                "updated_at": json_safe(state.updated_at),
            }
            for state in _states(session, user)
        ]
    }


def erase_conversation(session: Session, user: User, now: datetime) -> list[str]:
    # Through the ORM (not a bulk DELETE): the current turn holds this chat's state object, and the
    # session must know it is gone.
    for state in _states(session, user):
        session.delete(state)
    session.flush()
    return []


def _roles(session: Session, user: User) -> list[StaffRole]:
    return list(session.scalars(select(StaffRole).where(StaffRole.telegram_id == user.telegram_id)))


def export_staff_roles(session: Session, user: User) -> dict[str, Any]:
    return {
        "roles": [
            {
                "municipality": role.municipality_slug,
                "role": role.role,
                "since": json_safe(role.created_at),
            }
            for role in _roles(session, user)
        ]
    }


def erase_staff_roles(session: Session, user: User, now: datetime) -> list[str]:
    for role in _roles(session, user):
        session.delete(role)
    return []


def _messages(session: Session, user: User) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.chat_id == user.telegram_id)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def export_messages(session: Session, user: User) -> dict[str, Any]:
    return {
        "messages": [
            {
                "text": message.text,
                "document": message.document_name,
                "status": message.status,
                "created_at": json_safe(message.created_at),
                "sent_at": json_safe(message.sent_at),
            }
            for message in _messages(session, user)
        ]
    }


def erase_messages(session: Session, user: User, now: datetime) -> list[str]:
    # Pending ones too: nothing may reach a person who asked to be forgotten.
    for message in _messages(session, user):
        session.delete(message)
    return []


def register_core() -> None:
    register("profile", export_profile, erase_profile, tables=["app_user"])
    register("conversation", export_conversation, erase_conversation, tables=["dialogue_state"])
    register("staff_roles", export_staff_roles, erase_staff_roles, tables=["staff_role"])
    register("messages", export_messages, erase_messages, tables=["outbox_message"])


def register_matching() -> bool:
    """Interests and saved searches, if matching is in this build."""
    try:
        models = importlib.import_module("bot.matching.models")
    except ImportError:
        return False
    interest_model: Any = models.Interest
    search_model: Any = models.SavedSearch
    withdraw: Any = importlib.import_module("bot.matching.interests").withdraw
    unsubscribe: Any = importlib.import_module("bot.matching.alerts").unsubscribe

    def interests(session: Session, user: User) -> list[Any]:
        return list(
            session.scalars(select(interest_model).where(interest_model.user_id == user.id))
        )

    def export_interests(session: Session, user: User) -> dict[str, Any]:
        return {
            "interests": [
                {
                    "opportunity": interest.opportunity.title,
                    "status": interest.status,
                    "created_at": json_safe(interest.created_at),
                }
                for interest in interests(session, user)
            ]
        }

    def erase_interests(session: Session, user: User, now: datetime) -> list[str]:
        for interest in interests(session, user):
            # As "withdraw" does: the spot counts free again (withdrawal tells nobody). A notice
            # to the association still queued is dropped at send time: its interest is gone.
            withdraw(session, user, interest.id, now)
            session.delete(interest)
        return []

    def searches(session: Session, user: User) -> list[Any]:
        return list(session.scalars(select(search_model).where(search_model.user_id == user.id)))

    def export_searches(session: Session, user: User) -> dict[str, Any]:
        return {
            "searches": [
                {
                    "filters": json_safe(search.filters),
                    "active": search.active,
                    "created_at": json_safe(search.created_at),
                }
                for search in searches(session, user)
            ]
        }

    def erase_searches(session: Session, user: User, now: datetime) -> list[str]:
        for search in searches(session, user):
            unsubscribe(session, user, search.id)  # as the digest's own "stop" button
            session.delete(search)
        return []

    # Matching may register its own sources (same names); those win.
    if not is_registered("interests"):
        register("interests", export_interests, erase_interests, tables=["opportunity_interest"])
    if not is_registered("saved_searches"):
        register("saved_searches", export_searches, erase_searches, tables=["saved_search"])
    return True


def register_meetings() -> bool:
    """Answers to and invitations of dialogue meetings, if meetings are in this build."""
    try:
        models = importlib.import_module("bot.meetings.models")
        rsvp_module = importlib.import_module("bot.meetings.rsvp")
    except ImportError:
        return False
    rsvp_model: Any = models.Rsvp
    invitation_model: Any = models.Invitation
    meeting_model: Any = models.Meeting

    def answers(session: Session, user: User) -> list[Any]:
        return list(
            session.scalars(
                select(rsvp_model).where(rsvp_model.user_id == user.id).order_by(rsvp_model.id)
            )
        )

    def invitations(session: Session, user: User) -> list[Any]:
        query = select(invitation_model).where(invitation_model.user_id == user.id)
        return list(session.scalars(query.order_by(invitation_model.id)))

    def export_meetings(session: Session, user: User) -> dict[str, Any]:
        def title(meeting_id: int) -> str | None:
            meeting = session.get(meeting_model, meeting_id)
            return meeting.title if meeting is not None else None

        return {
            "answers": [
                {
                    "meeting": title(rsvp.meeting_id),
                    "answer": rsvp.answer,
                    "seat": rsvp.seat,
                    "association": rsvp.association,
                    "question": rsvp.question,
                    "answered_at": json_safe(rsvp.answered_at),
                }
                for rsvp in answers(session, user)
            ],
            "invitations": [
                {
                    "meeting": title(invitation.meeting_id),
                    "source": invitation.source,
                    "created_at": json_safe(invitation.created_at),
                }
                for invitation in invitations(session, user)
            ],
        }

    def erase_meetings(session: Session, user: User, now: datetime) -> list[str]:
        for rsvp in answers(session, user):
            # As "Jeg kommer ikke" does: a freed seat goes to the waitlist, who is told.
            rsvp_module.leave(session, rsvp, now)
        for invitation in invitations(session, user):
            session.delete(invitation)
        return []

    if not is_registered("meetings"):
        register(
            "meetings",
            export_meetings,
            erase_meetings,
            tables=["meeting_rsvp", "meeting_invitation"],
        )
    return True


def register_staff_web() -> None:
    """The staff dashboard's login links and the audit log's actor (a staff member's Telegram id).

    Erasure deletes the login links and blanks the actor in the audit log: the decisions stay in
    the log (the municipality must be able to show what was decided), without the person.
    """
    from bot.staff.models import AuditEntry
    from bot.web.models import WebLoginLink

    def export(session: Session, user: User) -> dict[str, Any]:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor_telegram_id == user.telegram_id)
            .order_by(AuditEntry.id)
        )
        links = session.scalars(
            select(WebLoginLink.created_at).where(WebLoginLink.telegram_id == user.telegram_id)
        )
        return {
            "decisions": [
                {
                    "at": json_safe(entry.at),
                    "municipality": entry.municipality_slug,
                    "subject": f"{entry.subject_kind}:{entry.subject_id}",
                    "action": entry.action,
                    "channel": entry.channel,
                    "detail": json_safe(entry.detail),
                }
                for entry in entries
            ],
            "login_links": [json_safe(at) for at in links],
        }

    def erase(session: Session, user: User, now: datetime) -> list[str]:
        session.execute(delete(WebLoginLink).where(WebLoginLink.telegram_id == user.telegram_id))
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.actor_telegram_id == user.telegram_id)
            .values(actor_telegram_id=None)
        )
        return []

    register("staff_web", export, erase, tables=["audit_entry", "web_login_link"])


def register_companies() -> bool:
    """A company's registration made by the user, what staff passed on of it, and the referrals a
    staff member made (their id is cleared, the referral stays with the company), if companies
    are in this build."""
    try:
        models = importlib.import_module("bot.companies.models")
    except ImportError:
        return False
    company_model: Any = models.Company
    referral_model: Any = models.CompanyReferral
    withdraw: Any = importlib.import_module("bot.companies.service").withdraw

    def registration(session: Session, user: User) -> Any:
        query = select(company_model).where(company_model.user_id == user.id)
        return session.scalars(query).one_or_none()

    def referrals(session: Session, company_id: int) -> list[Any]:
        query = select(referral_model).where(referral_model.company_id == company_id)
        return list(session.scalars(query.order_by(referral_model.id)))

    def made_by(session: Session, user: User) -> list[Any]:
        query = select(referral_model).where(referral_model.created_by == user.telegram_id)
        return list(session.scalars(query.order_by(referral_model.id)))

    def export_companies(session: Session, user: User) -> dict[str, Any]:
        company = registration(session, user)
        result: dict[str, Any] = {"company": None, "referrals_made_as_staff": []}
        if company is not None:
            result["company"] = {
                "municipality": company.municipality_slug,
                "name": company.name,
                "register_number": company.register_number,
                "contact_name": company.contact_name,
                "contact": company.contact,
                "offers": list(company.offers),
                "share_contact": company.share_contact,
                "created_at": json_safe(company.created_at),
                "updated_at": json_safe(company.updated_at),
                "passed_on_to": [
                    {
                        "association": referral.association_key,
                        "with_contact": referral.shared_contact,
                        "at": json_safe(referral.created_at),
                    }
                    for referral in referrals(session, company.id)
                ],
            }
        result["referrals_made_as_staff"] = [
            {"association": r.association_key, "at": json_safe(r.created_at)}
            for r in made_by(session, user)
        ]
        return result

    def erase_companies(session: Session, user: User, now: datetime) -> list[str]:
        for referral in made_by(session, user):
            referral.created_by = None
        # As »Træk registreringen tilbage« does; a referral still queued is dropped at send
        # time (`bot.companies.send_checks`).
        withdraw(session, user)
        return []

    if not is_registered("companies"):
        register(
            "companies",
            export_companies,
            erase_companies,
            tables=["company", "company_referral"],
        )
    return True


def register_all() -> None:
    """Every source this build has; called once by the privacy service."""
    register_core()
    register_matching()
    register_meetings()
    register_staff_web()
    register_companies()
