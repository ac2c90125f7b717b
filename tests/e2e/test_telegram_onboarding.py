"""Onboarding through the real PTB Application against a local fake Bot API."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.channels.telegram import split_text
from bot.core.conversation import Conversation
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram import TelegramDriver, texts


async def test_onboarding_in_danish_through_telegram(telegram: TelegramDriver) -> None:
    calls = await telegram.send("/start")
    assert "velkommen" in texts(calls).lower()
    assert calls[-1].parse_mode == "HTML"
    calls = await telegram.press("Dansk")
    methods = [c.method for c in calls]
    assert methods[0] == "answerCallbackQuery"  # the spinner stops first
    assert "editMessageText" in methods  # the question replaces the language buttons
    assert "Hvilken kommune" in texts(calls)
    await telegram.press("Sønderborg")
    calls = await telegram.press("Ja tak")
    menu = [label for c in calls for label, _ in c.buttons]
    assert any("frivillig" in label.lower() for label in menu)
    assert any("§ 18" in label for label in menu)
    assert any("møde" in label.lower() for label in menu)


async def test_onboarding_in_english_through_telegram(
    telegram_app: Application, bot_api: FakeBotApi
) -> None:  # type: ignore[type-arg]
    driver = TelegramDriver(telegram_app, bot_api, bot_api.user(6161, language_code="en-GB"))
    calls = await driver.send("/start")
    assert "welcome" in texts(calls).lower()  # Telegram's language code picks the greeting
    await driver.press("English")
    await driver.press("Jammerbugt")
    calls = await driver.press("No thanks")
    menu = " ".join(label for c in calls for label, _ in c.buttons).lower()
    assert "volunteer" in menu and "grant" in menu and "meeting" in menu


async def test_every_button_press_is_answered_even_a_forged_one(telegram: TelegramDriver) -> None:
    await telegram.send("/start")
    # A forged value on the current step's version reaches the flow, which refuses it.
    calls = await telegram.press_data("s1:evil'; DROP TABLE app_user;--")
    assert calls[0].method == "answerCallbackQuery"
    assert "hvilket sprog du mener" in texts(calls)
    # A forged version is a button from some other message.
    calls = await telegram.press_data("s99:evil'; DROP TABLE app_user;--")
    assert calls[0].method == "answerCallbackQuery"
    assert "tidligere besked" in texts(calls)
    # Nothing was dropped or moved: the chat still picks a language.
    calls = await telegram.send("dansk")
    assert "kommune" in texts(calls).lower()


async def test_commands_are_registered_per_language(
    telegram_app: Application, bot_api: FakeBotApi
) -> None:  # type: ignore[type-arg]
    from bot.channels.telegram import register_commands

    await register_commands(telegram_app)
    registered = [c for c in bot_api.calls if c.method == "setMyCommands"]
    assert len(registered) == 2
    by_language = {c.params.get("language_code"): c for c in registered}
    names = {c["command"] for c in by_language[None].commands}
    assert {
        "menu",
        "start",
        "help",
        "volunteer",
        "apply",
        "meetings",
        "award",
        "consultations",
        "company",
        "language",
        "cancel",
        "mydata",
        "deletedata",
        "staff",
    } == names
    assert any(c["description"] == "Change language" for c in by_language["en"].commands)


async def test_stickers_photos_and_voice_get_a_helpful_answer(telegram: TelegramDriver) -> None:
    await telegram.send("/start")
    sticker = telegram.user.message(
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    )
    calls = await telegram.send_update(sticker)
    assert "ikke billeder, stickers" in texts(calls)
    assert "velkommen" in texts(calls).lower()  # and the current step again


async def test_user_text_is_escaped_in_html(telegram: TelegramDriver) -> None:
    await telegram.send("/start")
    await telegram.press("Dansk")
    calls = await telegram.send("<b>Atlantis</b> & co")
    assert "&lt;b&gt;Atlantis&lt;/b&gt; &amp; co" in texts(calls)


async def test_long_polling_onboards_like_telegram_would(
    settings: object, conversation: object, bot_api: FakeBotApi
) -> None:
    """The real update loop: getUpdates from the fake server, replies back to it."""
    from bot.channels.telegram import build_application

    settings.telegram_api_base_url = bot_api.base_url  # type: ignore[attr-defined]
    app = build_application(settings, conversation, rate_limiter=False)  # type: ignore[arg-type]
    user = bot_api.user(7171)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        bot_api.push_update(user.text("/start"))
        for _ in range(100):
            if bot_api.sent(user.user_id):
                break
            await asyncio.sleep(0.05)
        await app.updater.stop()
        await app.stop()
    assert "velkommen" in texts(bot_api.sent(user.user_id)).lower()


def test_long_text_is_split_under_telegrams_limit() -> None:
    parts = split_text("linje\n" * 2000)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert split_text("x" * 9000)[0] == "x" * 4096


async def test_staff_see_a_staff_button_on_the_menu_and_citizens_do_not(
    telegram: TelegramDriver,
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7005, municipality_slug="sonderborg"))
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7005, language_code="da"))
    await staff.onboard()
    calls = await staff.send("/menu")
    assert "🛠 For medarbejdere" in [label for c in calls for label, _ in c.buttons]
    calls = await staff.press("🛠 For medarbejdere")
    assert "Medarbejderværktøjer" in texts(calls)

    await telegram.onboard()
    calls = await telegram.send("/menu")
    menu = [label for c in calls for label, _ in c.buttons]
    assert "❓ Hjælp" in menu and not [label for label in menu if "medarbejdere" in label]
