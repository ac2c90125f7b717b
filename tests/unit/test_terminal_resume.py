"""A restarted terminal chat continues at the question the user was at, not at the menu."""

from __future__ import annotations

import io
from pathlib import Path

from bot.channels.terminal import TERMINAL_USER_ID, TerminalChat
from bot.core.conversation import Conversation
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
