"""/deletedata for grants: drafts go, sent applications stay anonymised for the accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.services import Services
from bot.grants.models import GrantApplication
from bot.privacy.registry import sources
from bot.store.database import transaction
from bot.store.models import User
from tests.fakes.chat import ChatDriver
from tests.fakes.clock import FakeClock
from tests.unit.grants.grant_chat import (
    FEBRUARY,
    fill_rest,
    fill_until_budget,
    pass_eligibility,
)


async def test_erasing_keeps_sent_applications_without_the_person(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    chat = onboarded_chat
    await chat.press("§ 18")
    await pass_eligibility(chat)
    await fill_until_budget(chat)
    await fill_rest(chat)
    await chat.press("Videre til erklæringen")
    await chat.press("Ja, det erklærer jeg")
    [source] = [s for s in sources() if s.name == "grant_applications"]
    with transaction(services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == chat.user_id)).one()
        # A second, unsent draft in another municipality's scheme.
        session.add(
            GrantApplication(
                user_id=user.id,
                municipality_slug="tonder",
                round_key="2027-spring",
                answers={"association_name": "Kladde"},
                eligibility={},
                messages=[],
            )
        )
        session.flush()
        exported = source.export(session, user)
        assert {a["reference"] for a in exported["applications"]} == {"SON-2027-0001", None}
        notes = source.erase(session, user, datetime(2027, 1, 10, tzinfo=UTC))
        assert notes == ["grants.privacy.kept_anonymised"]
    with transaction(services.db) as session:
        [kept] = session.scalars(select(GrantApplication)).all()
        assert kept.reference == "SON-2027-0001" and kept.user_id is None
        assert "email" not in kept.answers and "phone" not in kept.answers
        assert "contact_name" not in kept.answers
        assert kept.answers["association_name"] == "Sønderborg Besøgsvenner"
