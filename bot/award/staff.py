"""`/staff` → the volunteer award: open a round with a deadline, see and shortlist the
nominations, export them (CSV), and announce the winner as a notice to the municipality's citizens.

Every action asks the service, which checks again that the user is staff of the municipality.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.award import service
from bot.award.models import AwardNomination, AwardRound
from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents
from bot.staff.access import NotStaffError, is_staff
from bot.validation.deadlines import parse_deadline
from bot.validation.errors import InvalidInput

JOURNEY = "staff_award"
TITLE_MAX = 200
ANNOUNCEMENT_MIN, ANNOUNCEMENT_MAX = 10, 2000
#: Nominations shown as buttons on one screen (the CSV has them all).
LIST_LIMIT = 30


class StaffAwardStep(StrEnum):
    """`staff_award`'s steps; the values are what `DialogueState.step` holds."""

    HOME = "home"
    NEW_TITLE = "new_title"
    NEW_DEADLINE = "new_deadline"
    LIST = "list"
    NOMINATION = "nomination"
    ANNOUNCE_TEXT = "announce_text"
    ANNOUNCE_PREVIEW = "announce_preview"
    #: »Er du sikker?« before a nomination is deleted.
    DELETE = "delete"


def _e(value: object) -> str:
    return html.escape(str(value or ""), quote=False)


