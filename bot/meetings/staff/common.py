"""What the three staff machines share: the municipality in the step data, stored times, the
meeting's link, and the home screen every machine returns to."""

from __future__ import annotations

import html

from bot.core import navigation
from bot.core.links import private_chat_link
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.staff.steps import JOURNEY, StaffMeetingStep
from bot.staff.access import is_staff


def slug(turn: Turn) -> str:
    """The municipality the staff member is working for (in the step data)."""
    return str(turn.data.get("municipality") or "")


def zone(turn: Turn) -> str:
    """The municipality's IANA time zone, in which staff type times."""
    return service.municipality_of(turn.session, slug(turn)).timezone


def may_work(turn: Turn, municipality: str) -> bool:
    """Whether the user is (still) staff of `municipality`; every service call checks again."""
    return bool(municipality) and is_staff(turn.session, turn.user.telegram_id, municipality)


async def refuse(turn: Turn) -> None:
    """Say no to someone who is not staff (any more) and show the main menu."""
    turn.say("meetings.staff.denied")
    await navigation.show_menu(turn, intro="menu.title_short")


def meeting_link(turn: Turn, meeting_id: int) -> str:
    """The deep link that opens the meeting in a private chat with the bot."""
    start = f"meetings-{meeting_id}"
    # Without a username (the terminal chat with no BOT_USERNAME) the link names the setting
    # to fill in rather than pointing at somebody else's bot.
    return private_chat_link(turn.services.bot_username, start) or (
        f"https://t.me/<BOT_USERNAME>?start={start}"
    )


def show_home(turn: Turn) -> None:
    """Go to the home screen: new meeting, new notice, and the upcoming meetings."""
    turn.goto(JOURNEY, StaffMeetingStep.HOME, {"municipality": slug(turn)})
    municipality = service.municipality_of(turn.session, slug(turn))
    meetings = service.upcoming(turn.session, slug(turn), turn.services.clock())
    rows = [
        [turn.button("meetings.staff.new_meeting", "new_meeting")],
        [turn.button("meetings.staff.new_event", "new_event")],
        [turn.button("meetings.staff.new_notice", "new_notice")],
    ]
    for meeting in meetings[:8]:
        rows.append([Button(meeting.title[:60], f"open:{meeting.id}")])
    rows.append([turn.global_button("meetings.staff.back_to_staff", "go:staff")])
    turn.reply(
        turn.t(
            "meetings.staff.home",
            municipality=html.escape(municipality.name, quote=False),
            count=len(meetings),
        ),
        rows,
        edit=True,
    )


def ask_to_send(
    turn: Turn,
    audience_key: str,
    count: int,
    rows: list[list[Button]],
    preview_key: str = "meetings.staff.preview",
) -> None:
    """The line under a preview: how many of `audience_key` will get it, with »Send til N« on
    top of `rows` (the staff member's other choices) when there is anyone to send to.

    `preview_key` names what is previewed: an invitation by default, a news item from the
    notice flow (issue 16: a news item must not be called an »invitation«)."""
    audience = AUDIENCES[audience_key]
    if count:
        rows = [[turn.button("meetings.staff.send", "send", count=count)], *rows]
    # The name, not the button label: the label carries its own »(count)«.
    name = turn.t(audience.name_key)
    turn.reply(
        turn.tn(preview_key, count, count=count, audience=name)
        if count
        else turn.t("meetings.staff.preview_nobody", audience=name),
        rows,
    )
