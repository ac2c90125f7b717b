"""The volunteer award and consultations through the real PTB Application against the fake Bot
API: a Solrød citizen nominates someone and staff see the nomination; a Sermersooq staff member
sends a consultation with a document, the dispatcher delivers it, an association chair answers
with a file before the deadline, and the reminder goes only to the chair who has not answered."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select
from telegram.ext import Application

from bot.award.models import AwardNomination
from bot.consultations import service as consultations
from bot.core.conversation import Conversation
from bot.delivery.dispatcher import run_dispatcher
from bot.matching.models import Association
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import OutboxMessage, StaffRole
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver, texts

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=utcnow().tzinfo)


async def _dispatch(app: Application, conversation: Conversation, clock: FakeClock) -> None:  # type: ignore[type-arg]
    """Run the outbox dispatcher until nothing is left to send."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_dispatcher(
            app.bot, conversation.services.db, rate=50, stop_event=stop, poll_interval=0.05,
            clock=clock,
        )
    )  # fmt: skip
    for _ in range(200):
        with conversation.services.db.unit_of_work() as uow:
            pending = uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_(("pending", "sending"))
                )
            )
        if not pending:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_a_solrod_citizen_nominates_someone_and_staff_see_the_nomination(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7301, municipality_slug="solrod"))
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7301, language_code="da"))
    await staff.onboard("Solrød")
    await staff.send("/staff")
    await staff.press("Frivillighedsprisen")
    await staff.press("Åbn for indstillinger")
    await staff.send("Frivillighedsprisen 2027")
    calls = await staff.send("15/3-2027")
    assert "Der er åbent for indstillinger" in texts(calls)

    citizen = TelegramDriver(telegram_app, bot_api, bot_api.user(5301, language_code="da"))
    await citizen.onboard("Solrød")
    calls = await citizen.press("Indstil til frivillighedsprisen")
    assert "Solrød Kommunes Frivillighedspris" in texts(calls)
    await citizen.press("Indstil en kandidat")
    await citizen.press("En gruppe")
    await citizen.send("Strikkecaféen i Jersie")
    await citizen.send("De strikker huer til nyfødte og besøger beboerne på plejecentret hver uge.")
    await citizen.send("Hanne Møller")
    await citizen.send("hanne@example.dk")
    calls = await citizen.press("Nej")
    assert "Strikkecaféen i Jersie (gruppe)" in texts(calls)
    calls = await citizen.press("Send indstillingen")
    assert "Kommunen har modtaget din indstilling af Strikkecaféen i Jersie" in texts(calls)
    again = await citizen.press("Send indstillingen")  # a second tap on the same button
    assert "allerede sendt" in texts(again)

    await staff.send("/staff")
    calls = await staff.press("Frivillighedsprisen")
    assert "1 indstilling. Nomineret: 0." in texts(calls)
    await staff.press("Se indstillingerne")
    calls = await staff.press("Strikkecaféen")
    assert "Indstillet af: Hanne Møller, hanne@example.dk" in texts(calls)
    assert "Kommunen må kontakte kandidaten: Nej" in texts(calls)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(AwardNomination.id))) == 1


async def test_a_consultation_with_a_document_is_answered_with_a_file_and_reminded_to_the_rest(
    telegram_app: Application,  # type: ignore[type-arg]
    bot_api: FakeBotApi,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(NOW)
    chair_ids = (5401, 5402)
    chairs = [
        TelegramDriver(
            telegram_app, bot_api, bot_api.user(i, language_code="da", first_name=f"Formand {n}")
        )
        for n, i in enumerate(chair_ids, start=1)
    ]
    for chair in chairs:
        await chair.onboard("Kommuneqarfik Sermersooq")
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=7401, municipality_slug="sermersooq"))
        for n, telegram_id in enumerate(chair_ids, start=1):
            session.add(
                Association(
                    key=f"e2e-ser-{n}", municipality_slug="sermersooq", name=f"Forening {n}",
                    contact_telegram_id=telegram_id,
                )
            )  # fmt: skip
    staff = TelegramDriver(telegram_app, bot_api, bot_api.user(7401, language_code="da"))
    await staff.onboard("Kommuneqarfik Sermersooq")
    await staff.send("/staff")
    await staff.press("Høringer")
    await staff.press("Ny høring")
    await staff.send("Ny frivilligstrategi 2027-2030")
    await staff.send("Kommunen foreslår en ny strategi for frivilligt socialt arbejde.")
    await staff.send_update(
        staff.user.document("BQACAgStrategy", "strategi.pdf", mime_type="application/pdf")
    )
    calls = await staff.send("1/3-2027")
    assert "Hvem skal høringen sendes til?" in texts(calls)
    calls = await staff.press("Foreningernes formænd")
    preview = [c for c in calls if c.method == "sendDocument"]
    assert [c.document_file_id for c in preview] == ["BQACAgStrategy"]
    calls = await staff.press("Send til 2")
    assert "på vej til 2 modtagere" in texts(calls)

    await _dispatch(telegram_app, conversation, clock)
    for chair_id in chair_ids:
        invitation = [c for c in bot_api.sent(chair_id) if "Høring: Ny frivilligstrategi" in c.text]
        assert len(invitation) == 1
        assert invitation[0].buttons[0][0] == "📝 Læs og svar"

    chair = chairs[0]
    calls = await chair.press("Læs og svar")
    assert "Svarfrist: mandag den 1. marts 2027 kl. 23.59" in texts(calls)
    calls = await chair.press("Hent høringsmaterialet")
    assert [c.document_file_id for c in calls if c.method == "sendDocument"] == ["BQACAgStrategy"]
    await chair.press("Svar på høringen")
    await chair.send_update(
        chair.user.document("BQACAgAnswer", "svar.pdf", mime_type="application/pdf")
    )
    calls = await chair.press("Send svaret")
    assert "Kommunen har modtaget dit svar på høringen" in texts(calls)

    # Three days before the deadline the daily job reminds the chair who has not answered.
    due = datetime(2027, 2, 27, 12, 0, tzinfo=NOW.tzinfo)
    clock.set(due)
    with transaction(conversation.services.db) as session:
        assert consultations.queue_reminders(session, due, municipalities=["sermersooq"]) == 1
    await _dispatch(telegram_app, conversation, clock)
    reminded = {
        chat_id: [c for c in bot_api.sent(chat_id) if "Husk høringen" in c.text]
        for chat_id in chair_ids
    }
    assert (len(reminded[chair_ids[0]]), len(reminded[chair_ids[1]])) == (0, 1)

    await staff.send("/staff")
    await staff.press("Høringer")
    calls = await staff.press("Ny frivilligstrategi")
    assert "Formand 1 (Forening 1)" in texts(calls) and "svar.pdf" in texts(calls)
    calls = await staff.press("Hent filerne")
    assert [c.document_file_id for c in calls if c.method == "sendDocument"] == ["BQACAgAnswer"]
