"""Onboarding and the menu through the conversation core, on a real database."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.store.models import DialogueState, User
from tests.fakes.chat import ChatDriver, labels_of, text_of


async def test_new_user_is_greeted_and_asked_for_a_language(chat: ChatDriver) -> None:
    replies = await chat.send("/start")
    assert "velkommen" in text_of(replies).lower()
    assert labels_of(replies) == ["Dansk", "English", "Kalaallisut"]


async def test_onboarding_in_danish_ends_at_the_menu(
    chat: ChatDriver, conversation: Conversation
) -> None:
    await chat.send("/start")
    replies = await chat.press("Dansk")
    assert "Hvilken kommune" in text_of(replies)
    assert len(labels_of(replies)) == 5
    replies = await chat.press("Tønder")
    assert "invitationer" in text_of(replies)
    replies = await chat.press("Ja")
    menu = labels_of(replies)
    assert any("frivillig" in label.lower() for label in menu)
    assert any("§ 18-tilskud" in label for label in menu)
    assert any("møde" in label.lower() for label in menu)
    with conversation.services.db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.telegram_id == chat.user_id)).one()
        assert (user.language, user.municipality_slug, user.consent_notices, user.onboarded) == (
            "da",
            "tonder",
            True,
            True,
        )


async def test_onboarding_in_english_gives_an_english_menu(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.press("English")
    await chat.press("Solrød")
    replies = await chat.press("No")
    menu = " ".join(labels_of(replies)).lower()
    assert "volunteer" in menu and "grant" in menu and "meeting" in menu


async def test_typed_answers_work_as_well_as_buttons(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.send("dansk")
    replies = await chat.send("graasten")  # a town, without æøå, instead of the municipality
    assert "invitationer" in text_of(replies)
    replies = await chat.send("nej")
    assert "Velkommen!" in text_of(replies) and "Hvad vil du gerne gøre?" in text_of(replies)


async def test_unknown_municipality_is_refused_and_asked_again(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    replies = await chat.send("Atlantis")
    assert "Atlantis" in text_of(replies)
    assert "Hvilken kommune" in text_of(replies)


async def test_kalaallisut_falls_back_to_danish_where_we_have_no_text(chat: ChatDriver) -> None:
    await chat.send("/start")
    replies = await chat.press("Kalaallisut")
    assert "Kommuni sorlermi najugaqarpit" in text_of(replies)  # onboarding is translated
    await chat.press("Sønderborg")
    await chat.press("Aap, qujanaq")
    replies = await chat.send("/volunteer")
    assert "Hvem vil du gerne hjælpe?" in text_of(replies)  # Danish fallback, never a raw key
    assert "matching." not in text_of(replies)


async def test_second_start_mid_onboarding_shows_the_current_step(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    replies = await chat.send("/start")
    assert "Hvilken kommune" in text_of(replies)


async def test_start_again_after_onboarding_keeps_everything(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    replies = await onboarded_chat.send("/start")
    assert "Sønderborg Kommune" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        user = uow.session.scalars(
            select(User).where(User.telegram_id == onboarded_chat.user_id)
        ).one()
        assert user.municipality_slug == "sonderborg" and user.onboarded


async def test_old_button_is_recognised_as_stale_and_the_current_step_shown(
    chat: ChatDriver,
) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    old_municipality_button = chat.payload_for("Sønderborg")
    await chat.press("Jammerbugt")
    replies = await chat.press_payload(old_municipality_button)
    assert "tidligere besked" in text_of(replies)
    assert "invitationer" in text_of(replies)  # still at the consent step, not moved back


async def test_forged_button_payload_changes_nothing(onboarded_chat: ChatDriver) -> None:
    for payload in ("garbage", "s999999:yes", "g:", "g:nosuchjourney:1", "s1:" + "x" * 70):
        replies = await onboarded_chat.press_payload(payload)
        assert replies, payload
        assert "Den knap hører til en tidligere besked" in text_of(replies), payload
        assert "Hvad vil du gerne gøre?" in text_of(replies), payload  # back at the menu


async def test_cancel_help_language_unknown_command(onboarded_chat: ChatDriver) -> None:
    assert "ikke noget i gang" in text_of(await onboarded_chat.send("/cancel"))
    assert "/volunteer" in text_of(await onboarded_chat.send("/help"))
    assert "/nosuch" in text_of(await onboarded_chat.send("/nosuch"))
    await onboarded_chat.send("/language")
    replies = await onboarded_chat.press("English")
    assert "The language is now English" in text_of(replies)
    assert "What would you like to do?" in text_of(replies)


async def test_stickers_and_overlong_text_get_an_answer_and_the_current_step(
    chat: ChatDriver,
) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    replies = await chat.send_unsupported()
    assert "Hvilken kommune" in text_of(replies)
    replies = await chat.send("😀" * 4096)
    assert "Hvilken kommune" in text_of(replies)


async def test_state_survives_a_restart(chat: ChatDriver, services: object) -> None:
    """A new Conversation on the same database (as after kill -9) continues at the same step."""
    from bot.app import build_conversation

    await chat.send("/start")
    await chat.press("English")
    fresh = ChatDriver(build_conversation(services), user_id=chat.user_id)  # type: ignore[arg-type]
    replies = await fresh.send("/start")
    assert "Which municipality" in text_of(replies)


async def test_a_failing_flow_rolls_back_and_tells_the_user(
    onboarded_chat: ChatDriver, conversation: Conversation, monkeypatch: object
) -> None:
    from bot.core.flows.menu import SettingsFlow

    async def boom(*_: object, **__: object) -> None:
        raise RuntimeError("flow bug")

    await onboarded_chat.press("Indstillinger")
    monkeypatch.setattr(SettingsFlow, "on_event", boom)  # type: ignore[attr-defined]
    with conversation.services.db.unit_of_work() as uow:
        before = uow.session.get(DialogueState, onboarded_chat.user_id)
        assert before is not None
        version_before = before.version
    replies = await onboarded_chat.press("Skift kommune")
    assert "noget gik galt" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        after = uow.session.get(DialogueState, onboarded_chat.user_id)
        assert after is not None and after.version == version_before and after.journey == "settings"


async def test_settings_toggle_notices_and_change_municipality(onboarded_chat: ChatDriver) -> None:
    await onboarded_chat.press("Indstillinger")
    replies = await onboarded_chat.press("Slå invitationer og nyheder fra")
    assert "Invitationer og nyheder: fra" in text_of(replies)
    await onboarded_chat.press("Skift kommune")
    replies = await onboarded_chat.press("Jammerbugt")
    assert "Kommune: Jammerbugt Kommune" in text_of(replies)
