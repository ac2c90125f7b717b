"""The main menu and the settings a user can change after onboarding."""

from __future__ import annotations

from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow
from bot.core.replies import Button
from bot.core.turn import Turn


class MenuFlow(Flow):
    """Resting place between journeys: free text here goes to the NLU."""

    journey = "menu"

    async def start(self, turn: Turn, **params: Any) -> None:
        await navigation.show_menu(turn)

    async def show(self, turn: Turn) -> None:
        await navigation.show_menu(turn)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        await navigation.show_menu(turn)


class SettingsFlow(Flow):
    """Municipality, notices and language: everything onboarding asked, changeable later."""

    journey = "settings"

    async def start(self, turn: Turn, **params: Any) -> None:
        turn.goto(self.journey, "main", {})
        await self.show(turn)

    async def show(self, turn: Turn) -> None:
        if turn.step == "municipality":
            rows = [
                [Button(m.name, slug)] for slug, m in turn.services.directory.municipalities.items()
            ]
            rows.append([turn.button("settings.back", "back")])
            turn.reply(turn.t("onboarding.ask_municipality"), rows, edit=True)
            return
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

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        if turn.step == "municipality":
            if value in turn.services.directory.municipalities:
                turn.user.municipality_slug = value
                turn.say("settings.municipality_changed")
            turn.goto(self.journey, "main")
        elif value == "municipality":
            turn.goto(self.journey, "municipality")
        elif value == "notices":
            turn.user.consent_notices = not turn.user.consent_notices
        await self.show(turn)
