"""The test helpers themselves: the clock and flood fixtures, ids in the fake Bot API, and the
typed readers of what it recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_conversation
from bot.config import Settings
from bot.core.services import Services
from tests.fakes.bot_api import Call, FakeBotApi, TelegramUser
from tests.fakes.chat import ChatDriver, text_of
from tests.fakes.clock import FakeClock

SLOW_DOWN = "hurtigere, end jeg kan følge med"


def test_every_person_numbers_their_own_messages_from_one() -> None:
    first, second = TelegramUser(1), TelegramUser(2)
    first.text("hej")
    assert second.text("hej")["message"]["message_id"] == 1  # nothing left over from `first`


def test_users_of_one_api_and_one_group_never_share_an_id() -> None:
    api = FakeBotApi()
    anna, bo = api.user(1), api.user(2).in_group(-100)
    updates = [anna.text("a"), bo.text("b"), anna.callback("x", 1), bo.text("c")]
    assert len({u["update_id"] for u in updates}) == 4
    in_group = [u["message"]["message_id"] for u in (updates[1], updates[3])]
    assert len(set(in_group)) == 2


def test_the_readers_give_what_telegram_received() -> None:
    upload = Call("sendDocument", {"document": {"filename": "a.ics", "content": b"BEGIN"}})
    assert (upload.document_name, upload.document_content, upload.document_file_id) == (
        "a.ics",
        b"BEGIN",
        None,
    )
    resent = Call("sendDocument", {"document": "BQACAg"})
    assert (resent.document_name, resent.document_file_id) == (None, "BQACAg")
    answer = Call("answerCallbackQuery", {"text": "Kun i privat chat", "show_alert": "true"})
    assert answer.alert and answer.text == "Kun i privat chat"
    assert not Call("answerCallbackQuery", {"text": "Tak!"}).alert
    edit = Call("editMessageText", {"message_id": "12", "text": "x", "parse_mode": "HTML"})
    assert (edit.edited_message_id, edit.parse_mode) == (12, "HTML")
    assert Call("sendMessage", {"text": "x"}).edited_message_id is None
    commands = Call("setMyCommands", {"commands": '[{"command": "start", "description": "S"}]'})
    assert commands.commands == [{"command": "start", "description": "S"}]


def test_the_fake_clock_stands_still_until_moved() -> None:
    clock = FakeClock(datetime(2027, 1, 10, 12, tzinfo=UTC))
    assert clock() == clock() == datetime(2027, 1, 10, 12, tzinfo=UTC)
    assert clock.advance(timedelta(days=1)) == datetime(2027, 1, 11, 12, tzinfo=UTC)
    local = clock.set(datetime(2027, 7, 1, 9, tzinfo=ZoneInfo("Europe/Copenhagen")))
    assert local == datetime(2027, 7, 1, 7, tzinfo=UTC) and local.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2027, 1, 1))


def test_the_clock_fixture_is_the_services_clock(services: Services, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 1, 10, tzinfo=UTC))
    assert services.clock() == datetime(2027, 2, 1, 10, tzinfo=UTC)


async def test_without_the_flood_limit_a_burst_is_answered_also_after_a_restart(
    onboarded_chat: ChatDriver, services: Services, no_flood_limit: None
) -> None:
    for chat in (onboarded_chat, ChatDriver(build_conversation(services), user_id=4242)):
        answers = [await chat.send("/help") for _ in range(25)]  # the limit is 20 in 10 s
        assert all(answers) and SLOW_DOWN not in "".join(map(text_of, answers))


async def test_the_flood_limit_holds_without_the_fixture(
    settings: Settings, services: Services
) -> None:
    settings.flood_window_seconds = 3600  # however slow this machine, the burst is in one window
    chat = ChatDriver(build_conversation(services), user_id=4343)
    answers = [await chat.send("/help") for _ in range(25)]
    assert SLOW_DOWN in "".join(map(text_of, answers))
