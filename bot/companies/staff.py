"""/staff → companies (journey ``staff_companies``): the municipality's registered companies and
what they offer; one company's details; telling an association about its offer (its contact
only with the company's consent); and a coordination meeting for the companies, which opens the
meeting wizard with the kind chosen.

Whether the user is staff of the municipality is checked on every show and event, and again by
every service call with the ids it receives.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.companies import service
from bot.companies.flow import summary
from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.staff.access import NotStaffError, is_staff

JOURNEY = "staff_companies"


class StaffCompanyStep(StrEnum):
    """`staff_companies`' steps; the values are what `DialogueState.step` holds."""

    LIST = "list"
    COMPANY = "company"
    REFER = "refer"


def _slug(turn: Turn) -> str:
    return str(turn.data.get("municipality") or "")


class StaffCompaniesFlow(Flow):
    journey = JOURNEY
    Step = StaffCompanyStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            StaffCompanyStep.LIST: Screen(self._show_list, self._on_list),
            StaffCompanyStep.COMPANY: Screen(self._show_company, self._on_company),
            StaffCompanyStep.REFER: Screen(self._show_refer, self._on_refer),
        }

    def _may(self, turn: Turn) -> bool:
        slug = _slug(turn)
        return bool(slug) and is_staff(turn.session, turn.user.telegram_id, slug)

    async def _refuse(self, turn: Turn) -> None:
        turn.say("meetings.staff.denied")
        await navigation.show_menu(turn, intro="menu.title_short")

    async def start(self, turn: Turn, **params: Any) -> None:
        turn.goto(JOURNEY, StaffCompanyStep.LIST, {"municipality": str(params.get("municipality"))})
        await self.show(turn)

    async def show(self, turn: Turn) -> None:
        if not self._may(turn):
            await self._refuse(turn)
            return
        await super().show(turn)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        if not self._may(turn):
            await self._refuse(turn)
            return
        await super().on_event(turn, event, value)

    # --- the list -------------------------------------------------------------------------------
    async def _show_list(self, turn: Turn) -> None:
        slug = _slug(turn)
        companies = service.companies_of(turn.session, turn.user.telegram_id, slug)
        municipality = turn.services.directory.get(slug)
        lines = [
            turn.tn(
                "companies.staff.list",
                len(companies),
                count=len(companies),
                municipality=html.escape(municipality.name if municipality else "", quote=False),
            )
        ]
        rows: list[list[Button]] = []
        for company in companies[:30]:
            offers = ", ".join(turn.t(f"companies.offer.{o}") for o in company.offers)
            lines.append(f"• <b>{html.escape(company.name, quote=False)}</b> – {offers}")
            rows.append([Button(company.name[:60], f"open:{company.id}")])
        rows.append([turn.button("companies.staff.new_meeting", "new_meeting")])
        rows.append([turn.global_button("meetings.staff.back_to_staff", "go:staff")])
        turn.reply("\n".join(lines), rows, edit=True)

    async def _on_list(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "new_meeting":
            await turn.navigator.open_journey(
                turn, "staff_meetings", municipality=_slug(turn), kind="koordinering"
            )
            return
        raw = (value or "").removeprefix("open:")
        if value and value.startswith("open:") and raw.isdigit():
            turn.goto(
                JOURNEY, StaffCompanyStep.COMPANY, {"municipality": _slug(turn), "id": int(raw)}
            )
        await self.show(turn)

    # --- one company ----------------------------------------------------------------------------
    def _company(self, turn: Turn) -> Any:
        company_id = turn.data.get("id")
        if not isinstance(company_id, int):
            return None
        try:
            return service.staff_company(turn.session, turn.user.telegram_id, company_id)
        except NotStaffError:
            return None

    async def _back_to_list(self, turn: Turn) -> None:
        turn.goto(JOURNEY, StaffCompanyStep.LIST, {"municipality": _slug(turn)})
        await self._show_list(turn)

    async def _show_company(self, turn: Turn) -> None:
        company = self._company(turn)
        if company is None:
            turn.say("companies.staff.not_found")
            await self._back_to_list(turn)
            return
        rows = [
            [turn.button("companies.staff.refer", "refer")],
            [turn.button("companies.staff.back", "back")],
        ]
        turn.reply(summary(turn, service.as_draft(company)), rows, edit=True)

    async def _on_company(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "back":
            await self._back_to_list(turn)
            return
        if value == "refer" and self._company(turn) is not None:
            turn.goto(JOURNEY, StaffCompanyStep.REFER)
        await self.show(turn)

    async def _show_refer(self, turn: Turn) -> None:
        company = self._company(turn)
        if company is None:
            turn.say("companies.staff.not_found")
            await self._back_to_list(turn)
            return
        contacts = service.associations(turn.session, _slug(turn))
        rows = [[Button(a.name[:60], f"a:{a.id}")] for a in contacts[:30]]
        rows.append([turn.button("companies.staff.back", "back")])
        note = (
            "companies.staff.with_contact"
            if company.share_contact
            else "companies.staff.no_contact"
        )
        key = "companies.staff.pick_association" if contacts else "companies.staff.no_associations"
        turn.reply(
            turn.t(key, company=html.escape(company.name, quote=False)) + "\n" + turn.t(note),
            rows,
            edit=True,
        )

    async def _on_refer(self, turn: Turn, event: Event, value: str | None) -> None:
        company = self._company(turn)
        raw = (value or "").removeprefix("a:")
        if company is not None and value and value.startswith("a:") and raw.isdigit():
            try:
                _, contact, created = service.refer(
                    turn.session,
                    turn.user.telegram_id,
                    company.id,
                    int(raw),
                    turn.services.clock(),
                )
            except LookupError:
                turn.say("companies.staff.association_gone")
            else:
                turn.say(
                    "companies.staff.referred" if created else "companies.staff.already_referred",
                    company=company.name,
                    association=contact.name,
                )
                turn.done("companies.staff.already_referred_button")
        turn.goto(JOURNEY, StaffCompanyStep.COMPANY)
        await self.show(turn)
