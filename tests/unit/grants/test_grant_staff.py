"""Staff review of § 18 applications: only staff of that municipality, every change told to the
applicant, the applicant's answers and reports told to staff, exports for the committee."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.grants.models import GrantApplication, Status
from bot.grants.service import ApplicationNotFoundError
from bot.staff.access import NotStaffError
from bot.staff.models import AuditEntry
from bot.store.database import transaction
from bot.store.models import OutboxMessage, StaffRole
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock
from tests.unit.grants.grant_chat import (
    FEBRUARY,
    fill_rest,
    fill_until_budget,
    pass_eligibility,
)

STAFF_ID = 5000


async def _submitted(chat: ChatDriver) -> None:
    await chat.press("§ 18")
    await pass_eligibility(chat)
    await fill_until_budget(chat)
    await fill_rest(chat)
    await chat.press("Videre til erklæringen")
    await chat.press("Ja, det erklærer jeg")


@pytest.fixture
async def setup(
    onboarded_chat: ChatDriver,
    services: Services,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> tuple[ChatDriver, ChatDriver]:
    clock.set(FEBRUARY)
    await _submitted(onboarded_chat)
    with transaction(services.db) as session:
        session.add(StaffRole(telegram_id=STAFF_ID, municipality_slug="sonderborg"))
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    return onboarded_chat, staff


def _outbox(services: Services, chat_id: int) -> list[OutboxMessage]:
    with transaction(services.db) as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id)
            )
        )


def _app(services: Services) -> GrantApplication:
    with transaction(services.db) as session:
        return session.scalars(select(GrantApplication)).one()


async def _open_review(staff: ChatDriver) -> list:
    await staff.send("/staff")
    return await staff.press("§ 18")


async def test_staff_approve_and_the_applicant_is_told(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    chair, staff = setup
    replies = await _open_review(staff)
    assert "SON-2027-0001" in text_of(replies) and "Sønderborg Besøgsvenner" in text_of(replies)
    replies = await staff.press("SON-2027-0001")
    text = text_of(replies)
    assert "12345674" in text and "formand@besogsvenner.dk" in text
    assert "📎 Vedtægter" in labels_of(replies)
    replies = await staff.press("📎 Vedtægter")
    document = replies[0].document
    assert document is not None and document.file_id == "tg-file-statutes"
    await staff.press("Bevilg")
    replies = await staff.send("-5 kr")
    # The minus is neither dropped nor met with a vague "write an amount".
    assert "kan ikke være negativt (du skrev -5 kr.)" in text_of(replies)
    replies = await staff.send("65.00")
    assert "Mente du »6.500 kr.« eller »65 kr.«?" in text_of(replies)
    assert _app(services).amount_granted is None
    replies = await staff.press("6.500 kr.")
    assert "6.500 kr. er bevilget" in text_of(replies)
    app = _app(services)
    assert app.status == Status.APPROVED.value and app.amount_granted == 650_000
    with transaction(services.db) as session:
        [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.actor_telegram_id, entry.action, entry.channel) == (STAFF_ID, "approve", "chat")
    assert entry.subject_id == app.id and entry.detail == {"amount": 650_000}
    [told] = _outbox(services, chair.user_id)
    assert "er bevilget" in told.text and "6.500 kr." in told.text and "1. marts 2028" in told.text
    assert "som udbetales til foreningens NemKonto" in told.text  # Sønderborg's own words
    # The applicant reports on the use of the money from the notification's button.
    replies = await chair.press_payload(told.buttons[0][0]["payload"])
    assert "Status: bevilget" in text_of(replies)
    await chair.press("Afrapportér")
    await chair.send("Vi holdt 40 besøg og en sommerudflugt.")
    replies = await chair.send("abc")
    assert "Skriv et beløb" in text_of(replies)
    replies = await chair.send("-6.000 kr")
    assert "kan ikke være negativt" in text_of(replies)
    replies = await chair.send("60.00")
    assert "Mente du »6.000 kr.« eller »60 kr.«?" in text_of(replies)
    replies = await chair.press("6.000 kr.")
    assert "Noteret: 6.000 kr." in text_of(replies) and "tilbage" in text_of(replies)
    replies = await chair.send("500 kr")
    assert "500 kr." in text_of(replies) and "I ikke har brugt, tilbage" in text_of(replies)
    app = _app(services)
    assert app.status == Status.REPORTED.value
    assert app.report == {
        "done": "Vi holdt 40 besøg og en sommerudflugt.",
        "spent": 600_000,
        "left": 50_000,
    }
    assert "Afrapportering modtaget" in _outbox(services, STAFF_ID)[-1].text


async def test_staff_ask_for_more_information_and_the_applicant_answers_in_chat(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    chair, staff = setup
    await _open_review(staff)
    await staff.press("SON-2027-0001")
    await staff.press("Bed om flere oplysninger")
    await staff.send("Hvor mange besøg gav I sidste år?")
    assert _app(services).status == Status.INFO_REQUESTED.value
    [asked] = _outbox(services, chair.user_id)
    assert "Hvor mange besøg gav I sidste år?" in asked.text
    assert asked.buttons[0][0]["label"] == "Svar på spørgsmålet"
    replies = await chair.press_payload(asked.buttons[0][0]["payload"])
    assert "Skriv dit svar" in text_of(replies)
    replies = await chair.send("Omkring 300 besøg.")
    assert "Dit svar er sendt" in text_of(replies)
    assert _app(services).status == Status.SUBMITTED.value
    [told] = _outbox(services, STAFF_ID)
    assert "Omkring 300 besøg." in told.text
    replies = await staff.press_payload(told.buttons[0][0]["payload"])
    assert "Ansøgeren svarede: Omkring 300 besøg." in text_of(replies)
    await staff.press("Giv afslag")
    await staff.send("Puljen er brugt op i år.")
    assert _app(services).status == Status.REJECTED.value
    assert "Puljen er brugt op i år." in _outbox(services, chair.user_id)[-1].text


async def test_export_a_round_as_csv_and_xlsx(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    _, staff = setup
    await _open_review(staff)
    replies = await staff.press("CSV")
    document = next(r.document for r in replies if r.document)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Referencenummer", "Ansøger"]
    assert rows[1][:2] == ["SON-2027-0001", "Sønderborg Besøgsvenner"]
    replies = await staff.press("Excel")
    document = next(r.document for r in replies if r.document)
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet["A2"].value == "SON-2027-0001"


async def test_staff_read_the_day_it_was_sent_on_the_municipalitys_calendar(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    """Sent at 00:30 on 1 February in Sønderborg (23:30 UTC the day before): the review and the
    committee's export say 1 February, as the chair's receipt did, not 31 January."""
    _, staff = setup
    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        app.submitted_at = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    await _open_review(staff)
    replies = await staff.press("SON-2027-0001")
    assert "indsendt 1. februar 2027" in text_of(replies)
    await _open_review(staff)
    replies = await staff.press("CSV")
    document = next(r.document for r in replies if r.document)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][rows[0].index("Indsendt")] == "2027-02-01"


async def test_a_citizen_cannot_open_the_review(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    chair, _ = setup
    app = _app(services)
    replies = await chair.press_payload(f"g:staff_grants:open:sonderborg:{app.id}")
    assert "kun for kommunens medarbejdere" in text_of(replies)
    assert "formand@" not in text_of(replies)


async def test_staff_of_another_municipality_see_and_change_nothing(
    setup: tuple[ChatDriver, ChatDriver], services: Services, conversation: Conversation
) -> None:
    with transaction(services.db) as session:
        session.add(StaffRole(telegram_id=6000, municipality_slug="tonder"))
    other = ChatDriver(conversation, user_id=6000)
    await other.onboard(municipality="Tønder")
    await other.send("/staff")
    replies = await other.press("§ 18")
    assert "SON-2027" not in text_of(replies)
    version = other.payload_for("CSV").split(":")[0]
    app = _app(services)
    replies = await other.press_payload(f"{version}:open:{app.id}")  # a forged id
    assert "Den ansøgning kan jeg ikke finde" in text_of(replies)
    assert "Besøgsvenner" not in text_of(replies)
    replies = await other.press_payload(f"g:staff_grants:open:sonderborg:{app.id}")
    assert "kun for kommunens medarbejdere" in text_of(replies)
    grants = services.grants
    now = datetime(2027, 2, 2, tzinfo=UTC)
    with transaction(services.db) as session:
        with pytest.raises(NotStaffError):
            grants.approve(session, 6000, "sonderborg", app.id, 100, now)
        with pytest.raises(ApplicationNotFoundError):
            grants.approve(session, 6000, "tonder", app.id, 100, now)
        with pytest.raises(NotStaffError):
            grants.staff_list(session, 6000, "sonderborg", None, None)
    assert _app(services).status == Status.SUBMITTED.value


async def test_a_double_tap_on_approve_in_full_approves_once_and_says_so(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    chair, staff = setup
    await _open_review(staff)
    await staff.press("SON-2027-0001")
    await staff.press("Bevilg")
    full = staff.payload_for("Bevilg det ansøgte")

    await staff.press_payload(full)
    replies = await staff.press_payload(full)

    assert "allerede bevilget" in text_of(replies)
    assert len(_outbox(services, chair.user_id)) == 1  # the applicant is told once


async def test_a_reason_too_long_is_asked_again_and_a_decision_made_meanwhile_shows_the_app(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    """A bad answer and a refusal are both `InvalidInput`; the first asks again, the second
    (another staff member decided first) shows the application and changes nothing."""
    chair, staff = setup
    await _open_review(staff)
    await staff.press("SON-2027-0001")
    await staff.press("Giv afslag")

    replies = await staff.send("x" * 1501)
    assert "Teksten er 1501 tegn" in text_of(replies)
    assert "Hvorfor får SON-2027-0001 afslag?" in text_of(replies)

    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        app.status = Status.APPROVED.value
    replies = await staff.send("Puljen er brugt op i år.")
    assert "Der er allerede truffet afgørelse om den ansøgning." in text_of(replies)
    assert "Hvorfor får" not in text_of(replies)
    assert "SON-2027-0001" in text_of(replies)
    assert _app(services).status == Status.APPROVED.value
    assert _outbox(services, chair.user_id) == []


async def test_an_answer_staff_no_longer_waits_for_is_refused_and_the_application_shown(
    setup: tuple[ChatDriver, ChatDriver], services: Services
) -> None:
    chair, staff = setup
    await _open_review(staff)
    await staff.press("SON-2027-0001")
    await staff.press("Bed om flere oplysninger")
    await staff.send("Hvor mange besøg gav I sidste år?")
    [asked] = _outbox(services, chair.user_id)
    await chair.press_payload(asked.buttons[0][0]["payload"])
    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        app.status = Status.REJECTED.value

    replies = await chair.send("Omkring 300 besøg.")

    assert "Kommunen venter ikke på et svar på den ansøgning lige nu." in text_of(replies)
    assert "SON-2027-0001" in text_of(replies)  # the application, as it is now
    assert _outbox(services, STAFF_ID) == []


async def test_a_sermersooq_grant_is_paid_to_a_bank_account_not_a_nemkonto(
    onboarded_chat: ChatDriver,
    services: Services,
    conversation: Conversation,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    """The decision names how the application's municipality pays (issue 16 §2): Sermersooq pays
    associations, groups and individuals, so not »foreningens NemKonto«; its staff hub names its
    own applications, not »§ 18-ansøgninger«."""
    clock.set(FEBRUARY)
    await _submitted(onboarded_chat)
    with transaction(services.db) as session:
        # The same application, as if sent in Sermersooq (its answers fit either form's review).
        session.scalars(select(GrantApplication)).one().municipality_slug = "sermersooq"
        session.add(StaffRole(telegram_id=STAFF_ID, municipality_slug="sermersooq"))
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard("Sermersooq")
    replies = await staff.send("/staff")
    assert "📝 Ansøgninger om tilskud" in labels_of(replies)
    replies = await staff.press("Ansøgninger om tilskud")
    assert "<b>Ansøgninger om tilskud – Kommuneqarfik Sermersooq</b>" in text_of(replies)
    await staff.press("SON-2027-0001")
    await staff.press("Bevilg")
    await staff.send("6.500 kr.")
    [told] = _outbox(services, onboarded_chat.user_id)
    assert "som udbetales til foreningens, gruppens eller ansøgerens bankkonto" in told.text
    assert "NemKonto" not in told.text
