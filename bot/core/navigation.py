"""The places every journey can return to: the main menu, help, the language picker."""

from __future__ import annotations

from bot.core.replies import Button
from bot.core.turn import Turn
from bot.i18n import LANGUAGES, t
from bot.staff.access import staff_municipalities

#: Journeys on the main menu, in order, with their catalog label keys.
MENU_JOURNEYS: tuple[tuple[str, str], ...] = (
    ("volunteer", "menu.volunteer"),
    ("grants", "menu.grants"),
    ("meetings", "menu.meetings"),
    ("companies", "menu.companies"),
)

#: Journeys on the main menu only where the user's municipality offers them (its data in
#: `data/municipalities.yaml`): (journey, label key, feature).
MUNICIPAL_JOURNEYS: tuple[tuple[str, str, str], ...] = (
    ("award", "menu.award", "award"),
    ("consultations", "menu.consultations", "consultations"),
)


def menu_buttons(turn: Turn) -> list[list[Button]]:
    rows: list[list[Button]] = [
        [turn.global_button(label, f"go:{journey}")] for journey, label in MENU_JOURNEYS
    ]
    municipality = turn.services.directory.get(turn.user.municipality_slug)
    if municipality is not None:
        rows.extend(
            [turn.global_button(label, f"go:{journey}")]
            for journey, label, feature in MUNICIPAL_JOURNEYS
            if municipality.offers(feature) and turn.navigator.has_journey(journey)
        )
    if turn.navigator.has_journey("volunteer"):
        # The citizen's own things: interests said and søgeagenter (saved searches) kept.
        rows.append(
            [
                turn.global_button("menu.my_interests", "volunteer:mine"),
                turn.global_button("menu.my_alerts", "volunteer:alerts"),
            ]
        )
    if turn.navigator.has_journey("staff") and is_staff(turn):
        # Staff reach /staff from the menu too; citizens never see the button.
        rows.append([turn.global_button("menu.staff", "go:staff")])
    rows.append(
        [
            turn.global_button("menu.settings", "go:settings"),
            turn.global_button("menu.language", "langpick"),
            turn.global_button("menu.help", "help"),
        ]
    )
    return rows


def is_staff(turn: Turn) -> bool:
    """Whether the turn's user has a staff role anywhere: read with the turn's load (one query
    for user, state and this), else asked now and kept for the rest of the turn."""
    if turn.staff is None:
        turn.staff = bool(staff_municipalities(turn.session, turn.user.telegram_id))
    return turn.staff


async def show_menu(turn: Turn, *, intro: str = "menu.title") -> None:
    """Put the chat at the main menu and show it."""
    turn.goto("menu", "main", {})  # MenuStep.MAIN (bot.core.flows.menu imports this module)
    municipality = turn.services.directory.get(turn.user.municipality_slug)
    name = municipality.name if municipality else ""
    turn.say(intro, buttons=menu_buttons(turn), municipality=name)


def show_help(turn: Turn) -> None:
    turn.say("help.text")


def language_buttons(turn: Turn) -> list[list[Button]]:
    return [[turn.global_button(f"language.name.{code}", f"lang:{code}") for code in LANGUAGES]]


#: Languages in which most of the bot still falls back to Danish: said when one is chosen.
PARTLY_TRANSLATED: frozenset[str] = frozenset({"kl"})


def say_if_partly_translated(turn: Turn, code: str) -> None:
    """At the choice of a language most of the bot is not yet in (Kalaallisut: only the start,
    the menu and /help), say so, in that language and in Danish (catalog `language.kl_note`)."""
    if code in PARTLY_TRANSLATED:
        turn.reply(t(code, f"language.{code}_note"))


def show_language_picker(turn: Turn) -> None:
    turn.say("language.choose", buttons=language_buttons(turn))
