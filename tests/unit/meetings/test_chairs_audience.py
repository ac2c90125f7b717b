"""»Foreningernes formænd og kontaktpersoner«: a chair who sent a § 18 application, and an
association contact who linked their Telegram, are in the audience; a draft, another
municipality and a blocked bot are not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.grants.models import GrantApplication, Status
from bot.matching.models import Association
from bot.meetings.audiences import AUDIENCES
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.unit.meetings.conftest import STAFF_ID, make_staff

APPLIED, DRAFT_ONLY, CONTACT, ELSEWHERE, BLOCKED = 9101, 9102, 9103, 9104, 9105


def add_chairs(conversation: Conversation) -> None:
    """Users with grant applications and an association contact, as the grants journey and
    matching's association data leave them."""
    with transaction(conversation.services.db) as session:
        users = {}
        for telegram_id in (APPLIED, DRAFT_ONLY, CONTACT, ELSEWHERE, BLOCKED):
            users[telegram_id] = User(
                telegram_id=telegram_id, language="da", onboarded=True,
                municipality_slug="tonder" if telegram_id == ELSEWHERE else "sonderborg",
                consent_notices=False, blocked_bot=telegram_id == BLOCKED,
            )  # fmt: skip
            session.add(users[telegram_id])
        session.flush()
        for telegram_id, slug, status, round_key in (
            (APPLIED, "sonderborg", Status.SUBMITTED, "2027"),
            (APPLIED, "sonderborg", Status.APPROVED, "2026"),  # two applications, one person
            (DRAFT_ONLY, "sonderborg", Status.DRAFT, "2027"),
            (ELSEWHERE, "tonder", Status.SUBMITTED, "2027-spring"),
            (BLOCKED, "sonderborg", Status.SUBMITTED, "2027"),
        ):
            session.add(
                GrantApplication(
                    user_id=users[telegram_id].id, municipality_slug=slug, round_key=round_key,
                    status=status.value, eligibility={}, answers={}, messages=[],
                )
            )  # fmt: skip
        session.add(
            Association(
                key="test-son-contact", municipality_slug="sonderborg", name="Testforeningen",
                contact_telegram_id=CONTACT,
            )
        )  # fmt: skip


@pytest.fixture
async def staff(conversation: Conversation, frozen: object) -> ChatDriver:
    make_staff(conversation)
    chat = ChatDriver(conversation, user_id=STAFF_ID)
    await chat.onboard()
    return chat


def test_applicants_and_linked_contacts_are_the_chairs(conversation: Conversation) -> None:
    add_chairs(conversation)
    with conversation.services.db.unit_of_work() as uow:
        chosen = AUDIENCES["chairs"].recipients(uow.session, "sonderborg")
        tonder = AUDIENCES["chairs"].recipients(uow.session, "tonder")
    assert sorted(r.telegram_id for r in chosen) == [APPLIED, CONTACT]
    assert [r.telegram_id for r in tonder] == [ELSEWHERE]


async def test_a_notice_to_the_chairs_counts_and_reaches_them(
    staff: ChatDriver, conversation: Conversation
) -> None:
    add_chairs(conversation)
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Send en nyhed")
    await staff.press("Nyt om en høring")
    await staff.send("Ny frivillighedspolitik i høring")
    replies = await staff.send("Kom med jeres input senest 1. marts.")
    assert "Foreningernes formænd og kontaktpersoner (2)" in labels_of(replies)
    replies = await staff.press("Foreningernes formænd og kontaktpersoner")
    assert "Send til 2" in " ".join(labels_of(replies))
    replies = await staff.press_payload(staff.payload_for("Send til"))
    assert "på vej til 2 modtagere" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        chats = sorted(uow.session.scalars(select(OutboxMessage.chat_id)))
    assert chats == [APPLIED, CONTACT]
