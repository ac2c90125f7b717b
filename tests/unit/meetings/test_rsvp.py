"""RSVP: answers, capacity and waitlist, the limit per association, the deadline, forgeries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.meetings.models import Rsvp
from bot.meetings.seed import seed_meetings
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.clock import FakeClock
from tests.unit.meetings.conftest import NOW, make_staff, publish


def answers(conversation: Conversation, meeting_id: int) -> dict[int, tuple[str, str | None]]:
    with conversation.services.db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(User.telegram_id, Rsvp.answer, Rsvp.seat)
            .join(User, User.id == Rsvp.user_id)
            .where(Rsvp.meeting_id == meeting_id)
        ).all()
        return {tid: (answer, seat) for tid, answer, seat in rows}


def seed(conversation: Conversation) -> None:
    """The seeded meetings (PostgreSQL tests start from empty tables)."""
    with transaction(conversation.services.db) as session:
        seed_meetings(session, conversation.services.directory)


async def other(
    conversation: Conversation, user_id: int, municipality: str = "Sønderborg"
) -> ChatDriver:
    chat = ChatDriver(conversation, user_id=user_id)
    await chat.onboard(municipality=municipality)
    return chat


async def test_the_invitation_buttons_record_and_change_an_answer(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    meeting_id = publish(conversation)
    replies = await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert "du er tilmeldt" in text_of(replies)
    assert any(r.document and r.document.file_name.endswith(".ics") for r in replies)
    assert "spørgsmål til politikerne" in text_of(replies)  # questions are on: it offers one
    replies = await citizen.send("Hvornår kommer der mere støtte til besøgsvenner?")
    assert "Dit spørgsmål er gemt" in text_of(replies)
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:m")
    assert answers(conversation, meeting_id) == {citizen.user_id: ("maybe", None)}


async def test_a_full_meeting_puts_people_on_the_waitlist_and_moves_them_up(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    meeting_id = publish(conversation, capacity=1, questions=False)
    second = await other(conversation, 4343)
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    replies = await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert "venteliste" in text_of(replies)
    assert answers(conversation, meeting_id)[4343] == ("yes", "waitlist")
    replies = await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:n")
    assert "Noteret: Du kommer ikke" in text_of(replies)
    assert answers(conversation, meeting_id)[4343] == ("yes", "confirmed")
    with conversation.services.db.unit_of_work() as uow:
        told = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == 4343)).all()
        assert len(told) == 1 and "Der er blevet en plads ledig" in told[0].text


async def test_pressing_yes_again_on_the_waitlist_does_not_jump_the_queue(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    meeting_id = publish(conversation, capacity=1, questions=False)
    second = await other(conversation, 4343)
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert answers(conversation, meeting_id) == {
        4242: ("yes", "confirmed"),
        4343: ("yes", "waitlist"),
    }


async def test_the_limit_per_association_is_kept(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    meeting_id = publish(conversation, per_association=1, questions=False)
    replies = await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert "Hvilken forening" in text_of(replies)
    assert answers(conversation, meeting_id) == {}  # nothing saved until we know
    await citizen.send("Ældre Sagen Sønderborg")
    second = await other(conversation, 4343)
    await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    replies = await second.send("ældre sagen sønderborg")
    assert "højeste antal pr. forening" in text_of(replies)
    assert 4343 not in answers(conversation, meeting_id)
    third = await other(conversation, 4444)
    await third.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    await third.press("ikke med i en forening")
    assert answers(conversation, meeting_id)[4444] == ("yes", "confirmed")


async def test_an_answer_after_the_deadline_is_refused_politely(
    citizen: ChatDriver, conversation: Conversation, clock: FakeClock
) -> None:
    make_staff(conversation)
    meeting_id = publish(conversation, questions=False)
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    clock.set(NOW + timedelta(days=25))  # deadline was day 23
    replies = await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:n")
    assert "fristen for tilmelding er overskredet" in text_of(replies)
    assert answers(conversation, meeting_id) == {4242: ("yes", "confirmed")}


async def test_a_forged_payload_for_another_municipalitys_meeting_changes_nothing(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation, slug="tonder")
    from tests.unit.meetings import conftest

    with_tonder = conftest.STAFF_ID
    assert with_tonder
    meeting_id = publish(conversation, slug="tonder")  # the citizen lives in Sønderborg
    not_found, old_button = (
        "Det arrangement kan jeg ikke finde",
        "Den knap hører til en tidligere besked",
    )
    for payload, answer in (
        (f"g:meetings:rsvp:{meeting_id}:y", not_found),
        ("g:meetings:rsvp:999999:y", not_found),
        (f"g:meetings:rsvp:{meeting_id}:x", old_button),  # no such answer on any button
        ("g:meetings:rsvp:abc:y", not_found),
    ):
        replies = await citizen.press_payload(payload)
        assert answer in text_of(replies), payload
    assert answers(conversation, meeting_id) == {}


async def test_the_deep_link_opens_a_meeting_even_in_another_municipality(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation, slug="tonder")
    meeting_id = publish(conversation, slug="tonder", questions=False)
    replies = await citizen.send(f"/start meetings-{meeting_id}")
    assert "Dialogmøde om frivillighed 2027" in text_of(replies)
    assert "Jeg kommer" in labels_of(replies)
    await citizen.press("Jeg kommer")
    assert answers(conversation, meeting_id) == {4242: ("yes", "confirmed")}


async def test_meetings_lists_upcoming_meetings_and_my_answers(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    seed(conversation)
    meeting_id = publish(conversation, questions=False, starts=NOW + timedelta(days=10))
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    replies = await citizen.send("/meetings")
    text = text_of(replies)
    assert "Kommende arrangementer og møder" in text
    assert "Jeg kommer (plads bekræftet)" in text
    assert "Ikke svaret endnu" in text  # the seeded Sønderborg meeting
    assert text.index("20. januar 2027") < text.index("16. marts 2027")  # soonest first
    replies = await citizen.press("Dialogmøde")
    assert "Frivillighuset" in text_of(replies)


async def test_the_calendar_file_has_the_right_time_zone(
    citizen: ChatDriver, conversation: Conversation
) -> None:
    make_staff(conversation)
    starts = datetime(2027, 3, 16, 16, 0, tzinfo=NOW.tzinfo)  # 17.00 in Copenhagen
    meeting_id = publish(conversation, starts=starts)
    replies = await citizen.press_payload(f"g:meetings:ics:{meeting_id}")
    document = next(r.document for r in replies if r.document)
    body = document.content.decode()
    assert "DTSTART:20270316T160000Z" in body  # UTC: every calendar shows it at 17.00 local
    assert "TZID" not in body and "BEGIN:VTIMEZONE" not in body
    assert "SUMMARY:Dialogmøde om frivillighed 2027" in body
    assert document.mime_type == "text/calendar"


@pytest.mark.parametrize(
    "starts",
    [
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # 3.30 summer time, the night clocks go forward
        datetime(2027, 3, 27, 23, 30, tzinfo=UTC),  # the evening before, still winter time
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 2.30 the first time (summer time)
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # 2.30 the second time (winter time)
        datetime(2027, 10, 30, 20, 0, tzinfo=UTC),  # Saturday 20.00 in Nuuk, before the change
    ],
)
def test_calendar_files_follow_rfc_5545_across_dst_changes(starts: datetime) -> None:
    from icalendar import Calendar

    from bot.meetings.render import MeetingView, ics

    view = MeetingView(
        id=7, title="Dialogmøde om frivillighed i Sønderborg Kommune " * 2, starts_at=starts,
        ends_at=starts + timedelta(hours=2), place="Frivillighuset",
        address="Perlegade 50, 6400 Sønderborg", agenda="17.00 Velkomst\n18.00 Dialog",
        timezone="Europe/Copenhagen", capacity=None, per_association=None,
        rsvp_deadline=starts - timedelta(days=7), questions_enabled=True,
        municipality="Sønderborg Kommune",
    )  # fmt: skip
    raw = ics(view, sequence=2, stamp=datetime(2027, 1, 10, 12, 0, tzinfo=UTC))
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
    assert start == starts and end == starts + timedelta(hours=2)
    assert event.decoded("dtstamp") == datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    assert str(event["uid"]) == "meeting-7@frivillig" and int(event["sequence"]) == 2
