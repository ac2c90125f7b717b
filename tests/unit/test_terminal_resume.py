"""The terminal chat: a restart continues at the question the user was at, not at the menu, and
buttons are pressed by letter so a typed number stays an answer."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from bot.channels.terminal import TERMINAL_USER_ID, TerminalChat, choice_label
from bot.core.conversation import Conversation
from bot.core.events import EventKind
from bot.store.models import DialogueState
from tests.fakes.chat import ChatDriver, text_of


def _bye() -> str:
    raise EOFError


async def test_a_restart_asks_the_question_the_user_was_at(
    conversation: Conversation, tmp_path: Path
) -> None:
    user = ChatDriver(conversation, user_id=TERMINAL_USER_ID)
    await user.onboard()
    question = text_of(await user.send("/volunteer"))
    out = io.StringIO()
    chat = TerminalChat(conversation, downloads=tmp_path, read_line=_bye, out=out)

    await chat.run()

    shown = out.getvalue()
    first_line = question.splitlines()[0]
    assert first_line in shown
    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.get(DialogueState, TERMINAL_USER_ID)
        assert state is not None and state.journey == "volunteer"


async def test_a_first_start_asks_for_the_language(
    conversation: Conversation, tmp_path: Path
) -> None:
    out = io.StringIO()
    await TerminalChat(conversation, downloads=tmp_path, read_line=_bye, out=out).run()
    assert "Kalaallisut" in out.getvalue()


def _lines(*lines: str) -> Callable[[], str]:
    queue = list(lines)

    def read() -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


async def test_buttons_are_lettered_and_a_typed_number_is_text_not_a_button(
    conversation: Conversation, tmp_path: Path
) -> None:
    out = io.StringIO()
    # »2« used to press the second button (English); now it is typed text, and »b« presses it.
    chat = TerminalChat(conversation, downloads=tmp_path, read_line=_lines("2"), out=out)
    await chat.run()
    assert "[a] Dansk" in out.getvalue() and "[c] Kalaallisut" in out.getvalue()
    assert chat.event_for("2").kind is EventKind.TEXT
    assert "Which municipality" not in out.getvalue()

    out = io.StringIO()
    chat = TerminalChat(conversation, downloads=tmp_path, read_line=_lines("B"), out=out)
    await chat.run()
    assert "Which municipality" in out.getvalue()


def test_more_buttons_than_letters_get_two_letters() -> None:
    assert [choice_label(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]
