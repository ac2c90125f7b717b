"""Consultations through the conversation core: Sermersooq staff send one with a document to the
association chairs; a chair answers with text and a file, changes the answer, is refused after
the deadline; the reminder goes only to those who have not answered (checked again at send time);
staff see and export the answers and thank those who answered; privacy export and erasure."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.consultations import service
from bot.consultations.models import ConsultationAnswer
from bot.core.conversation import Conversation
from bot.core.events import IncomingDocument
from bot.delivery.checks import still_applies
from bot.matching.models import Association
from bot.privacy.service import erase_user, export_user_data
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import OutboxMessage, StaffRole, User
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=utcnow().tzinfo)
STAFF = 7201
CHAIRS = (4401, 4402)
PROPOSAL = IncomingDocument("BQACAgProposal", "frivilligstrategi.pdf", "application/pdf", 90_000)
ANSWER_FILE = IncomingDocument("BQACAgAnswer", "hoeringssvar.pdf", "application/pdf", 40_000)


@pytest.fixture
def frozen(clock: FakeClock, no_flood_limit: None) -> datetime:
    return clock.set(NOW)


async def sermersooq_user(conversation: Conversation, user_id: int) -> ChatDriver:
    chat = ChatDriver(conversation, user_id=user_id)
    await chat.onboard("Kommuneqarfik Sermersooq")
    return chat


def link_chairs(conversation: Conversation) -> None:
    with transaction(conversation.services.db) as session:
        for number, telegram_id in enumerate(CHAIRS, start=1):
            session.add(
                Association(
                    key=f"test-ser-{number}",
                    municipality_slug="sermersooq",
                    name=f"Testforening {number}",
                    contact_telegram_id=telegram_id,
                )
            )


async def send_consultation(conversation: Conversation) -> tuple[ChatDriver, int]:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=STAFF, municipality_slug="sermersooq"))
    staff = await sermersooq_user(conversation, STAFF)
    await staff.send("/staff")
    await staff.press("Høringer")
    await staff.press("Ny høring")
    await staff.send("Ny frivilligstrategi 2027-2030")
    await staff.send("Kommunen foreslår en ny strategi for frivilligt socialt arbejde.")
    replies = await staff.send("her er den")
    assert "Send materialet som en fil" in text_of(replies)
    await staff.send_document(PROPOSAL)
    await staff.send("1/3-2027")
    replies = await staff.send("til foreningerne")  # typed at a button step: the draft stays
    assert "Kladden er gemt" in text_of(replies)
    replies = await staff.press("Foreningernes formænd")
    assert any(r.document and r.document.file_id == "BQACAgProposal" for r in replies)
    assert "sendes til 2 modtagere" in text_of(replies)
    replies = await staff.press("Send til 2")
    assert "på vej til 2 modtagere" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        consultation_id = uow.session.scalars(select(service.Consultation.id)).one()
    return staff, consultation_id


async def test_a_chair_answers_with_text_and_a_file_and_may_change_it_until_the_deadline(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    chairs = [await sermersooq_user(conversation, telegram_id) for telegram_id in CHAIRS]
    link_chairs(conversation)
    _, consultation_id = await send_consultation(conversation)
    with conversation.services.db.unit_of_work() as uow:
        queued = {
            row.chat_id: row
            for row in uow.session.scalars(select(OutboxMessage))
            if "Høring: Ny frivilligstrategi" in row.text
        }
        assert set(queued) == set(CHAIRS)
        payload = queued[CHAIRS[0]].buttons[0][0]["payload"]
    assert payload == f"g:consultations:open:{consultation_id}"

    chair = chairs[0]
    replies = await chair.press_payload(payload)
    assert "Svarfrist: mandag den 1. marts 2027 kl. 23.59" in text_of(replies)
    replies = await chair.press("Hent høringsmaterialet")
    assert replies[0].document is not None and replies[0].document.file_id == "BQACAgProposal"
    await chair.press("Svar på høringen")
    replies = await chair.send("Vi støtter strategien, men savner midler til transport.")
    assert "Send svaret" in labels_of(replies)[0]
    await chair.send_document(ANSWER_FILE)
    replies = await chair.press("Send svaret")
    assert "Kommunen har modtaget dit svar" in text_of(replies)
    assert "hoeringssvar.pdf" in text_of(replies)

    replies = await chair.press("Ret dit svar")
    assert "hoeringssvar.pdf" in text_of(replies)  # changing starts from the answer given
    await chair.send("Nyt svar: vi støtter strategien.")
    await chair.press("Fjern filen")
    replies = await chair.press("Send svaret")
    assert "er rettet" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        answers = [
            (a.text, a.file_id, a.association)
            for a in uow.session.scalars(select(ConsultationAnswer))
        ]
    assert answers == [("Nyt svar: vi støtter strategien.", None, "Testforening 1")]

    clock.set(datetime(2027, 3, 2, 12, 0, tzinfo=NOW.tzinfo))
    replies = await chair.press_payload(payload)
    assert "Ret dit svar" not in " ".join(labels_of(replies))


async def test_only_recipients_can_open_a_consultation(
    conversation: Conversation, frozen: datetime
) -> None:
    link_chairs(conversation)
    for telegram_id in CHAIRS:
        await sermersooq_user(conversation, telegram_id)
    _, consultation_id = await send_consultation(conversation)
    outsider = await sermersooq_user(conversation, 4499)
    replies = await outsider.press_payload(f"g:consultations:open:{consultation_id}")
    assert "kan jeg ikke finde" in text_of(replies)
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == 4499)).one()
        with pytest.raises(service.NotFoundError):
            service.give_answer(
                session, consultation_id, user, text="x", file_id=None, file_name=None, now=NOW
            )


async def test_the_reminder_goes_only_to_those_who_have_not_answered(
    conversation: Conversation, frozen: datetime
) -> None:
    chairs = [await sermersooq_user(conversation, telegram_id) for telegram_id in CHAIRS]
    link_chairs(conversation)
    _, consultation_id = await send_consultation(conversation)
    await chairs[0].press_payload(f"g:consultations:open:{consultation_id}")
    await chairs[0].press("Svar på høringen")
    await chairs[0].send("Vi er enige.")
    await chairs[0].press("Send svaret")
    db = conversation.services.db
    with transaction(db) as session:
        assert service.queue_reminders(session, NOW, municipalities=["sermersooq"]) == 0
    due = datetime(2027, 2, 27, 12, 0, tzinfo=NOW.tzinfo)
    with transaction(db) as session:
        assert service.queue_reminders(session, due, municipalities=["sermersooq"]) == 1
        assert service.queue_reminders(session, due, municipalities=["sermersooq"]) == 0
    with db.unit_of_work() as uow:
        reminders = [
            row.chat_id
            for row in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == service.REMINDER_KIND)
            )
        ]
        assert reminders == [CHAIRS[1]]
        assert still_applies(uow.session, service.REMINDER_KIND, CHAIRS[1], consultation_id, due)
    # The second chair answers before the reminder leaves: it is not sent.
    await chairs[1].press_payload(f"g:consultations:open:{consultation_id}")
    await chairs[1].press("Svar på høringen")
    await chairs[1].send_document(ANSWER_FILE)
    await chairs[1].press("Send svaret")
    with db.unit_of_work() as uow:
        assert not still_applies(
            uow.session, service.REMINDER_KIND, CHAIRS[1], consultation_id, due
        )


async def test_staff_see_export_and_thank_after_the_deadline(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    chairs = [await sermersooq_user(conversation, telegram_id) for telegram_id in CHAIRS]
    link_chairs(conversation)
    staff, consultation_id = await send_consultation(conversation)
    await chairs[0].press_payload(f"g:consultations:open:{consultation_id}")
    await chairs[0].press("Svar på høringen")
    await chairs[0].send("=SUM(A1) er ikke en formel")
    await chairs[0].send_document(ANSWER_FILE)
    await chairs[0].press("Send svaret")

    await staff.send("/staff")
    await staff.press("Høringer")
    replies = await staff.press("Ny frivilligstrategi")
    assert "Svar: 1. Modtagere i alt: 2." in text_of(replies)
    assert "Testforening 1" in text_of(replies)
    assert not any("Send tak" in label for label in labels_of(replies))  # before the deadline
    replies = await staff.press("CSV")
    document = next(r.document for r in replies if r.document)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Nr.", "Afsender", "Forening", "Svar", "Fil", "Svartidspunkt"]
    assert rows[1][2:5] == ["Testforening 1", "'=SUM(A1) er ikke en formel", "hoeringssvar.pdf"]
    replies = await staff.press("Excel")
    document = next(r.document for r in replies if r.document)
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet is not None and sheet.cell(row=2, column=5).value == "hoeringssvar.pdf"
    replies = await staff.press("Hent filerne")
    assert [r.document.file_id for r in replies if r.document] == ["BQACAgAnswer"]

    clock.set(datetime(2027, 3, 2, 12, 0, tzinfo=NOW.tzinfo))
    await staff.press("Tilbage til høringerne")
    await staff.press("Ny frivilligstrategi")
    replies = await staff.press("Send tak til 1")
    assert "Takken er på vej til 1 modtager" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        thanked = [
            row.chat_id
            for row in uow.session.scalars(select(OutboxMessage))
            if "Tak for dit svar" in row.text
        ]
    assert thanked == [CHAIRS[0]]


async def test_answers_are_exported_and_erased_with_the_user(
    conversation: Conversation, frozen: datetime
) -> None:
    chairs = [await sermersooq_user(conversation, telegram_id) for telegram_id in CHAIRS]
    link_chairs(conversation)
    _, consultation_id = await send_consultation(conversation)
    await chairs[0].press_payload(f"g:consultations:open:{consultation_id}")
    await chairs[0].press("Svar på høringen")
    await chairs[0].send("Vi er enige.")
    await chairs[0].press("Send svaret")
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == CHAIRS[0])).one()
        exported = export_user_data(session, user, NOW)["sections"]["consultations"]
        assert exported["answers"][0]["text"] == "Vi er enige."
        assert exported["received"] == ["Ny frivilligstrategi 2027-2030"]
        erase_user(session, user, NOW + timedelta(days=1))
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalars(select(ConsultationAnswer)).first() is None
