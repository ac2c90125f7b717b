"""/mydata and /deletedata: see everything stored about you, or have it erased."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import OutgoingDocument
from bot.core.turn import Turn, escape
from bot.i18n import has, t
from bot.privacy.service import erase_user, export_user_data


class PrivacyStep(StrEnum):
    """The privacy journey's steps; the values are what `DialogueState.step` holds."""

    CHOOSE = "choose"  # see my data, or erase it
    CONFIRM_DELETE = "confirm_delete"  # erasure asks once more before it happens


class PrivacyFlow(Flow):
    journey = "privacy"
    Step = PrivacyStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            PrivacyStep.CHOOSE: Screen(self._show_choose, self._on_choose),
            PrivacyStep.CONFIRM_DELETE: Screen(self._show_confirm_delete, self._on_confirm_delete),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        action = params.get("action")
        if action == "export":
            await self.export(turn)
        elif action == "delete":
            turn.goto(self.journey, PrivacyStep.CONFIRM_DELETE, {})
            await self.show(turn)
        else:
            turn.goto(self.journey, PrivacyStep.CHOOSE, {})
            await self.show(turn)

    async def _show_choose(self, turn: Turn) -> None:
        rows = [
            [turn.button("privacy.button.export", "export")],
            [turn.button("privacy.button.delete", "delete")],
            [turn.global_button("menu.back_to_menu", "menu")],
        ]
        turn.say("privacy.choose", buttons=rows)

    async def _on_choose(self, turn: Turn, event: Event, value: str | None) -> None:
        if value in ("export", "delete"):
            await self.start(turn, action=value)
        else:
            await self._show_choose(turn)

    async def _show_confirm_delete(self, turn: Turn) -> None:
        rows = [
            [turn.button("privacy.button.erase", "erase")],
            [turn.button("privacy.button.keep", "keep")],
        ]
        turn.say("privacy.delete.confirm", buttons=rows)

    async def _on_confirm_delete(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "erase":
            await self.erase(turn)
        elif value == "keep":
            turn.say("privacy.delete.kept_everything")
            await navigation.show_menu(turn, intro="menu.title_short")
        else:
            await self._show_confirm_delete(turn)

    async def export(self, turn: Turn) -> None:
        now = turn.services.clock()
        data = export_user_data(turn.session, turn.user, now)
        # The summary is built from escaped parts already: `say` would escape it twice.
        turn.reply(turn.t("privacy.export.summary", summary=_summary(turn, data)))
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        turn.reply(
            "",
            document=OutgoingDocument(
                f"frivillig-mine-data-{now:%Y-%m-%d}.json",
                body,
                "application/json",
                caption=turn.t("privacy.export.caption"),
            ),
        )
        await navigation.show_menu(turn, intro="menu.title_short")

    async def erase(self, turn: Turn) -> None:
        # Texts first: the user's language goes with the rest of their data.
        lang, terms = turn.lang, turn.terms

        def lang_t(key: str) -> str:
            return t(lang, key, **terms)

        kept = erase_user(turn.session, turn.user, turn.services.clock())
        lines = [lang_t("privacy.delete.done")]
        if kept:
            lines.append(lang_t("privacy.delete.kept_intro"))
            lines.extend(f"• {lang_t(key)}" for key in kept)
        lines.append(lang_t("privacy.delete.telegram_history"))
        # No buttons: the chat's saved place is gone, so the next message starts afresh.
        turn.reply("\n\n".join(lines))


def _summary(turn: Turn, data: dict[str, Any]) -> str:
    """The export as a few readable lines (escaped HTML)."""
    sections: dict[str, Any] = data["sections"]
    profile = sections.get("profile", {})
    directory = turn.services.directory
    municipality = directory.get(profile.get("municipality"))
    consent = profile.get("consent_notices")
    lines = [
        turn.t(
            "privacy.export.profile",
            telegram_id=profile.get("telegram_id", turn.user.telegram_id),
            language=turn.t(f"language.name.{profile.get('language') or 'da'}"),
            municipality=escape(municipality.name) if municipality else "–",
            consent=turn.t(
                "privacy.export.consent_yes" if consent else "privacy.export.consent_no"
            ),
            first_seen=_day(profile.get("first_seen")),
            last_seen=_day(profile.get("last_seen")),
        )
    ]
    for name, section in sections.items():
        if name == "profile":
            continue
        count = sum(len(v) if isinstance(v, list) else 1 for v in section.values())
        key = f"privacy.section.{name}"
        label = turn.t(key) if has("da", key) else escape(name)
        lines.append(turn.t("privacy.export.section", section=label, count=count))
    return "\n".join(lines)


def _day(iso: object) -> str:
    return str(iso)[:10] if iso else "–"
