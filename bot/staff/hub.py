"""`/staff`: the hub that leads staff of a municipality to its tools (meetings, opportunities,
grant review). Sections are separate journeys; only those that exist are offered. The hub also
logs staff into the web dashboard: »Log ind i browseren« answers with a one-time link, and over
https »🖥 Åbn kontrolpanel« opens the dashboard as a Telegram Mini App."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.directory import MunicipalityInfo
from bot.staff.access import is_staff, staff_municipalities
from bot.web.auth import create_login_link

#: (journey of the section, catalog key of its button), in the order staff see them.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("staff_meetings", "staff.section.meetings"),
    ("staff_opportunities", "staff.section.opportunities"),
    ("staff_grants", "staff.section.grants"),
    ("staff_award", "staff.section.award"),
    ("staff_consultations", "staff.section.consultations"),
    ("staff_companies", "staff.section.companies"),
)
#: Sections offered only where the municipality's policy has the feature (its data).
SECTION_FEATURES: dict[str, str] = {
    "staff_award": "award",
    "staff_consultations": "consultations",
}


def _offered(municipality: MunicipalityInfo | None, journey: str) -> bool:
    feature = SECTION_FEATURES.get(journey)
    return feature is None or (municipality is not None and municipality.offers(feature))


#: The hub's button that sends a one-time login link for the dashboard (`bot.web`).
WEB_LOGIN = "web_login"


class StaffHubStep(StrEnum):
    """The hub's steps; the values are what `DialogueState.step` holds."""

    PICK = "pick"  # staff of several municipalities choose one first
    SECTIONS = "sections"  # the tools of the chosen municipality


class StaffHubFlow(Flow):
    journey = "staff"
    Step = StaffHubStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            StaffHubStep.PICK: Screen(self._show_pick, self._on_pick),
            StaffHubStep.SECTIONS: Screen(self._show_sections, self._on_sections),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        municipalities = staff_municipalities(turn.session, turn.user.telegram_id)
        if not municipalities:
            turn.say("staff.not_staff", user_id=turn.user.telegram_id)
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        if len(municipalities) == 1:
            turn.goto(self.journey, StaffHubStep.SECTIONS, {"municipality": municipalities[0]})
        else:
            turn.goto(self.journey, StaffHubStep.PICK, {})
        await self.show(turn)

    async def _show_pick(self, turn: Turn) -> None:
        directory = turn.services.directory
        rows = [
            [Button(directory.municipalities[slug].name, slug)]
            for slug in staff_municipalities(turn.session, turn.user.telegram_id)
            if slug in directory.municipalities
        ]
        turn.reply(turn.t("staff.pick_municipality"), rows, edit=True)

    async def _on_pick(self, turn: Turn, event: Event, value: str | None) -> None:
        if not value:
            await self._show_pick(turn)
            return
        if not is_staff(turn.session, turn.user.telegram_id, value):
            turn.say("staff.not_staff", user_id=turn.user.telegram_id)
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(self.journey, StaffHubStep.SECTIONS, {"municipality": value})
        await self.show(turn)

    async def _show_sections(self, turn: Turn) -> None:
        slug = turn.data.get("municipality")
        municipality = turn.services.directory.get(slug)
        rows = [
            [turn.button(label, journey)]
            for journey, label in SECTIONS
            if turn.navigator.has_journey(journey) and _offered(municipality, journey)
        ]
        rows.append([turn.button("staff.web.login_button", WEB_LOGIN)])
        web_url = turn.services.settings.web_url
        if web_url.startswith("https://"):
            # Telegram opens Mini Apps from https addresses only.
            rows.append(
                [Button(turn.t("staff.web.app_button"), "web_app", web_app=f"{web_url}/staff/app")]
            )
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        name = municipality.name if municipality else ""
        turn.reply(turn.t("staff.sections", municipality=name), rows, edit=True)

    async def _on_sections(self, turn: Turn, event: Event, value: str | None) -> None:
        slug = turn.data.get("municipality")
        if value == WEB_LOGIN and slug and is_staff(turn.session, turn.user.telegram_id, slug):
            token = create_login_link(turn.session, turn.user.telegram_id, turn.services.clock())
            url = f"{turn.services.settings.web_url}/staff/login/{token}"
            turn.say("staff.web.link", url=url)
            await self._show_sections(turn)
            return
        sections = {journey for journey, _ in SECTIONS}
        if value in sections and slug and is_staff(turn.session, turn.user.telegram_id, slug):
            await turn.navigator.open_journey(turn, value, municipality=slug)
            return
        await self._show_sections(turn)
