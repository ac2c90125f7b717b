"""The volunteer award through the conversation core: a Solrød citizen nominates (one question at
a time, with validation), staff open a round, shortlist, export and announce; the reminder goes
before the deadline to those who have not nominated, and is checked again at send time; the
nominations follow the privacy rules."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.award import service
from bot.award.models import AwardNomination, AwardRound
from bot.core.conversation import Conversation
from bot.delivery.checks import still_applies
from bot.delivery.models import Broadcast
from bot.privacy.service import erase_user, export_user_data
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import OutboxMessage, StaffRole, User
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=utcnow().tzinfo)
STAFF = 7101
DEADLINE = datetime(2027, 3, 15, 22, 59, tzinfo=utcnow().tzinfo)  # 23.59 in Copenhagen


@pytest.fixture
def frozen(clock: FakeClock, no_flood_limit: None) -> datetime:
    return clock.set(NOW)


def open_round(conversation: Conversation, deadline: datetime = DEADLINE) -> int:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=STAFF, municipality_slug="solrod"))
        session.flush()
        award_round = service.start_round(
            session, STAFF, "solrod", "Frivillighedsprisen 2027", deadline, NOW
        )
        return award_round.id


async def solrod_citizen(conversation: Conversation, user_id: int = 4301) -> ChatDriver:
    chat = ChatDriver(conversation, user_id=user_id)
    await chat.onboard("Solrød")
    return chat


async def nominate(chat: ChatDriver) -> list[object]:
    await chat.press("Indstil til frivillighedsprisen")
    await chat.press("Indstil en kandidat")
    await chat.press("En person")
    await chat.send("Karen Jensen")
    await chat.send("Karen har i ti år kørt besøgsvenner til ældre i Havdrup hver uge.")
    await chat.send("Ole Hansen")
    await chat.send("ole@example.dk")
    return await chat.press("Ja")  # type: ignore[return-value]


async def test_a_solrod_citizen_nominates_someone_and_gets_a_receipt(
    conversation: Conversation, frozen: datetime
) -> None:
    open_round(conversation)
    chat = await solrod_citizen(conversation)
    replies = await chat.press("Indstil til frivillighedsprisen")
    assert "Solrød Kommunes Frivillighedspris" in text_of(replies)
    assert "mandag den 15. marts 2027 kl. 23.59" in text_of(replies)
    await chat.press("Indstil en kandidat")
    replies = await chat.send("Karen")  # typed where the buttons are the answer
    assert "Brug knapperne" in text_of(replies)
    await chat.press("En person")
    replies = await chat.send("Karen Jensen")
    assert "Hvad har Karen Jensen gjort?" in text_of(replies)
    replies = await chat.send("Hun er sød")
    assert "mellem 20 og 3000 tegn" in text_of(replies)
    await chat.send("Karen har i ti år kørt besøgsvenner til ældre i Havdrup hver uge.")
    await chat.send("Ole Hansen")
    replies = await chat.send("ikke en mail")
    assert "hverken en e-mailadresse eller et telefonnummer" in text_of(replies)
    await chat.send("22 33 44 55")
    replies = await chat.send("ja")  # typed, as well as pressed
    summary = text_of(replies)
    assert "Karen Jensen (person)" in summary and "+45 22 33 44 55" in summary
    await chat.press("Ret et svar")
    await chat.press("Dit navn")
    replies = await chat.send("Ole B. Hansen")
    assert "Ole B. Hansen" in text_of(replies) and "Er det rigtigt?" in text_of(replies)
    replies = await chat.press("Send indstillingen")
    assert "Kommunen har modtaget din indstilling af Karen Jensen" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        rows = [
            (r.nominee_name, r.nominator_name, r.may_contact_nominee)
            for r in uow.session.scalars(select(AwardNomination))
        ]
    assert rows == [("Karen Jensen", "Ole B. Hansen", True)]


async def test_the_award_is_offered_only_where_the_municipality_has_one(
    conversation: Conversation, frozen: datetime
) -> None:
    open_round(conversation)
    chat = ChatDriver(conversation, user_id=4302)
    await chat.onboard("Sønderborg")
    menu = await chat.send("/start")
    assert not any("frivillighedsprisen" in label.lower() for label in labels_of(menu))
    replies = await chat.send("/award")
    assert "uddeler ikke en frivillighedspris" in text_of(replies)


async def test_without_an_open_round_the_citizen_is_told_so(
    conversation: Conversation, frozen: datetime
) -> None:
    chat = await solrod_citizen(conversation)
    replies = await chat.press("Indstil til frivillighedsprisen")
    assert "ikke åbent for indstillinger" in text_of(replies)


async def test_staff_open_a_round_see_shortlist_export_and_announce(
    conversation: Conversation, frozen: datetime
) -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=STAFF, municipality_slug="solrod"))
    staff = await solrod_citizen(conversation, STAFF)
    await staff.send("/staff")
    replies = await staff.press("Frivillighedsprisen")
    assert "ikke været nogen runde" in text_of(replies)
    await staff.press("Åbn for indstillinger")
    await staff.send("Frivillighedsprisen 2027")
    replies = await staff.send("1/1-2027")
    assert "Den dato er allerede passeret" in text_of(replies)
    replies = await staff.send("15/3-2027")
    assert "indtil mandag den 15. marts 2027 kl. 23.59" in text_of(replies)

    citizen = await solrod_citizen(conversation, 4303)
    await nominate(citizen)
    await citizen.press("Send indstillingen")

    await staff.send("/staff")
    replies = await staff.press("Frivillighedsprisen")
    assert "1 indstilling. Nomineret: 0." in text_of(replies)
    await staff.press("Se indstillingerne")
    replies = await staff.press("Karen Jensen")
    assert "Indstillet af: Ole Hansen, ole@example.dk" in text_of(replies)
    replies = await staff.press("Nominér")
    assert "Karen Jensen er nomineret" in text_of(replies)
    await staff.press("Tilbage til indstillingerne")
    replies = await staff.press("Vis kun de nominerede")
    assert "⭐ Karen Jensen" in labels_of(replies)
    await staff.press("Tilbage til prisen")
    replies = await staff.press("Hent som CSV")
    document = next(r.document for r in replies if r.document is not None)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nr.", "Type", "Kandidat"]
    assert rows[1][2] == "Karen Jensen" and rows[1][7] == "Ja"

    await staff.press("Se indstillingerne")
    await staff.press("Karen Jensen")
    await staff.press("Vælg som vinder")
    replies = await staff.send("For ti års trofast kørsel med besøgsvenner.")
    assert "Prisen går til <b>Karen Jensen</b>" in text_of(replies)
    replies = await staff.press("Send til")
    assert "Vinderen er annonceret" in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        award_round = uow.session.scalars(select(AwardRound)).one()
        assert (award_round.status, award_round.winner_name) == ("announced", "Karen Jensen")
        sent = list(uow.session.scalars(select(OutboxMessage.chat_id)))
    assert {4303, STAFF} <= set(sent)  # the Solrød citizens who said yes to notices


async def test_the_reminder_goes_before_the_deadline_to_those_who_have_not_nominated(
    conversation: Conversation, frozen: datetime
) -> None:
    round_id = open_round(conversation)
    nominator = await solrod_citizen(conversation, 4304)
    late = await solrod_citizen(conversation, 4305)
    await nominate(nominator)
    await nominator.press("Send indstillingen")
    db = conversation.services.db
    names = {"solrod": "Solrød Kommunes Frivillighedspris"}
    with transaction(db) as session:
        early = service.queue_reminders(session, NOW, municipalities=["solrod"], award_names=names)
    assert early == 0  # more than 7 days before the deadline
    week_before = DEADLINE - timedelta(days=6)
    with transaction(db) as session:
        queued = service.queue_reminders(
            session, week_before, municipalities=["solrod"], award_names=names
        )
        again = service.queue_reminders(
            session, week_before, municipalities=["solrod"], award_names=names
        )
    assert (queued, again) == (1, 0)
    with db.unit_of_work() as uow:
        rows = [
            (r.chat_id, r.text)
            for r in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == service.REMINDER_KIND)
            )
        ]
    assert [chat_id for chat_id, _ in rows] == [4305]
    assert "mandag den 15. marts 2027" in rows[0][1]
    # The recipient nominates before the reminder leaves: it is not sent.
    await nominate(late)
    await late.press("Send indstillingen")
    with db.unit_of_work() as uow:
        assert not still_applies(uow.session, service.REMINDER_KIND, 4305, round_id, week_before)
        assert not still_applies(
            uow.session, service.REMINDER_KIND, 4304, round_id, DEADLINE + timedelta(minutes=1)
        )


async def test_nominations_are_exported_erased_and_forgotten_after_a_year(
    conversation: Conversation, frozen: datetime
) -> None:
    open_round(conversation)
    chat = await solrod_citizen(conversation, 4306)
    await nominate(chat)
    await chat.press("Send indstillingen")
    db = conversation.services.db
    with transaction(db) as session:
        user = session.scalars(select(User).where(User.telegram_id == 4306)).one()
        exported = export_user_data(session, user, NOW)
    assert exported["sections"]["award_nominations"]["nominations"][0]["nominee"] == "Karen Jensen"

    other = await solrod_citizen(conversation, 4307)
    await nominate(other)
    await other.press("Send indstillingen")
    with transaction(db) as session:
        user = session.scalars(select(User).where(User.telegram_id == 4306)).one()
        erase_user(session, user, NOW)
    with transaction(db) as session:
        left = list(session.scalars(select(AwardNomination.nominator_name)))
        assert len(left) == 1
        assert service.forget_old_nominations(session, DEADLINE + timedelta(days=364)) == 0
        assert service.forget_old_nominations(session, DEADLINE + timedelta(days=366)) == 1
        assert session.scalars(select(Broadcast)).first() is None


async def test_the_daily_job_queues_the_reminders_of_its_zone(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    from scheduler import runtime
    from scheduler.jobs.civic import send_civic_reminders

    open_round(conversation)
    await solrod_citizen(conversation, 4308)
    runtime.install(conversation.services)
    clock.set(DEADLINE - timedelta(days=5))
    assert send_civic_reminders("America/Nuuk") == 0  # Solrød is not on Nuuk's clock
    assert send_civic_reminders("Europe/Copenhagen") == 1  # the one Solrød citizen
    assert send_civic_reminders("Europe/Copenhagen") == 0  # once per round


async def test_staff_delete_a_nomination_after_asking_first(
    conversation: Conversation, frozen: datetime
) -> None:
    open_round(conversation)
    citizen = await solrod_citizen(conversation, 4309)
    await nominate(citizen)
    await citizen.press("Send indstillingen")
    staff = await solrod_citizen(conversation, STAFF)
    await staff.send("/staff")
    await staff.press("Frivillighedsprisen")
    await staff.press("Se indstillingerne")
    await staff.press("Karen Jensen")
    replies = await staff.press("Slet indstillingen")
    assert "Er du sikker?" in text_of(replies)
    await staff.press("Nej, behold den")
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalars(select(AwardNomination)).first() is not None
    await staff.press("Slet indstillingen")
    first = await staff.press("Ja, slet indstillingen")
    again = await staff.press("Ja, slet indstillingen")
    assert "Indstillingen af Karen Jensen er slettet" in text_of(first)
    assert "allerede slettet" in text_of(again)
    with conversation.services.db.unit_of_work() as uow:
        assert uow.session.scalars(select(AwardNomination)).first() is None


async def test_mydata_names_the_award_section_in_the_users_language(
    conversation: Conversation, frozen: datetime
) -> None:
    open_round(conversation)
    chat = await solrod_citizen(conversation, 4310)
    await nominate(chat)
    await chat.press("Send indstillingen")
    replies = await chat.send("/mydata")
    assert "Dine indstillinger til frivillighedsprisen" in text_of(replies)
