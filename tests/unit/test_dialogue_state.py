"""How a chat's place is saved: only when it moves, with a version that stales old buttons, and
never over another turn's write."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from bot.core.conversation import Conversation
from bot.core.flows.menu import SettingsFlow
from bot.store.models import DialogueState
from tests.fakes.chat import ChatDriver, text_of


@dataclass(frozen=True)
class Saved:
    journey: str
    step: str
    version: int


def _saved(conversation: Conversation, chat_id: int) -> Saved:
    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.get(DialogueState, chat_id)
        assert state is not None
        return Saved(state.journey, state.step, state.version)


async def test_a_screens_buttons_stay_valid_while_the_chat_stays_on_it(
    chat: ChatDriver, conversation: Conversation
) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    jammerbugt = chat.payload_for("Jammerbugt")
    version = _saved(conversation, chat.user_id).version
    # A sticker and /help answer without moving the chat: nothing is written.
    await chat.send_unsupported()
    await chat.send("/help")
    assert _saved(conversation, chat.user_id).version == version
    replies = await chat.press_payload(jammerbugt)
    assert "tidligere besked" not in text_of(replies)
    assert "invitationer" in text_of(replies)  # on to the consent step
    assert _saved(conversation, chat.user_id).version == version + 1


async def test_moving_the_chat_stales_the_buttons_of_the_screen_it_left(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    settings = onboarded_chat.payload_for("Indstillinger")
    await onboarded_chat.press_payload(settings)
    state = _saved(conversation, onboarded_chat.user_id)
    assert (state.journey, state.step) == ("settings", "main")
    await onboarded_chat.send("/menu")
    assert _saved(conversation, onboarded_chat.user_id).journey == "menu"
    skift = onboarded_chat.payload_for("Skift kommune")  # a settings button, now left behind
    replies = await onboarded_chat.press_payload(skift)
    assert "tidligere besked" in text_of(replies)


async def test_a_turn_that_lost_a_race_is_run_again_on_the_fresh_state(
    onboarded_chat: ChatDriver,
    conversation: Conversation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another worker saves the chat while this turn runs: the turn's work is rolled back and
    the whole turn runs again on the fresh state. There the press is from an older screen, so
    the user gets one honest answer and the other worker's save stands.

    On PostgreSQL the other worker would wait for this turn's row lock instead, so the race
    cannot happen there; this is the SQLite (and belt-and-braces) path.
    """
    if conversation.services.db.is_postgres:
        pytest.skip("the row lock makes the other worker wait; no race to lose")
    await onboarded_chat.press("Indstillinger")
    before = _saved(conversation, onboarded_chat.user_id).version
    original = SettingsFlow.on_event
    runs = 0

    async def racing(self: SettingsFlow, *args: object, **kwargs: object) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:  # the other worker's save lands while this turn is in its flow
            with conversation.services.db.unit_of_work() as other:
                other.session.execute(
                    update(DialogueState)
                    .where(DialogueState.chat_id == onboarded_chat.user_id)
                    .values(version=DialogueState.version + 1)
                )
                other.commit()
        await original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SettingsFlow, "on_event", racing)
    replies = await onboarded_chat.press("Skift kommune")
    assert runs == 1  # the rerun stopped at the version check, before the flow
    assert len(replies) == 1 and "tidligere besked" in text_of(replies)
    after = _saved(conversation, onboarded_chat.user_id)
    assert (after.journey, after.step, after.version) == ("settings", "main", before + 1)
