"""/mydata and /deletedata through the conversation core, on a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.core.conversation import Conversation
from bot.core.replies import Reply
from bot.store.database import transaction
from bot.store.models import DialogueState, OutboxMessage, StaffRole, User
from tests.fakes.chat import ChatDriver, labels_of, text_of


def _export_of(replies: list[Reply]) -> dict[str, object]:
    documents = [r.document for r in replies if r.document is not None]
    assert len(documents) == 1, "one JSON file"
    assert documents[0].file_name.endswith(".json")
    return json.loads(documents[0].content)  # type: ignore[no-any-return]


def _user(conversation: Conversation, telegram_id: int) -> tuple[bool, str | None] | None:
    """(onboarded, municipality) of a user, None when there is no such user."""
    with conversation.services.db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.telegram_id == telegram_id)).first()
        return None if user is None else (user.onboarded, user.municipality_slug)


async def test_mydata_sends_a_summary_and_the_whole_file(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(OutboxMessage(chat_id=onboarded_chat.user_id, text="Invitation til dialogmøde"))
        session.add(StaffRole(telegram_id=onboarded_chat.user_id, municipality_slug="tonder"))
    replies = await onboarded_chat.send("/mydata")
    summary = text_of(replies)
    assert "Det har jeg gemt om dig" in summary
    assert "Sønderborg Kommune" in summary and "Invitationer og nyheder: til" in summary
    assert "Beskeder, jeg har sendt eller skal sende dig: 1" in summary
    data = _export_of(replies)
    sections = data["sections"]
    assert isinstance(sections, dict)
    assert sections["profile"]["telegram_id"] == onboarded_chat.user_id
    assert sections["profile"]["municipality"] == "sonderborg"
    assert sections["messages"]["messages"][0]["text"] == "Invitation til dialogmøde"
    assert sections["staff_roles"]["roles"][0]["municipality"] == "tonder"
    assert any("frivillig" in label.lower() for label in labels_of(replies))  # back at the menu


async def test_mydata_holds_nothing_of_another_user(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    other = ChatDriver(conversation, user_id=9999)
    await other.onboard(municipality="Tønder")
    with transaction(conversation.services.db) as session:
        session.add(OutboxMessage(chat_id=9999, text="Til en anden"))
    data = _export_of(await onboarded_chat.send("/mydata"))
    assert "Til en anden" not in json.dumps(data, ensure_ascii=False)
    assert "9999" not in json.dumps(data)


async def test_deletedata_asks_first_and_keeps_everything_on_no(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    replies = await onboarded_chat.send("/deletedata")
    assert "Skal jeg slette dine data?" in text_of(replies)
    assert "§ 18" in text_of(replies)  # what is kept, and why, before the choice
    replies = await onboarded_chat.press("Nej, behold")
    assert "ikke slettet noget" in text_of(replies)
    user = _user(conversation, onboarded_chat.user_id)
    assert user is not None and user[0]


async def test_deletedata_erases_the_user_and_the_next_message_starts_afresh(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    uid = onboarded_chat.user_id
    with transaction(conversation.services.db) as session:
        session.add(OutboxMessage(chat_id=uid, text="Påmindelse"))
        session.add(StaffRole(telegram_id=uid, municipality_slug="tonder"))
    await onboarded_chat.send("/deletedata")
    replies = await onboarded_chat.press("Ja, slet")
    assert "Dine data er slettet" in text_of(replies)
    assert "Telegram" in text_of(replies)  # where the chat history itself lives
    assert labels_of(replies) == []
    with conversation.services.db.unit_of_work() as uow:
        session = uow.session
        assert session.scalars(select(User).where(User.telegram_id == uid)).first() is None
        assert session.scalar(select(func.count()).select_from(DialogueState)) == 0
        assert (
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == uid)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count()).select_from(StaffRole).where(StaffRole.telegram_id == uid)
            )
            == 0
        )
    replies = await onboarded_chat.send("hej")
    assert "velkommen" in text_of(replies).lower()  # onboarding again, as a newcomer
    assert labels_of(replies) == ["Dansk", "English", "Kalaallisut"]


async def test_a_stale_delete_button_after_erasure_erases_nothing_new(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    await onboarded_chat.send("/deletedata")
    payload = onboarded_chat.payload_for("Ja, slet")
    await onboarded_chat.press_payload(payload)
    await onboarded_chat.onboard(municipality="Tønder")  # a new life
    replies = await onboarded_chat.press_payload(payload)
    assert "tidligere besked" in text_of(replies)
    user = _user(conversation, onboarded_chat.user_id)
    assert user == (True, "tonder")


async def test_other_users_are_untouched_by_an_erasure(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    other = ChatDriver(conversation, user_id=8888)
    await other.onboard(municipality="Tønder")
    await onboarded_chat.send("/deletedata")
    await onboarded_chat.press("Ja, slet")
    user = _user(conversation, 8888)
    assert user == (True, "tonder")
    replies = await other.send("/menu")
    assert any("frivillig" in label.lower() for label in labels_of(replies))


async def test_the_privacy_choice_leads_to_both_rights(onboarded_chat: ChatDriver) -> None:
    flow = onboarded_chat.conversation.flows["privacy"]
    assert flow.journey == "privacy"
    # An NLU `privacy` intent or a menu entry opens the journey without an action.
    replies = await onboarded_chat.press_payload("g:go:privacy")
    assert "Her kan du se alt" in text_of(replies)
    replies = await onboarded_chat.press("Se mine data")
    assert "Det har jeg gemt om dig" in text_of(replies)


async def test_english_users_get_english(conversation: Conversation) -> None:
    chat = ChatDriver(conversation, user_id=5555, language_code="en")
    await chat.send("/start")
    await chat.press("English")
    await chat.press("Jammerbugt")
    await chat.press("Yes")
    replies = await chat.send("/mydata")
    assert "This is what I have stored about you" in text_of(replies)
    replies = await chat.send("/deletedata")
    assert "Shall I delete your data?" in text_of(replies)
    replies = await chat.press("Yes, delete")
    assert "Your data has been deleted" in text_of(replies)


def test_export_dates_are_iso(conversation: Conversation) -> None:
    from bot.privacy.generic import json_safe

    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert json_safe({"at": moment, "blob": b"ab"}) == {
        "at": "2026-01-02T03:04:00+00:00",
        "blob": {"base64": "YWI="},
    }


async def test_rows_of_features_without_a_source_are_exported_and_unlinked(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    """The fallback: an association whose contact the user is. The association stays (it is not
    theirs); the link to the user goes, and the user is told what was kept and why."""
    from bot.matching.models import Association

    with transaction(conversation.services.db) as session:
        session.add(
            Association(
                key="privacy-test",
                municipality_slug="sonderborg",
                name="Besøgsvennerne",
                contact_telegram_id=onboarded_chat.user_id,
            )
        )
    data = _export_of(await onboarded_chat.send("/mydata"))
    assert data["sections"]["other"]["association"][0]["name"] == "Besøgsvennerne"  # type: ignore[index]
    await onboarded_chat.send("/deletedata")
    replies = await onboarded_chat.press("Ja, slet")
    assert "Forbindelsen til dig er fjernet" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        association = uow.session.scalars(
            select(Association).where(Association.key == "privacy-test")
        ).one()
        assert association.contact_telegram_id is None


async def test_a_second_press_of_ja_slet_mine_data_erases_nothing_again(
    onboarded_chat: ChatDriver,
) -> None:
    await onboarded_chat.send("/deletedata")
    erase = onboarded_chat.payload_for("Ja, slet mine data")
    replies = await onboarded_chat.press_payload(erase)
    assert "Dine data er slettet" in text_of(replies)
    replies = await onboarded_chat.press_payload(erase)  # the double tap
    assert "Dine data er slettet" not in text_of(replies)
    assert "tidligere besked" in text_of(replies)
