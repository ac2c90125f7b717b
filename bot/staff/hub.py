"""`/staff`: the hub that leads staff of a municipality to its tools (meetings, opportunities,
grant review). Sections are separate journeys; only those that exist are offered."""

from __future__ import annotations

from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.staff.access import is_staff, staff_municipalities

#: (journey of the section, catalog key of its button), in the order staff see them.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("staff_meetings", "staff.section.meetings"),
    ("staff_opportunities", "staff.section.opportunities"),
    ("staff_grants", "staff.section.grants"),
)


class StaffHubFlow(Flow):
    journey = "staff"

    async def start(self, turn: Turn, **params: Any) -> None:
        municipalities = staff_municipalities(turn.session, turn.user.telegram_id)
        if not municipalities:
            turn.say("staff.not_staff", user_id=turn.user.telegram_id)
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        if len(municipalities) == 1:
            turn.goto(self.journey, "sections", {"municipality": municipalities[0]})
        else:
            turn.goto(self.journey, "pick", {})
        await self.show(turn)

    async def show(self, turn: Turn) -> None:
        directory = turn.services.directory
        if turn.step == "pick":
            rows = [
                [Button(directory.municipalities[slug].name, slug)]
                for slug in staff_municipalities(turn.session, turn.user.telegram_id)
                if slug in directory.municipalities
            ]
            turn.reply(turn.t("staff.pick_municipality"), rows, edit=True)
            return
        slug = turn.data.get("municipality")
        municipality = directory.get(slug)
        rows = [
            [turn.button(label, journey)]
            for journey, label in SECTIONS
            if turn.navigator.has_journey(journey)
        ]
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        name = municipality.name if municipality else ""
        turn.reply(turn.t("staff.sections", municipality=name), rows, edit=True)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        if turn.step == "pick" and value:
            if not is_staff(turn.session, turn.user.telegram_id, value):
                turn.say("staff.not_staff", user_id=turn.user.telegram_id)
                await navigation.show_menu(turn, intro="menu.title_short")
                return
            turn.goto(self.journey, "sections", {"municipality": value})
            await self.show(turn)
            return
        slug = turn.data.get("municipality")
        sections = {journey for journey, _ in SECTIONS}
        if value in sections and slug and is_staff(turn.session, turn.user.telegram_id, slug):
            await turn.navigator.open_journey(turn, value, municipality=slug)
            return
        await self.show(turn)
