"""The main menu and the settings a user can change after onboarding."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button
from bot.core.turn import Turn


class MenuStep(StrEnum):
    """The menu's one step; the value is what `DialogueState.step` holds."""

    MAIN = "main"


class MenuFlow(Flow):
    """Resting place between journeys: free text here goes to the NLU."""

    journey = "menu"
    Step = MenuStep

    def screens(self) -> Mapping[str, Screen]:
        return {MenuStep.MAIN: Screen(self._show, self._on_event)}

    async def start(self, turn: Turn, **params: Any) -> None:
        await navigation.show_menu(turn)

    async def _show(self, turn: Turn) -> None:
        await navigation.show_menu(turn)

    async def _on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        await navigation.show_menu(turn)


class SettingsStep(StrEnum):
    """The settings' steps; the values are what `DialogueState.step` holds."""

    MAIN = "main"
    MUNICIPALITY = "municipality"


class SettingsFlow(Flow):
    """Municipality, notices and language: everything onboarding asked, changeable later."""

    journey = "settings"
    Step = SettingsStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            SettingsStep.MAIN: Screen(self._show_main, self._on_main),
            SettingsStep.MUNICIPALITY: Screen(self._show_municipality, self._on_municipality),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        turn.goto(self.journey, SettingsStep.MAIN, {})
        await self.show(turn)

    async def _show_municipality(self, turn: Turn) -> None:
        rows = [
            [Button(m.name, slug)] for slug, m in turn.services.directory.municipalities.items()
        ]
        rows.append([turn.button("settings.back", "back")])
        turn.reply(turn.t("onboarding.ask_municipality"), rows, edit=True)

    async def _show_main(self, turn: Turn) -> None:
        municipality = turn.services.directory.get(turn.user.municipality_slug)
        notices = "settings.notices_on" if turn.user.consent_notices else "settings.notices_off"
        text = turn.t(
            "settings.summary",
            municipality=municipality.name if municipality else "-",
            language=turn.t(f"language.name.{turn.lang}"),
            notices=turn.t(notices),
        )
        toggle = "settings.turn_off" if turn.user.consent_notices else "settings.turn_on"
        rows = [
            [turn.button("settings.change_municipality", "municipality")],
            [turn.button(toggle, "notices")],
            [turn.global_button("menu.language", "langpick")],
            [turn.global_button("menu.back_to_menu", "menu")],
        ]
        turn.reply(text, rows, edit=True)

    async def _on_municipality(self, turn: Turn, event: Event, value: str | None) -> None:
        if value in turn.services.directory.municipalities:
            turn.user.municipality_slug = value
            turn.say("settings.municipality_changed")
        turn.goto(self.journey, SettingsStep.MAIN)
        await self.show(turn)

    async def _on_main(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "municipality":
            turn.goto(self.journey, SettingsStep.MUNICIPALITY)
        elif value == "notices":
            turn.user.consent_notices = not turn.user.consent_notices
        await self.show(turn)
