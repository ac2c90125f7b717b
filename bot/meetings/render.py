"""How a meeting looks in a chat (invitation, reminder, change, cancellation) and as an .ics file.

One renderer serves the staff preview and the real send-out, so the preview is exactly what
recipients get. Texts are Telegram HTML with every staff-typed value escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from bot.i18n import t, tn
from bot.meetings.kinds import DIALOGUE, heading_key
from bot.meetings.times import format_local
from bot.zones import zone_note

#: RSVP answers and their short codes in callback data ("g:meetings:rsvp:<id>:<code>").
ANSWERS = {"y": "yes", "n": "no", "m": "maybe"}
CODES = {answer: code for code, answer in ANSWERS.items()}


@dataclass(frozen=True)
class MeetingView:
    """What is shown of a meeting; built from a `Meeting` row or from a wizard draft."""

    id: int | None
    title: str
    municipality: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    agenda: str
    capacity: int | None
    per_association: int | None
    rsvp_deadline: datetime
    questions_enabled: bool
    #: A key of `bot.meetings.kinds.KINDS`: it chooses the invitation's heading.
    kind: str = DIALOGUE


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def when(view: MeetingView, language: str) -> str:
    """ "mandag den 15. marts 2027 kl. 17.00–20.00" (the end's date too if it differs)."""
    start = format_local(
        view.starts_at, view.timezone, language, t(language, "meetings.format.start")
    )
    same_day = format_local(view.starts_at, view.timezone, language, "yyyyMMdd") == format_local(
        view.ends_at, view.timezone, language, "yyyyMMdd"
    )
    end_pattern = "meetings.format.end_time" if same_day else "meetings.format.start"
    end = format_local(view.ends_at, view.timezone, language, t(language, end_pattern))
    return f"{start}–{end}{zone_note(view.timezone, language)}"


def deadline(view: MeetingView, language: str) -> str:
    """The RSVP deadline on the municipality's wall clock, its zone named in Greenland."""
    shown = format_local(
        view.rsvp_deadline, view.timezone, language, t(language, "meetings.format.start")
    )
    return shown + zone_note(view.timezone, language)


def details(view: MeetingView, language: str, *, heading: str | None = None) -> str:
    """The invitation text: title, time, place, deadline, limits, programme. `heading` is a
    catalog key; by default the kind's invitation heading (`bot.meetings.kinds.heading_key`)."""
    heading = heading or heading_key(view.kind)
    lines = [
        t(language, heading, title=_e(view.title), municipality=_e(view.municipality)),
        "",
        t(language, "meetings.invitation.when", when=when(view, language)),
        t(language, "meetings.invitation.where", place=_e(view.place), address=_e(view.address)),
        t(language, "meetings.invitation.deadline", deadline=deadline(view, language)),
    ]
    if view.capacity is not None:
        lines.append(
            tn(language, "meetings.invitation.capacity", view.capacity, capacity=view.capacity)
        )
    if view.per_association is not None:
        lines.append(t(language, "meetings.invitation.per_association", limit=view.per_association))
    if view.agenda.strip():
        lines += ["", t(language, "meetings.invitation.agenda"), _e(view.agenda.strip())]
    if view.questions_enabled:
        lines += ["", t(language, "meetings.invitation.questions")]
    return "\n".join(lines)


def rsvp_buttons(meeting_id: int, language: str) -> list[list[dict[str, str]]]:
    """The invitation's buttons as outbox rows of {label, payload} (global payloads)."""

    def button(key: str, value: str) -> dict[str, str]:
        return {"label": t(language, key), "payload": f"g:meetings:{value}"}

    return [
        [
            button("meetings.rsvp.yes", f"rsvp:{meeting_id}:y"),
            button("meetings.rsvp.no", f"rsvp:{meeting_id}:n"),
            button("meetings.rsvp.maybe", f"rsvp:{meeting_id}:m"),
        ],
        [button("meetings.button.calendar", f"ics:{meeting_id}")],
    ]


def ics(
    view: MeetingView, *, method: str = "PUBLISH", sequence: int = 0, stamp: datetime | None = None
) -> bytes:
    """An iCalendar file (RFC 5545) for the meeting, its times as UTC instants.

    UTC (``DTSTART:20270328T013000Z``) rather than a TZID: Outlook desktop, Outlook on the web,
    Google Calendar and Apple Calendar all show a UTC time at the right local time, whereas
    Outlook maps a TZID with a VTIMEZONE to a Windows zone by its own rules and showed some
    Copenhagen meetings in late March and October an hour off. `stamp` (UTC, when the file is
    made) is the DTSTAMP; `sequence` grows with every change so calendars replace the event.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//frivillig//meetings//DA")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"meeting-{view.id}@frivillig")
    event.add("summary", view.title)
    event.add("dtstart", view.starts_at.astimezone(UTC))
    event.add("dtend", view.ends_at.astimezone(UTC))
    event.add("dtstamp", (stamp or view.starts_at).astimezone(UTC))
    event.add("sequence", sequence)
    event["location"] = vText(f"{view.place}, {view.address}")
    if view.agenda.strip():
        event.add("description", view.agenda.strip())
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def ics_name(view: MeetingView) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in view.title.lower()).strip("-")
    return f"{(safe or 'moede')[:40]}.ics"
