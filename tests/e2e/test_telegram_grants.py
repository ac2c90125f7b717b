"""A complete § 18 application through the real PTB Application, with a kill and restart of the
bot in the middle of the form, and staff re-sending an attachment by its Telegram file id."""

from __future__ import annotations

from typing import Any

from bot.app import build_conversation
from bot.channels.telegram import build_application
from bot.config import Settings
from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.fakes.bot_api import Call, FakeBotApi, TelegramUser
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.grants.grant_chat import FEBRUARY, SONDERBORG_START


def _document(user: TelegramUser, file_id: str, name: str, size: int) -> dict[str, Any]:
    return user.message(
        document={
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": size,
        }
    )


async def _step(driver: TelegramDriver, how: str, what: str) -> list[Call]:
    return await (driver.send(what) if how == "send" else driver.press(what))


async def test_a_complete_application_survives_a_restart(
    telegram: TelegramDriver,
    services: Services,
    conversation: Conversation,
    settings: Settings,
    bot_api: FakeBotApi,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await telegram.send("/start")
    await telegram.press("Dansk")
    await telegram.press("Sønderborg")
    await telegram.press("Ja tak")
    calls = await telegram.press("§ 18")
    assert "Ansøgningsfristen er 1. marts 2027" in texts(calls)
    for _ in range(7):
        await telegram.press("Ja")
    half = len(SONDERBORG_START) // 2
    for how, what in SONDERBORG_START[:half]:
        await _step(telegram, how, what)

    # kill -9: the application and its conversation are gone; a new process starts.
    await telegram.app.shutdown()
    conversation = build_conversation(services)
    app = build_application(settings, conversation, rate_limiter=False)
    await app.initialize()
    try:
        revived = TelegramDriver(app, bot_api, telegram.user)
        calls = await revived.send("/apply")
        assert "Du har en kladde fra 1. februar" in texts(calls)
        assert f"spørgsmål {half + 1} af 17" in texts(calls)
        calls = await revived.press("Fortsæt, hvor jeg slap")
        assert f"Spørgsmål {half + 1} af 17" in texts(calls)
        for how, what in SONDERBORG_START[half:]:
            await _step(revived, how, what)
        await revived.send("Kaffe og kage: 2.500 kr")
        await revived.press("Færdig med budgettet")
        await revived.send("2.500 kr")
        await revived.press("Spring over")
        await revived.send_update(
            _document(revived.user, "BQACAgStatutes", "vedtaegter.pdf", 90_000)
        )
        calls = await revived.send_update(
            _document(revived.user, "BQACAgAccounts", "regnskab.pdf", 80_000)
        )
        assert "Tjek jeres ansøgning" in texts(calls) and "Mette Jensen" in texts(calls)
        await revived.press("Videre til erklæringen")
        calls = await revived.press("Ja, det erklærer jeg")
        assert "SON-2027-0001" in texts(calls)
        [pdf] = [c for c in calls if c.method == "sendDocument"]
        assert pdf.document_name == "SON-2027-0001.pdf"
        assert (pdf.document_content or b"").startswith(b"%PDF")

        # Staff open it and have the statutes sent to them by Telegram file id.
        with transaction(services.db) as session:
            session.add(StaffRole(telegram_id=9090, municipality_slug="sonderborg"))
        staff = TelegramDriver(app, bot_api, bot_api.user(9090))
        await staff.send("/start")
        await staff.press("Dansk")
        await staff.press("Sønderborg")
        await staff.press("Nej tak")
        await staff.send("/staff")
        await staff.press("§ 18")
        await staff.press("SON-2027-0001")
        calls = await staff.press("Vedtægter")
        [sent] = [c for c in calls if c.method == "sendDocument"]
        assert sent.document_file_id == "BQACAgStatutes"
    finally:
        await app.shutdown()


async def test_a_second_tap_on_submit_says_the_application_was_already_sent(
    telegram: TelegramDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await telegram.onboard()
    await telegram.press("§ 18")
    for _ in range(7):
        await telegram.press("Ja")
    for how, what in SONDERBORG_START:
        await _step(telegram, how, what)
    await telegram.send("Kaffe og kage: 2.500 kr")
    await telegram.press("Færdig med budgettet")
    await telegram.send("2.500 kr")
    await telegram.press("Spring over")
    await telegram.send_update(_document(telegram.user, "BQACAgStatutes", "vedtaegter.pdf", 90_000))
    await telegram.send_update(_document(telegram.user, "BQACAgAccounts", "regnskab.pdf", 80_000))
    await telegram.press("Videre til erklæringen")
    call, data = telegram.last_with_button("Ja, det erklærer jeg")
    message_id = call.message_id or call.edited_message_id or 0

    first = await telegram.send_update(telegram.user.callback(data, message_id))
    second = await telegram.send_update(telegram.user.callback(data, message_id))

    assert "SON-2027-0001" in texts(first)
    assert "Ansøgningen er allerede sendt (referencenummer SON-2027-0001)" in texts(second)
    assert "tidligere besked" not in texts(second)
    assert not [c for c in second if c.method == "sendDocument"]  # nothing new was sent
    receipt = await telegram.press("Kvittering")
    [pdf] = [c for c in receipt if c.method == "sendDocument"]
    assert pdf.document_name == "SON-2027-0001.pdf"


async def test_an_edited_e_mail_answer_is_used_instead_of_the_typo(
    telegram: TelegramDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await telegram.onboard()
    await telegram.press("§ 18")
    for _ in range(7):
        await telegram.press("Ja")
    email_at = [what for _, what in SONDERBORG_START].index("formand@besogsvenner.dk")
    for how, what in SONDERBORG_START[:email_at]:
        await _step(telegram, how, what)
    typo = telegram.user.text("formand@besogsvener.dk")
    await telegram.send_update(typo)

    calls = await telegram.send_update(telegram.user.edit(typo, text="formand@besogsvenner.dk"))

    assert "jeg bruger den rettede besked" in texts(calls)
    for how, what in SONDERBORG_START[email_at + 1 :]:
        await _step(telegram, how, what)
    await telegram.send("Kaffe og kage: 2.500 kr")
    await telegram.press("Færdig med budgettet")
    await telegram.send("2.500 kr")
    await telegram.press("Spring over")
    await telegram.send_update(_document(telegram.user, "BQACAgStatutes", "vedtaegter.pdf", 90_000))
    calls = await telegram.send_update(
        _document(telegram.user, "BQACAgAccounts", "regnskab.pdf", 80_000)
    )
    assert "Tjek jeres ansøgning" in texts(calls)
    assert "formand@besogsvenner.dk" in texts(calls)
    assert "besogsvener.dk" not in texts(calls)


async def test_an_edit_of_an_older_message_is_answered_once_with_what_to_do(
    telegram: TelegramDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await telegram.onboard()
    await telegram.press("§ 18")
    for _ in range(7):
        await telegram.press("Ja")
    name = telegram.user.text("Sønderborg Besøgsvenner")
    await telegram.send_update(name)
    await telegram.send("12345674")
    await telegram.send("Mette Jensen")  # two answers later: the name is no longer editable

    calls = await telegram.send_update(telegram.user.edit(name, text="Besøgsvennerne"))

    sent = [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    assert len(sent) == 1 and "kun bruge en rettelse af dit seneste svar" in sent[0].text


async def test_a_live_location_update_stays_silent(
    telegram: TelegramDriver, bot_api: FakeBotApi
) -> None:
    await telegram.onboard()
    shared = telegram.user.message(location={"latitude": 54.9, "longitude": 9.8})
    await telegram.send_update(shared)

    calls = await telegram.send_update(
        telegram.user.edit(shared, location={"latitude": 54.91, "longitude": 9.81})
    )

    assert [c for c in calls if c.method != "answerCallbackQuery"] == []


async def test_an_amount_with_the_currency_first_is_read_and_echoed(
    telegram: TelegramDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await telegram.onboard()
    await telegram.press("§ 18")
    for _ in range(7):
        await telegram.press("Ja")
    for how, what in SONDERBORG_START:
        await _step(telegram, how, what)
    calls = await telegram.send("Leje af bus: 4.500,-")
    assert "Noteret: Leje af bus: 4.500 kr." in texts(calls)
    await telegram.press("Færdig med budgettet")
    calls = await telegram.send("kr. 2.000")
    assert "Noteret: 2.000 kr." in texts(calls)
    assert "Tilskud fra andre" in texts(calls)
    calls = await telegram.send("12.50")
    assert "Mente du »1.250 kr.« eller »12,50 kr.«?" in texts(calls)
    calls = await telegram.press("12,50 kr.")
    assert "Noteret: 12,50 kr." in texts(calls)
