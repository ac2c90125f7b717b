"""Events of every kind through one machinery (issue 18 §1): the staff wizard asks the kind
first, each kind has its own wording and default audience, and citizens see and sign up for the
events meant for them in /meetings — as a person, not for an association."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.meetings import service
from bot.meetings.models import Meeting
from bot.meetings.reminders import reminder_plan
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.unit.meetings.conftest import NOW, STAFF_ID, make_staff
from tests.unit.meetings.events import make_volunteer, publish_event


async def test_staff_make_a_course_for_volunteers_kind_first(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    make_volunteer(conversation, citizen.user_id)
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    replies = await staff.press("Nyt arrangement")
    assert "Hvad slags arrangement" in text_of(replies)
    kinds = {"Dialogmøde", "Kursus for frivillige", "Frivillighedsfest", "Frivillighedsmesse"}
    assert kinds <= set(labels_of(replies))
    replies = await staff.press("Kursus for frivillige")
    assert "Hvad hedder arrangementet (Kursus for frivillige)" in text_of(replies)
    replies = await staff.send("Førstehjælp for frivillige")
    assert "Hvornår begynder arrangementet?" in text_of(replies)
    await staff.send("15/3-2027 kl. 17")
    await staff.send("20")
    await staff.send("Frivillighuset")
    await staff.send("Perlegade 50, 6400 Sønderborg")
    await staff.press("Intet program endnu")
    replies = await staff.send("12")
    # A course asks no limit per association: the deadline comes next.
    assert "Hvornår er tilmeldingsfristen?" in text_of(replies)
    replies = await staff.press("En uge før")
    assert "passer bedst til »Kursus for frivillige«, står øverst" in text_of(replies)
    audiences = [label for label in labels_of(replies) if "(" in label]
    assert audiences[0] == "Frivillige, der har meldt sig interesseret i et opslag (1)"
    replies = await staff.press("Frivillige, der har meldt sig interesseret")
    # … and no questions to the politicians: straight to the preview.
    text = text_of(replies)
    assert "Sønderborg Kommune inviterer til kursus for frivillige" in text
    assert "politikerne" not in text
    await staff.press("Send til 1")
    with conversation.services.db.unit_of_work() as uow:
        meeting = uow.session.scalars(select(Meeting).where(Meeting.created_by == STAFF_ID)).one()
        assert (meeting.kind, meeting.audience, meeting.per_association) == (
            "kursus",
            "volunteers",
            None,
        )
        assert meeting.questions_enabled is False
        invitation = uow.session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.chat_id == citizen.user_id)
        ).one()
    assert "inviterer til kursus for frivillige" in invitation


async def test_nyt_dialogmode_still_goes_straight_to_the_title(
    conversation: Conversation, frozen: datetime
) -> None:
    make_staff(conversation)
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    replies = await staff.press("Nyt dialogmøde")
    assert "Hvad hedder mødet" in text_of(replies)


async def test_changing_the_kind_in_the_preview_asks_what_the_new_kind_needs(
    conversation: Conversation, frozen: datetime
) -> None:
    make_staff(conversation)
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Nyt arrangement")
    await staff.press("Frivillighedsfest")
    for answer in ("Frivillighedsfest 2027", "15/3-2027 kl. 17", "22", "Hallen", "Vej 1"):
        await staff.send(answer)
    await staff.press("Intet program endnu")
    await staff.press("Ingen grænse")
    await staff.press("En uge før")
    replies = await staff.press("Alle i kommunen")
    assert "inviterer til frivillighedsfest" in text_of(replies)
    await staff.press("Ret noget")
    await staff.press("Slags arrangement")
    replies = await staff.press("Stormøde")
    # A stormøde has a limit per association and questions: both are asked now.
    assert "fra hver forening" in text_of(replies)
    await staff.send("2")
    replies = await staff.press("Ja, tag imod spørgsmål")
    assert "inviterer til stormøde" in text_of(replies)


async def test_a_volunteer_signs_up_for_a_course_as_a_person(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    make_volunteer(conversation, citizen.user_id)
    course = publish_event(
        conversation, kind="kursus", audience="volunteers", title="Førstehjælp", capacity=1
    )
    replies = await citizen.send("/meetings")
    assert "Kommende arrangementer og møder" in text_of(replies)
    assert "Kursus for frivillige · " in text_of(replies)
    await citizen.press("Førstehjælp")
    replies = await citizen.press_payload(f"g:meetings:rsvp:{course}:y")
    assert "du er tilmeldt <b>Førstehjælp</b>" in text_of(replies)
    assert "forening" not in text_of(replies)
    other = ChatDriver(conversation, user_id=4343)
    await other.onboard()
    replies = await other.press_payload(f"g:meetings:rsvp:{course}:y")
    assert "venteliste" in text_of(replies)  # capacity and waitlist as for every meeting


async def test_a_coordination_meeting_with_companies_is_not_on_every_citizens_list(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    publish_event(conversation, kind="koordinering", audience="companies", title="CSR-koordinering")
    publish_event(
        conversation, kind="messe", audience="citizens", title="Frivillighedsmesse", key="e2"
    )
    text = text_of(await citizen.send("/meetings"))
    assert "Frivillighedsmesse" in text
    assert "CSR-koordinering" not in text


async def test_a_citizen_cannot_answer_a_companies_meeting_by_a_forged_payload(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    meeting_id = publish_event(
        conversation, kind="koordinering", audience="companies", title="CSR-koordinering"
    )
    replies = await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    assert "kan jeg ikke finde" in text_of(replies)
    # The shared link is an invitation, as for every meeting: then it opens.
    replies = await citizen.send(f"/start meetings-{meeting_id}")
    assert "CSR-koordinering" in text_of(replies)


async def test_a_course_is_reminded_like_every_meeting(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    course = publish_event(conversation, kind="kursus", audience="volunteers", title="Førstehjælp")
    await citizen.press_payload(f"g:meetings:rsvp:{course}:y")
    with transaction(conversation.services.db) as session:
        planned = {p.meeting_id for p in reminder_plan(session, NOW + timedelta(days=23))}
        assert course in planned
        broadcast = service.queue_reminder(session, course, 7, NOW + timedelta(days=23))
        assert broadcast is not None and broadcast.total == 1
        [text] = session.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.kind == service.REMINDER_KIND,
                OutboxMessage.chat_id == citizen.user_id,
            )
        ).all()
    assert "Påmindelse: Førstehjælp" in text


async def test_a_cancelled_course_is_called_an_event_not_a_meeting(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    course = publish_event(conversation, kind="kursus", audience="volunteers", title="Førstehjælp")
    await citizen.press_payload(f"g:meetings:rsvp:{course}:y")
    with transaction(conversation.services.db) as session:
        service.cancel_meeting(session, STAFF_ID, course, NOW, channel=Channel.CHAT)
        texts = session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.chat_id == citizen.user_id)
        ).all()
    assert any("Arrangementet" in text and "er desværre aflyst" in text for text in texts)


async def test_a_course_is_an_event_in_replies_and_staff_buttons_not_a_meeting(
    conversation: Conversation, frozen: datetime, citizen: ChatDriver
) -> None:
    make_staff(conversation)
    make_volunteer(conversation, citizen.user_id)
    course = publish_event(
        conversation, kind="kursus", audience="volunteers", title="Førstehjælp", capacity=1
    )
    replies = await citizen.press_payload(f"g:meetings:rsvp:{course}:y")
    assert "Her er arrangementet til din kalender" in text_of(replies)
    calendar = next(r.document for r in replies if r.document is not None)
    assert calendar.caption == "Åbn filen for at lægge arrangementet i din kalender."
    other = ChatDriver(conversation, user_id=4343)
    await other.onboard()
    replies = await other.press_payload(f"g:meetings:rsvp:{course}:y")
    assert "Der er ikke flere pladser til" in text_of(replies)
    assert "mødet" not in text_of(replies).lower()

    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    replies = await staff.press("Førstehjælp")
    assert {"✏️ Ændr arrangementet", "❌ Aflys arrangementet"} <= set(labels_of(replies))
    assert not [label for label in labels_of(replies) if "mødet" in label]
    await staff.press("Ændr arrangementet")
    replies = await staff.press("Sted")
    assert "Hvor holdes arrangementet?" in text_of(replies)
    await staff.press("Tilbage")
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Førstehjælp")
    replies = await staff.press("Aflys arrangementet")
    assert "Nej, behold arrangementet" in labels_of(replies)
    cancel = staff.payload_for("Ja, aflys")
    replies = await staff.press_payload(cancel)
    assert "Arrangementet er aflyst. Beskeden er på vej til 2 inviterede." in text_of(replies)
    replies = await staff.press_payload(cancel)  # the double tap
    assert "Arrangementet er allerede aflyst" in text_of(replies)


async def test_a_stormode_and_a_coordination_meeting_are_still_meetings(
    conversation: Conversation, frozen: datetime
) -> None:
    make_staff(conversation)
    publish_event(conversation, kind="stormode", audience="chairs", title="Stormøde 2027")
    publish_event(
        conversation, kind="koordinering", audience="companies", title="CSR-koordinering",
        key="e2",
    )  # fmt: skip
    staff = ChatDriver(conversation, user_id=STAFF_ID)
    await staff.onboard()
    for title in ("Stormøde 2027", "CSR-koordinering"):
        await staff.send("/staff")
        await staff.press("Møder og nyheder")
        replies = await staff.press(title)
        assert {"✏️ Ændr mødet", "❌ Aflys mødet"} <= set(labels_of(replies)), title
