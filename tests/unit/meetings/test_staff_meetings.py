"""Staff: the meeting wizard with its validation, preview, send once; answers, CSV, change, cancel;
notices; and that nothing works for anyone who is not staff of that municipality."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.conversation import Conversation
from bot.delivery.models import Broadcast
from bot.meetings import service
from bot.meetings.models import Meeting
from bot.staff.access import NotStaffError
from bot.staff.audit import Channel, entries_for
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.unit.meetings.conftest import (
    NOW,
    STAFF_ID,
    add_citizens,
    make_staff,
    meeting_row,
    publish,
)


@pytest.fixture
async def staff(conversation: Conversation, frozen: object) -> ChatDriver:
    make_staff(conversation)
    chat = ChatDriver(conversation, user_id=STAFF_ID)
    await chat.onboard()
    return chat


def outbox_to(conversation: Conversation, chat_ids: range) -> list[OutboxMessage]:
    with conversation.services.db.unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id.in_(list(chat_ids)))
            )
        )
        uow.session.expunge_all()
        return rows


async def fill_wizard(staff: ChatDriver) -> list[object]:
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    replies = await staff.press("Nyt dialogmøde")
    assert "Hvad hedder mødet" in text_of(replies)
    await staff.send("Dialogmøde om frivillighed 2027")
    replies = await staff.send("om lidt")  # not a date
    assert "Den dato forstod jeg ikke" in text_of(replies)
    replies = await staff.send("i morgen")  # a date, but when?
    assert "klokkeslættet" in text_of(replies)
    replies = await staff.send("15/3-2027")
    assert "klokkeslættet" in text_of(replies)
    replies = await staff.send("15/3-2027 kl. 17")
    assert "Mødet begynder 15/3-2027 kl. 17.00" in text_of(replies)
    replies = await staff.send("16")
    assert "ligge efter starttidspunktet" in text_of(replies)
    await staff.send("20")
    await staff.send("Frivillighuset")
    await staff.send("Perlegade 50, 6400 Sønderborg")
    await staff.send("17.00 Velkomst\n18.00 Dialog i grupper")
    replies = await staff.send("mange")
    assert "helt tal" in text_of(replies)
    await staff.send("2")
    await staff.press("Ingen grænse")
    replies = await staff.send("20/3-2027")
    assert "før starttidspunktet" in text_of(replies)
    replies = await staff.press("En uge før")
    assert "Hvem skal inviteres" in text_of(replies)
    await staff.press("Alle i kommunen")
    return await staff.press("Ja, tag imod spørgsmål")


async def test_the_wizard_previews_and_sends_the_invitation_once(
    staff: ChatDriver, conversation: Conversation
) -> None:
    add_citizens(conversation, range(9001, 9004))
    add_citizens(conversation, range(9010, 9011), consent=False)
    add_citizens(conversation, range(9020, 9021), slug="tonder")
    replies = await fill_wizard(staff)
    text = text_of(replies)
    assert (
        "Dialogmøde om frivillighed 2027" in text
        and "mandag den 15. marts 2027 kl. 17.00–20.00" in text
    )
    assert (
        "Der er 2 pladser." in text
        and "Tilmelding senest mandag den 8. marts 2027 kl. 23.59" in text
    )
    assert {"Jeg kommer", "Jeg kommer ikke", "Måske"} <= set(labels_of(replies))
    assert "Send til 4" in " ".join(labels_of(replies))  # 3 citizens + the staff member
    send = staff.payload_for("Send til")
    replies = await staff.press_payload(send)
    assert "på vej til 4 modtagere" in text_of(replies)
    assert "t.me/&lt;BOT_USERNAME&gt;?start=meetings-" in text_of(replies)  # no username set
    replies = await staff.press_payload(send)  # the double tap
    assert "allerede sendt" in text_of(replies)
    assert "tidligere besked" not in text_of(replies)
    with conversation.services.db.unit_of_work() as uow:
        assert (
            uow.session.scalar(
                select(func.count()).select_from(Meeting).where(Meeting.created_by == STAFF_ID)
            )
            == 1
        )
        assert uow.session.scalar(select(func.count()).select_from(Broadcast)) == 1
    sent = outbox_to(conversation, range(9000, 9100))
    assert sorted(m.chat_id for m in sent) == [9001, 9002, 9003]
    assert sent[0].buttons[0][0]["payload"].startswith("g:meetings:rsvp:")
    assert "mandag den 15. marts 2027 kl. 17.00" in sent[0].text


async def test_a_fix_in_the_preview_keeps_the_rest(staff: ChatDriver) -> None:
    await fill_wizard(staff)
    await staff.press("Ret noget")
    replies = await staff.press("Sted")
    assert "Hvor holdes mødet" in text_of(replies)
    replies = await staff.send("Borgercentret")
    assert "Borgercentret, Perlegade 50" in text_of(replies)
    assert "Send til" in " ".join(labels_of(replies))


async def test_nuuk_meetings_are_read_in_nuuk_time(
    conversation: Conversation, frozen: object
) -> None:
    make_staff(conversation, slug="sermersooq")
    chat = ChatDriver(conversation, user_id=STAFF_ID)
    await chat.onboard(municipality="Sermersooq")
    await chat.send("/staff")
    await chat.press("Møder og nyheder")
    await chat.press("Nyt dialogmøde")
    replies = await chat.send("Dialogmøde i Nuuk")
    assert "kl. 17 (grønlandsk tid)" in text_of(replies) and "America/Nuuk" not in text_of(replies)
    replies = await chat.send("15.03.2027 17:00")
    assert "Mødet begynder 15/3-2027 kl. 17.00" in text_of(replies)  # shown back in Nuuk time
    with conversation.services.db.unit_of_work() as uow:
        from bot.store.models import DialogueState

        state = uow.session.get(DialogueState, STAFF_ID)
        assert state is not None
        assert state.data["draft"]["starts_at"].startswith("2027-03-15T19:00")  # UTC-2 in March


def draft_of(conversation: Conversation) -> dict[str, object]:
    from bot.store.models import DialogueState

    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.get(DialogueState, STAFF_ID)
        assert state is not None
        return dict(state.data.get("draft") or {})


async def start_wizard(staff: ChatDriver) -> None:
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Nyt dialogmøde")
    await staff.send("Dialogmøde om frivillighed 2027")


@pytest.mark.parametrize(
    ("typed", "starts_utc"),
    [
        ("i morgen kl 17", "2027-01-11T16:00"),  # NOW is Sunday 10 January 2027
        ("på fredag kl. 19.30", "2027-01-15T18:30"),
        ("15. marts 2027 kl. 17.00", "2027-03-15T16:00"),
        ("15/6-2027 17:00", "2027-06-15T15:00"),  # summer time
    ],
)
async def test_the_wizard_reads_danish_dates_and_times(
    staff: ChatDriver, conversation: Conversation, typed: str, starts_utc: str
) -> None:
    await start_wizard(staff)
    replies = await staff.send(typed)
    assert "Hvornår slutter det" in text_of(replies)
    assert str(draft_of(conversation)["starts_at"]).startswith(starts_utc)


async def test_a_date_without_a_year_or_a_bare_time_gets_a_question(staff: ChatDriver) -> None:
    await start_wizard(staff)
    replies = await staff.send("15/3 kl. 17")
    assert "Hvilket år mener du med »15/3«" in text_of(replies)
    replies = await staff.send("kl. 17.00")
    assert "Skriv også datoen" in text_of(replies)
    replies = await staff.send("søndag kl. 17")  # today is Sunday: today or in a week?
    assert "Mener du i dag eller om en uge" in text_of(replies)


async def test_a_time_in_the_spring_gap_is_confirmed_not_moved(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await start_wizard(staff)
    replies = await staff.send("28/3-2027 kl. 2.30")
    assert "Klokken 02.30 findes ikke" in text_of(replies)
    assert "starts_at" not in draft_of(conversation)  # nothing stored before the answer
    assert "Ja, 28/3-2027 kl. 03.30" in labels_of(replies)
    replies = await staff.press("Ja, 28/3-2027 kl. 03.30")
    assert "Mødet begynder 28/3-2027 kl. 03.30" in text_of(replies)
    assert str(draft_of(conversation)["starts_at"]).startswith("2027-03-28T01:30")


async def test_a_time_in_the_spring_gap_can_be_typed_again(
    staff: ChatDriver, conversation: Conversation
) -> None:
    await start_wizard(staff)
    await staff.send("28/3-2027 kl. 2.30")
    replies = await staff.press("Nej, jeg skriver et andet tidspunkt")
    assert "Hvornår begynder mødet" in text_of(replies)
    await staff.send("28/3-2027 kl. 10")
    assert str(draft_of(conversation)["starts_at"]).startswith("2027-03-28T08:00")


@pytest.mark.parametrize(
    ("button", "starts_utc"),
    [
        ("Første gang (sommertid)", "2027-10-31T00:30"),
        ("Anden gang (vintertid)", "2027-10-31T01:30"),
    ],
)
async def test_the_repeated_hour_in_october_asks_which_one(
    staff: ChatDriver, conversation: Conversation, button: str, starts_utc: str
) -> None:
    await start_wizard(staff)
    replies = await staff.send("31/10-2027 kl. 2.30")
    assert "kommer to gange" in text_of(replies)
    await staff.press(button)
    assert str(draft_of(conversation)["starts_at"]).startswith(starts_utc)


async def test_staff_see_counts_questions_and_export_csv(
    staff: ChatDriver, conversation: Conversation
) -> None:
    meeting_id = publish(conversation, capacity=1)
    citizen = ChatDriver(conversation, user_id=4242)
    await citizen.onboard()
    await citizen.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    await citizen.send('=HYPERLINK("x") Hvad med ældreområdet?')
    second = ChatDriver(conversation, user_id=4343)
    await second.onboard()
    await second.press_payload(f"g:meetings:rsvp:{meeting_id}:y")
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    replies = await staff.press("Dialogmøde om frivillighed 2027")
    text = text_of(replies)
    assert "Kommer: 1 (pladser: 1)" in text and "Venteliste: 1" in text and "Spørgsmål: 1" in text
    assert " · kommende" in text  # as the dashboard says, not »aktivt«
    replies = await staff.press("Spørgsmål (1)")
    assert "Hvad med ældreområdet?" in text_of(replies)
    replies = await staff.press("Deltagerliste")
    document = next(r.document for r in replies if r.document)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Navn", "Telegram-id", "Svar"]
    assert [r[2] for r in rows[1:]] == ["Jeg kommer (plads bekræftet)", "På venteliste"]
    assert rows[1][4].startswith("'=")  # never a formula in Excel


async def test_a_changed_and_a_cancelled_meeting_reach_everyone_invited(
    staff: ChatDriver, conversation: Conversation
) -> None:
    add_citizens(conversation, range(9001, 9003))
    meeting_id = publish(conversation)
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Dialogmøde om frivillighed 2027")
    await staff.press("Ændr mødet")
    await staff.press("Start")
    replies = await staff.send("10/2-2027 kl. 18")
    # The end moves with the start and is recorded first.
    assert "Ændret indtil nu: Slut, Start" in text_of(replies)
    send_change = staff.payload_for("Send ændringen")
    replies = await staff.press_payload(send_change)
    assert "på vej til 3 inviterede" in text_of(replies)
    replies = await staff.press_payload(send_change)  # the double tap
    assert "Ændringen er allerede sendt" in text_of(replies)
    meeting = meeting_row(conversation, meeting_id)
    assert meeting.version == 2 and meeting.ends_at - meeting.starts_at == timedelta(hours=3)
    changes = [m for m in outbox_to(conversation, range(9001, 9003)) if "Ændret" in m.text]
    assert len(changes) == 2 and "onsdag den 10. februar 2027 kl. 18.00" in changes[0].text
    await staff.press("Aflys mødet")
    cancel = staff.payload_for("Ja, aflys")
    replies = await staff.press_payload(cancel)
    assert "Mødet er aflyst" in text_of(replies)
    replies = await staff.press_payload(cancel)  # the double tap
    assert "allerede aflyst" in text_of(replies)
    cancelled = [m for m in outbox_to(conversation, range(9001, 9003)) if "Aflyst" in m.text]
    assert len(cancelled) == 2
    assert meeting_row(conversation, meeting_id).status == "cancelled"


async def test_a_notice_goes_to_the_chosen_audience(
    staff: ChatDriver, conversation: Conversation
) -> None:
    add_citizens(conversation, range(9001, 9003))
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Send en nyhed")
    await staff.press("Nyt om en høring")
    replies = await staff.send("Ny")  # the rule is `bot.meetings.notices`, shared with the web
    assert "mellem 3 og 200 tegn" in text_of(replies)
    await staff.send("Ny frivillighedspolitik i høring")
    await staff.send("Kom med jeres input <senest> 1. marts.")
    replies = await staff.press("Alle i kommunen")
    assert "Nyt om en høring: Ny frivillighedspolitik i høring" in text_of(replies)
    assert "&lt;senest&gt;" in text_of(replies)
    # A news item is previewed as a message, never as an »invitation« (issue 16, reader 3).
    assert "Sådan ser nyheden ud" in text_of(replies)
    assert "Sådan ser invitationen ud" not in text_of(replies)
    send = staff.payload_for("Send til")
    replies = await staff.press_payload(send)
    assert "på vej til 3 modtagere" in text_of(replies)
    replies = await staff.press_payload(send)  # the double tap
    assert "allerede sendt" in text_of(replies)
    assert len(outbox_to(conversation, range(9001, 9003))) == 2
    # The send-out is in the audit log once, from chat (the dashboard writes the same log).
    with transaction(conversation.services.db) as session:
        [broadcast] = session.scalars(select(Broadcast).where(Broadcast.kind == "notice"))
        [entry] = entries_for(session, "sonderborg", "notice", broadcast.id)
    assert (entry.action, entry.channel, entry.actor_telegram_id) == ("notice_sent", "chat", 7001)
    assert entry.detail["title"] == "Ny frivillighedspolitik i høring"


async def test_an_audience_nobody_is_in_is_named_in_the_preview(staff: ChatDriver) -> None:
    """Issue 16 (reader 2): the preview for an audience of 0 formatted `preview_nobody` without
    its ``{audience}``, so a staff member picking »(0)« got a KeyError instead of the preview."""
    await staff.send("/staff")
    await staff.press("Møder og nyheder")
    await staff.press("Send en nyhed")
    await staff.press("Nyt om en høring")
    await staff.send("Ny frivillighedspolitik i høring")
    await staff.send("Kom med jeres input senest 1. marts.")
    replies = await staff.press("Virksomheder, der er registreret hos kommunen (0)")
    text = text_of(replies)
    assert "ingen i målgruppen »Virksomheder, der er registreret hos kommunen« kan få" in text
    assert "(0)" not in text
    assert not any(label.startswith("📤 Send til") for label in labels_of(replies))


async def test_only_staff_of_the_meetings_municipality_may_act(
    conversation: Conversation, frozen: object
) -> None:
    make_staff(conversation)  # Sønderborg staff
    make_staff(conversation, telegram_id=8001, slug="tonder")
    meeting_id = publish(conversation)
    with conversation.services.db.unit_of_work() as uow:
        for action in (
            lambda: service.summary(uow.session, 8001, meeting_id),
            lambda: service.attendee_csv(uow.session, 8001, meeting_id, "da"),
            lambda: service.cancel_meeting(
                uow.session, 8001, meeting_id, NOW, channel=Channel.CHAT
            ),
            lambda: service.change_meeting(
                uow.session, 8001, meeting_id, {"title": "x"}, NOW, channel=Channel.CHAT
            ),
            lambda: service.questions(uow.session, 4242, meeting_id),
        ):
            with pytest.raises(NotStaffError):
                action()
    tonder = ChatDriver(conversation, user_id=8001)
    await tonder.onboard(municipality="Tønder")
    await tonder.send("/staff")
    await tonder.press("Møder og nyheder")
    version = tonder.payload_for("Nyt dialogmøde").split(":")[0]
    replies = await tonder.press_payload(f"{version}:open:{meeting_id}")  # forged: Sønderborg's
    assert "ikke registreret som medarbejder" in text_of(replies)
    assert "Kommer:" not in text_of(replies)
    citizen = ChatDriver(conversation, user_id=4242)
    await citizen.onboard()
    replies = await citizen.send("/staff")
    assert "Nyt dialogmøde" not in labels_of(replies)


def test_creating_changing_and_cancelling_a_meeting_are_audited_once_each(
    conversation: Conversation, frozen: object
) -> None:
    """Issue 13: a meeting's life is in the audit log like a grant decision, whichever channel
    (the dashboard shows the same log). Repeating the cancel (a button pressed twice) adds
    nothing."""
    make_staff(conversation)
    meeting_id = publish(conversation)
    with transaction(conversation.services.db) as session:
        service.change_meeting(
            session, STAFF_ID, meeting_id, {"title": "Nyt navn"}, NOW, channel=Channel.WEB
        )
        service.change_meeting(
            session, STAFF_ID, meeting_id, {"title": "Nyt navn"}, NOW, channel=Channel.WEB
        )  # nothing changed: not audited
        service.cancel_meeting(session, STAFF_ID, meeting_id, NOW, channel=Channel.CHAT)
        service.cancel_meeting(session, STAFF_ID, meeting_id, NOW, channel=Channel.CHAT)
    with transaction(conversation.services.db) as session:
        log = entries_for(session, "sonderborg", service.AUDIT_KIND, meeting_id)
        assert [(e.action, e.channel, e.actor_telegram_id) for e in log] == [
            ("meeting_created", "chat", STAFF_ID),
            ("meeting_changed", "web", STAFF_ID),
            ("meeting_cancelled", "chat", STAFF_ID),
        ]
