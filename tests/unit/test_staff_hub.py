"""/staff: only staff of a municipality get in, and only to their municipality's tools."""

from __future__ import annotations

from bot.core.conversation import Conversation
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.fakes.chat import ChatDriver, labels_of, text_of


def _make_staff(conversation: Conversation, telegram_id: int, *slugs: str) -> None:
    with transaction(conversation.services.db) as session:
        for slug in slugs:
            session.add(StaffRole(telegram_id=telegram_id, municipality_slug=slug))


async def test_citizens_are_told_staff_tools_are_for_staff(onboarded_chat: ChatDriver) -> None:
    replies = await onboarded_chat.send("/staff")
    assert "kun for kommunens medarbejdere" in text_of(replies)
    assert str(onboarded_chat.user_id) in text_of(replies)


async def test_staff_of_one_municipality_go_straight_to_its_tools(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "tonder")
    replies = await onboarded_chat.send("/staff")
    assert "Medarbejderværktøjer" in text_of(replies) and "Tønder Kommune" in text_of(replies)


async def test_staff_of_several_pick_and_cannot_forge_another(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "tonder", "solrod")
    replies = await onboarded_chat.send("/staff")
    assert "Hvilken kommune" in text_of(replies)
    version = onboarded_chat.payload_for("Solrød").split(":")[0]
    replies = await onboarded_chat.press_payload(f"{version}:sonderborg")
    assert "kun for kommunens medarbejdere" in text_of(replies)
    assert "Sønderborg" not in text_of(replies).split("kun for")[0]


async def test_staff_reach_their_tools_from_the_main_menu(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    _make_staff(conversation, onboarded_chat.user_id, "sonderborg")
    replies = await onboarded_chat.send("/menu")
    assert "🛠 For medarbejdere" in labels_of(replies)
    replies = await onboarded_chat.press("🛠 For medarbejdere")
    assert "Medarbejderværktøjer" in text_of(replies) and "Sønderborg" in text_of(replies)


async def test_citizens_never_see_the_staff_button(onboarded_chat: ChatDriver) -> None:
    replies = await onboarded_chat.send("/menu")
    assert "❓ Hjælp" in labels_of(replies)
    assert not [label for label in labels_of(replies) if "medarbejdere" in label]