class StaffAwardFlow(Flow):
    journey = JOURNEY
    Step = StaffAwardStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            StaffAwardStep.HOME: Screen(self._show_home, self._on_home),
            StaffAwardStep.NEW_TITLE: Screen(self._show_new_title, self._on_new_title, text=True),
            StaffAwardStep.NEW_DEADLINE: Screen(
                self._show_new_deadline, self._on_new_deadline, text=True
            ),
            StaffAwardStep.LIST: Screen(self._show_list, self._on_list),
            StaffAwardStep.NOMINATION: Screen(self._show_nomination, self._on_nomination),
            StaffAwardStep.ANNOUNCE_TEXT: Screen(
                self._show_announce_text, self._on_announce_text, text=True
            ),
            StaffAwardStep.ANNOUNCE_PREVIEW: Screen(self._show_preview, self._on_preview),
            StaffAwardStep.DELETE: Screen(self._show_delete, self._on_delete),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        slug = str(params.get("municipality") or turn.data.get("municipality") or "")
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            await self._refuse(turn)
            return
        turn.goto(JOURNEY, StaffAwardStep.HOME, {"municipality": slug})
        await self.show(turn)

    # --- helpers --------------------------------------------------------------------------------
    def _slug(self, turn: Turn) -> str:
        return str(turn.data.get("municipality") or "")

    def _award_name(self, turn: Turn) -> str:
        municipality = turn.services.directory.get(self._slug(turn))
        name = municipality.award_name(turn.lang) if municipality else None
        return name or ""

    def _latest(self, turn: Turn) -> AwardRound | None:
        found = service.rounds(turn.session, turn.user.telegram_id, self._slug(turn))
        return found[0] if found else None

    async def _refuse(self, turn: Turn) -> None:
        turn.say("award.staff.denied")
        await navigation.show_menu(turn, intro="menu.title_short")

    def _home_button(self, turn: Turn) -> list[Button]:
        return [turn.button("award.staff.button.home", "home")]

    # --- home -----------------------------------------------------------------------------------
    async def _show_home(self, turn: Turn) -> None:
        slug = self._slug(turn)
        municipality = turn.services.directory.get(slug)
        back = [turn.global_button("award.staff.button.hub", "go:staff")]
        if municipality is None or municipality.award is None:
            turn.say("award.staff.none", buttons=[back])
            return
        try:
            latest = self._latest(turn)
        except NotStaffError:
            await self._refuse(turn)
            return
        now = turn.services.clock()
        rows: list[list[Button]] = []
        if latest is None:
            text = turn.t("award.staff.home_empty", award=_e(municipality.award_name(turn.lang)))
        else:
            all_rows = service.nominations(turn.session, turn.user.telegram_id, latest.id)
            shortlisted = sum(1 for row in all_rows if row.shortlisted)
            state = (
                "announced"
                if latest.status == "announced"
                else "open"
                if latest.deadline > now
                else "closed"
            )
            text = turn.tn(
                "award.staff.home",
                len(all_rows),
                award=_e(municipality.award_name(turn.lang)),
                title=_e(latest.title),
                deadline=service.deadline_text(turn.session, latest, turn.lang),
                state=turn.t(f"award.staff.state.{state}", winner=_e(latest.winner_name)),
                count=len(all_rows),
                shortlisted=shortlisted,
            )
            if all_rows:
                rows.append([turn.button("award.staff.button.list", "list")])
                rows.append([turn.button("award.staff.button.csv", "csv")])
        if service.open_round(turn.session, slug, now) is None:
            rows.append([turn.button("award.staff.button.new_round", "new_round")])
        rows.append(back)
        turn.reply(text, rows, edit=True)

    async def _on_home(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "new_round":
            turn.goto(JOURNEY, StaffAwardStep.NEW_TITLE)
        elif value == "list":
            turn.goto(JOURNEY, StaffAwardStep.LIST, {"municipality": self._slug(turn)})
        elif value == "csv":
            await self._export(turn)
            return
        await self.show(turn)

    async def _export(self, turn: Turn) -> None:
        try:
            latest = self._latest(turn)
            if latest is None:
                await self.show(turn)
                return
            rows = service.export_rows(turn.session, turn.user.telegram_id, latest.id, turn.lang)
        except NotStaffError:
            await self._refuse(turn)
            return
        name = f"frivillighedspris-{self._slug(turn)}-{latest.id}.csv"
        turn.reply(
            turn.tn("award.staff.export_caption", len(rows), count=len(rows)),
            document=OutgoingDocument(name, documents.export_round_csv(rows), "text/csv"),
        )
        await self.show(turn)

    # --- a new round ----------------------------------------------------------------------------
    async def _show_new_title(self, turn: Turn) -> None:
        year = turn.services.clock().year
        turn.say(
            "award.staff.ask_title",
            buttons=[self._home_button(turn)],
            example=f"{self._award_name(turn)} {year}",
        )

    async def _on_new_title(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "home":
            turn.goto(JOURNEY, StaffAwardStep.HOME)
        elif value is None:
            title = " ".join((event.text or "").split())
            if 3 <= len(title) <= TITLE_MAX:
                turn.remember(title=title)
                turn.goto(JOURNEY, StaffAwardStep.NEW_DEADLINE)
            else:
                turn.say("award.staff.error.title", high=TITLE_MAX)
        await self.show(turn)

    async def _show_new_deadline(self, turn: Turn) -> None:
        turn.say("award.staff.ask_deadline", buttons=[self._home_button(turn)])

    async def _on_new_deadline(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "home":
            turn.goto(JOURNEY, StaffAwardStep.HOME)
            await self.show(turn)
            return
        slug = self._slug(turn)
        zone = turn.services.directory.municipalities[slug].timezone
        now = turn.services.clock()
        try:
            deadline = parse_deadline(event.text or "", zone, now, errors="award")
            award_round = service.start_round(
                turn.session,
                turn.user.telegram_id,
                slug,
                str(turn.data.get("title") or self._award_name(turn)),
                deadline,
                now,
            )
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **{k: _e(v) for k, v in error.params.items()}))
            await self.show(turn)
            return
        except NotStaffError:
            await self._refuse(turn)
            return
        turn.say(
            "award.staff.round_opened",
            title=award_round.title,
            deadline=service.deadline_text(turn.session, award_round, turn.lang),
            days=service.REMINDER_DAYS_BEFORE,
        )
        turn.goto(JOURNEY, StaffAwardStep.HOME, {"municipality": slug})
        await self.show(turn)

    # --- the nominations ------------------------------------------------------------------------
    async def _show_list(self, turn: Turn) -> None:
        try:
            latest = self._latest(turn)
            if latest is None:
                turn.goto(JOURNEY, StaffAwardStep.HOME)
                await self.show(turn)
                return
            only = bool(turn.data.get("shortlist"))
            found = service.nominations(
                turn.session, turn.user.telegram_id, latest.id, shortlisted_only=only
            )
        except NotStaffError:
            await self._refuse(turn)
            return
        rows = [
            [
                Button(
                    ("⭐ " if row.shortlisted else "") + f"{row.nominee_name[:50]}",
                    f"open:{row.id}",
                )
            ]
            for row in found[:LIST_LIMIT]
        ]
        toggle = "award.staff.button.show_all" if only else "award.staff.button.show_shortlist"
        rows.append([turn.button(toggle, "toggle")])
        rows.append(self._home_button(turn))
        key = "award.staff.list_shortlist" if only else "award.staff.list"
        turn.reply(
            turn.tn(key, len(found), count=len(found), title=_e(latest.title)), rows, edit=True
        )

    async def _on_list(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "home":
            turn.goto(JOURNEY, StaffAwardStep.HOME)
        elif value == "toggle":
            turn.remember(shortlist=not turn.data.get("shortlist"))
        elif value and value.startswith("open:") and value[5:].isdigit():
            turn.remember(nomination=int(value[5:]))
            turn.goto(JOURNEY, StaffAwardStep.NOMINATION)
        await self.show(turn)

    def _nomination(self, turn: Turn) -> AwardNomination:
        return service.staff_nomination(
            turn.session, turn.user.telegram_id, int(turn.data.get("nomination") or 0)
        )

    async def _show_nomination(self, turn: Turn) -> None:
        try:
            row = self._nomination(turn)
        except NotStaffError:
            await self._refuse(turn)
            return
        text = turn.t(
            "award.staff.nomination",
            kind=turn.t(f"award.kind_noun.{row.nominee_kind}"),
            nominee=_e(row.nominee_name),
            reason=_e(row.reason),
            name=_e(row.nominator_name),
            contact=_e(row.nominator_contact),
            consent=turn.t("award.yes" if row.may_contact_nominee else "award.no"),
            shortlisted=turn.t("award.yes" if row.shortlisted else "award.no"),
        )
        toggle = (
            "award.staff.button.unshortlist" if row.shortlisted else "award.staff.button.shortlist"
        )
        rows = [[turn.button(toggle, "shortlist")]]
        award_round = service.staff_round(turn.session, turn.user.telegram_id, row.round_id)
        if award_round.status != "announced":
            rows.append([turn.button("award.staff.button.winner", "winner")])
        rows.append([turn.button("award.staff.button.delete", "delete")])
        rows.append([turn.button("award.staff.button.back_to_list", "list")])
        turn.reply(text, rows, edit=True)

    async def _on_nomination(self, turn: Turn, event: Event, value: str | None) -> None:
        try:
            if value == "shortlist":
                row = service.toggle_shortlist(
                    turn.session, turn.user.telegram_id, int(turn.data.get("nomination") or 0)
                )
                turn.say(
                    "award.staff.shortlisted" if row.shortlisted else "award.staff.unshortlisted",
                    nominee=row.nominee_name,
                )
            elif value == "winner":
                self._nomination(turn)
                turn.goto(JOURNEY, StaffAwardStep.ANNOUNCE_TEXT)
            elif value == "delete":
                turn.goto(JOURNEY, StaffAwardStep.DELETE)
            elif value == "list":
                turn.goto(JOURNEY, StaffAwardStep.LIST)
        except NotStaffError:
            await self._refuse(turn)
            return
        await self.show(turn)

    async def _show_delete(self, turn: Turn) -> None:
        try:
            row = self._nomination(turn)
        except NotStaffError:
            await self._refuse(turn)
            return
        turn.say(
            "award.staff.ask_delete",
            buttons=[
                [turn.button("award.staff.button.delete_yes", "yes")],
                [turn.button("award.staff.button.delete_no", "no")],
            ],
            nominee=row.nominee_name,
        )

    async def _on_delete(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "yes":
            try:
                name = service.delete_nomination(
                    turn.session, turn.user.telegram_id, int(turn.data.get("nomination") or 0)
                )
            except NotStaffError:
                await self._refuse(turn)
                return
            turn.say("award.staff.deleted", nominee=name)
            turn.done("award.staff.already_deleted")
            turn.goto(JOURNEY, StaffAwardStep.LIST)
        elif value == "no":
            turn.goto(JOURNEY, StaffAwardStep.NOMINATION)
        await self.show(turn)

    # --- the announcement -----------------------------------------------------------------------
    async def _show_announce_text(self, turn: Turn) -> None:
        try:
            row = self._nomination(turn)
        except NotStaffError:
            await self._refuse(turn)
            return
        turn.say(
            "award.staff.ask_announcement",
            buttons=[[turn.button("award.staff.button.back_to_list", "list")]],
            winner=row.nominee_name,
        )

    async def _on_announce_text(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "list":
            turn.goto(JOURNEY, StaffAwardStep.LIST)
        elif value is None:
            text = (event.text or "").strip()
            if ANNOUNCEMENT_MIN <= len(text) <= ANNOUNCEMENT_MAX:
                turn.remember(announcement=text)
                turn.goto(JOURNEY, StaffAwardStep.ANNOUNCE_PREVIEW)
            else:
                turn.say(
                    "award.staff.error.announcement", low=ANNOUNCEMENT_MIN, high=ANNOUNCEMENT_MAX
                )
        await self.show(turn)

    async def _show_preview(self, turn: Turn) -> None:
        try:
            row = self._nomination(turn)
            award_round = service.staff_round(turn.session, turn.user.telegram_id, row.round_id)
        except NotStaffError:
            await self._refuse(turn)
            return
        turn.reply(
            turn.t(
                "award.announcement",
                award=_e(self._award_name(turn)),
                title=_e(award_round.title),
                winner=_e(row.nominee_name),
                text=_e(turn.data.get("announcement")),
            )
        )
        count = service.audience_size(turn.session, self._slug(turn))
        rows = [[turn.button("award.staff.button.fix_text", "fix")], self._home_button(turn)]
        if count:
            rows.insert(0, [turn.button("award.staff.button.send", "send", count=count)])
        turn.reply(turn.tn("award.staff.preview", count, count=count), rows)

    async def _on_preview(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "fix":
            turn.goto(JOURNEY, StaffAwardStep.ANNOUNCE_TEXT)
        elif value == "home":
            turn.goto(JOURNEY, StaffAwardStep.HOME)
        elif value == "send":
            try:
                broadcast, created = service.announce(
                    turn.session,
                    turn.user.telegram_id,
                    int(turn.data.get("nomination") or 0),
                    str(turn.data.get("announcement") or ""),
                    self._award_name(turn),
                    turn.services.clock(),
                )
            except NotStaffError:
                await self._refuse(turn)
                return
            key = "award.staff.announced" if created else "award.staff.already_announced"
            turn.reply(turn.tn(key, broadcast.total, count=broadcast.total))
            turn.done("award.staff.already_announced_button")
            turn.goto(JOURNEY, StaffAwardStep.HOME, {"municipality": self._slug(turn)})
        await self.show(turn)
