"""Group chats through the real PTB Application: frivillig never shows personal data in a group,
keeps no dialogue there, and answers a group at most once, with a link to a private chat."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.core.conversation import Conversation
from bot.store.models import DialogueState, OutboxMessage, User
from tests.fakes.bot_api import BOT_USER, Call
from tests.fakes.telegram import TelegramDriver

GROUP = -1001234567890  # Telegram's supergroup ids are negative, -100…


async def process(telegram: TelegramDriver, update: dict[str, object]) -> list[Call]:
    before = len(telegram.api.calls)
    await telegram.app.process_update(Update.de_json(update, telegram.app.bot))
    return telegram.api.calls[before:]


def dialogue_chats(conversation: Conversation) -> set[int]:
    with conversation.services.db.unit_of_work() as uow:
        return set(uow.session.scalars(select(DialogueState.chat_id)))


async def test_mydata_in_a_group_posts_no_personal_data_only_a_link_to_a_private_chat(
    telegram: TelegramDriver, conversation: Conversation
) -> None:
    await telegram.onboard()
    member = telegram.user.in_group(GROUP)

    calls = await process(telegram, member.text("/mydata@frivillig_test_bot"))

    assert not [c for c in calls if c.method == "sendDocument"]
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 1
    assert sent[0].chat_id == GROUP
    assert "privat chat" in sent[0].text
    for personal in (str(telegram.user.user_id), "Sønderborg", "sonderborg", "Test"):
        assert personal not in sent[0].text
    assert sent[0].keyboard == [
        [{"text": "Skriv med mig privat", "url": "https://t.me/frivillig_test_bot"}]
    ]
    # Nothing went to the member's private chat either: a command typed in a group does nothing
    # but point there.
    assert not [c for c in calls if c.chat_id == telegram.user.user_id]
    assert GROUP not in dialogue_chats(conversation)


async def test_a_group_gets_one_note_ever_then_silence(
    telegram: TelegramDriver, conversation: Conversation
) -> None:
    first = telegram.api.user(6001).in_group(GROUP)
    second = telegram.api.user(6002, language_code="en").in_group(GROUP)

    calls = await process(telegram, first.text("/volunteer@frivillig_test_bot"))
    (note,) = [c for c in calls if c.method == "sendMessage"]
    # The link opens the journey the command named, in the private chat.
    url = note.keyboard[0][0]["url"]
    assert url == "https://t.me/frivillig_test_bot?start=volunteer"

    for update in (
        second.text("/start@frivillig_test_bot"),
        second.text("/deletedata@frivillig_test_bot"),
        first.text("hej bot, kan du hjælpe?"),
    ):
        assert [c for c in await process(telegram, update) if c.chat_id == GROUP] == []


async def test_members_who_never_onboarded_inherit_nothing_and_are_not_stored(
    telegram: TelegramDriver, conversation: Conversation
) -> None:
    """Before: the group's one dialogue state made a newcomer continue another member's place."""
    chair = telegram.api.user(6101).in_group(GROUP)
    newcomer = telegram.api.user(6102).in_group(GROUP)
    await process(telegram, chair.text("/start@frivillig_test_bot"))
    await process(telegram, chair.text("Dansk"))
    await process(telegram, newcomer.text("/apply@frivillig_test_bot"))
    await process(telegram, newcomer.text("Sønderborg"))

    with conversation.services.db.unit_of_work() as uow:
        users = uow.session.scalar(
            select(func.count()).select_from(User).where(User.telegram_id.in_([6101, 6102]))
        )
    assert users == 0
    assert dialogue_chats(conversation) == set()


async def test_a_button_pressed_in_a_group_answers_only_the_presser(
    telegram: TelegramDriver,
) -> None:
    member = telegram.api.user(6201).in_group(GROUP)
    calls = await process(telegram, member.callback("g:mydata:export", 99))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].alert
    assert "privat chat" in calls[0].text


async def test_adding_the_bot_to_a_group_is_harmless(telegram: TelegramDriver) -> None:
    adder = telegram.api.user(6301).in_group(GROUP, "group")
    joined = adder.message(new_chat_members=[BOT_USER])
    membership = {
        "update_id": 30_001,
        "my_chat_member": {
            "chat": {"id": GROUP, "type": "group", "title": "Foreningens bestyrelse"},
            "from": {"id": 6301, "is_bot": False, "first_name": "Test"},
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "left"},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        },
    }
    assert await process(telegram, membership) == []
    assert await process(telegram, joined) == []


@pytest.mark.parametrize("chat_id", [GROUP, -4242])
def test_the_outbox_refuses_a_group_recipient(chat_id: int) -> None:
    with pytest.raises(ValueError, match="private chats only"):
        OutboxMessage(chat_id=chat_id, text="Invitation", buttons=[])
