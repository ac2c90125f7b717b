"""The kinds of event one machinery runs (issue 18 §1): each has its own wording in the catalogs
(``meetings.kind.<key>`` its name, ``meetings.kind.<key>.heading`` the invitation's heading)
and a default audience; RSVP, capacity, waitlist, reminders and the calendar file are the same
for all.

Sources: Tønder's policy (a yearly volunteer day/party, a volunteer fair every fourth year, a
yearly stormøde), Jammerbugt's and Tønder's (courses for volunteers), Sermersooq's (theme days,
courses, annual coordination meetings with private companies). The keys are saved in
`Meeting.kind`, so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import has


@dataclass(frozen=True)
class EventKind:
    key: str
    #: The audience (`bot.meetings.audiences.AUDIENCES`) the wizard offers first.
    audience: str
    #: Whether the wizard asks for a limit per association (a person signs up on their own
    #: otherwise, never on behalf of an association).
    per_association: bool = False
    #: Whether the wizard asks about questions to the politicians in advance.
    questions: bool = False
    #: Whether texts call it »mødet« (a dialogue meeting, a stormøde, a coordination meeting);
    #: the other kinds are »arrangementet« (a course, a party, a fair, a theme day).
    meeting: bool = False


DIALOGUE = "dialogmode"
KINDS: dict[str, EventKind] = {
    kind.key: kind
    for kind in (
        EventKind(DIALOGUE, "chairs", per_association=True, questions=True, meeting=True),
        EventKind("stormode", "chairs", per_association=True, questions=True, meeting=True),
        EventKind("temadag", "citizens"),
        EventKind("kursus", "volunteers"),
        EventKind("fest", "volunteers"),
        EventKind("messe", "citizens"),
        EventKind("koordinering", "companies", meeting=True),
    )
}


def kind_of(key: str | None) -> EventKind:
    """The kind saved as `key`; a dialogue meeting for anything unknown (rows from before kinds)."""
    return KINDS.get(key or DIALOGUE, KINDS[DIALOGUE])


def heading_key(key: str | None) -> str:
    """The catalog key of the invitation's heading: a dialogue meeting keeps the original one."""
    kind = kind_of(key)
    if kind.key == DIALOGUE:
        return "meetings.invitation.heading"
    return f"meetings.kind.{kind.key}.heading"


def worded(key: str, kind: str | None) -> str:
    """`key`, or its ``<key>.event`` variant when the catalogs have one and the kind is not a
    meeting (`EventKind.meeting`): »arrangementet« for a course or a party where a dialogue
    meeting, a stormøde or a coordination meeting says »mødet«."""
    if not kind_of(kind).meeting and has("da", f"{key}.event"):
        return f"{key}.event"
    return key
