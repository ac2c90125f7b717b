"""Journey `staff_grants`: staff of a municipality review its § 18 applications in chat.

Started by the staff hub with ``municipality=slug``. Steps (`StaffGrantStep`): LIST (by round and
status, paged), APP (all answers, attachments re-sent by Telegram file id, decisions),
APPROVE_AMOUNT, REJECT_REASON and ASK_INFO (typed answers). Authorization is checked again by the
service for every action and every id from a button; the applicant is told of every change through
the outbox, in their own language.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen, ShowScreen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents
from bot.grants.fields import format_amount
from bot.grants.models import REVIEWABLE, GrantApplication, Status
from bot.grants.schemes import FieldType
from bot.grants.screens.common import grant_service, local_day, long_date, refusal_key, typed_amount
from bot.grants.service import PAGE_SIZE, ApplicationNotFoundError
from bot.staff.access import NotStaffError, is_staff
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_text

JOURNEY = "staff_grants"
REASON_LIMIT = 1500
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StaffGrantStep(StrEnum):
    """The steps of journey `staff_grants`; the values are what `DialogueState.step` holds."""

    LIST = "list"
    APP = "app"
    APPROVE_AMOUNT = "approve_amount"
    REJECT_REASON = "reject_reason"
    ASK_INFO = "ask_info"


#: The application's decision buttons and the step asking for what each decision needs.
DECISION_STEPS = {
    "approve": StaffGrantStep.APPROVE_AMOUNT,
    "reject": StaffGrantStep.REJECT_REASON,
    "ask": StaffGrantStep.ASK_INFO,
}


class StaffGrantsFlow(Flow):
    journey = JOURNEY
    Step = StaffGrantStep

    def screens(self) -> Mapping[str, Screen]:
        decision = Screen(_at_once(self._ask), self._on_text, text=True)
        return {
            StaffGrantStep.LIST: Screen(
                _at_once(self._show_list), lambda turn, event, value: self._on_list(turn, value)
            ),
            StaffGrantStep.APP: Screen(
                _at_once(self._show_app), lambda turn, event, value: self._on_app(turn, value)
            ),
            StaffGrantStep.APPROVE_AMOUNT: decision,
            StaffGrantStep.REJECT_REASON: decision,
            StaffGrantStep.ASK_INFO: decision,
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        slug = str(params.get("municipality") or "")
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            await self._refuse(turn)
            return
        rounds = grant_service(turn).round_keys(turn.session, slug)
        turn.goto(
            JOURNEY,
            StaffGrantStep.LIST,
            {"municipality": slug, "round": rounds[0] if rounds else None},
        )
        self._show_list(turn)

    async def _refuse(self, turn: Turn) -> None:
        turn.say("staff.not_staff", user_id=turn.user.telegram_id)
        await navigation.show_menu(turn, intro="menu.title_short")

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        """ "Open" from a notification: `staff_grants:open:<slug>:<id>`, checked like any id."""
        if action != "open" or len(args) != 2:
            return False
        slug, app_id = args
        try:
            grant_service(turn).staff_get(turn.session, turn.user.telegram_id, slug, app_id)
        except NotStaffError:
            await self._refuse(turn)
            return True
        except ApplicationNotFoundError:
            turn.say("grants.not_found")
            await navigation.show_menu(turn, intro="menu.title_short")
            return True
        turn.goto(JOURNEY, StaffGrantStep.APP, {"municipality": slug, "app": int(app_id)})
        self._show_app(turn)
        return True

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        """Every answer goes through the step's screen; a staff role or an application gone
        since the screen was shown is said here, once for all steps."""
        try:
            await super().on_event(turn, event, value)
        except NotStaffError:
            await self._refuse(turn)
        except ApplicationNotFoundError:
            turn.say("grants.not_found")
            turn.goto(JOURNEY, StaffGrantStep.LIST, _list_data(turn))
            self._show_list(turn)

    # --- the list -------------------------------------------------------------------------------
    def _show_list(self, turn: Turn) -> None:
        data = turn.data
        slug = str(data.get("municipality"))
        service = grant_service(turn)
        try:
            apps, total = service.staff_list(
                turn.session,
                turn.user.telegram_id,
                slug,
                data.get("round"),
                data.get("status"),
                int(data.get("page") or 0),
            )
        except NotStaffError:
            turn.say("staff.not_staff", user_id=turn.user.telegram_id)
            return
        info = turn.services.directory.get(slug)
        status = data.get("status")
        lines = [
            turn.t(
                "grants.staff.list.title",
                municipality=html.escape(info.name if info else slug),
                round=html.escape(str(data.get("round") or turn.t("grants.staff.all_rounds"))),
                status=turn.t(f"grants.status.{status}") if status else turn.t("grants.staff.all"),
                count=total,
            )
        ]
        rows: list[list[Button]] = []
        for app in apps:
            name = app.applicant_name or "?"
            lines.append(
                f"• <b>{html.escape(app.reference or '')}</b> · {html.escape(name)} · "
                f"{turn.t(f'grants.status.{app.status}')}"
            )
            rows.append([Button(f"{app.reference} · {_short(name)}", f"open:{app.id}")])
        if not apps:
            lines.append(turn.t("grants.staff.list.empty"))
        filters = [
            Button(
                ("• " if status == s.value else "") + turn.t(f"grants.status.{s.value}"),
                f"f:{s.value}",
            )
            for s in REVIEWABLE
        ]
        rows.append(filters[:3])
        rows.append([*filters[3:], turn.button("grants.staff.button.all", "f:all")])
        page = int(data.get("page") or 0)
        paging = []
        if page > 0:
            paging.append(turn.button("grants.staff.button.previous", f"p:{page - 1}"))
        if (page + 1) * PAGE_SIZE < total:
            paging.append(turn.button("grants.staff.button.next", f"p:{page + 1}"))
        rows.append(paging)
        rows.append(
            [
                turn.button("grants.staff.button.round", "round"),
                turn.button("grants.staff.button.csv", "csv"),
                turn.button("grants.staff.button.xlsx", "xlsx"),
            ]
        )
        rows.append([turn.global_button("grants.staff.button.hub", "go:staff")])
        turn.reply("\n".join(lines), rows, edit=True)

    async def _on_list(self, turn: Turn, value: str | None) -> None:
        service = grant_service(turn)
        data = turn.data
        slug = str(data.get("municipality"))
        staff_id = turn.user.telegram_id
        if value and value.startswith("open:"):
            app = service.staff_get(turn.session, staff_id, slug, value[5:])
            turn.goto(JOURNEY, StaffGrantStep.APP, {**_list_data(turn), "app": app.id})
            self._show_app(turn)
            return
        if value and value.startswith("f:"):
            wanted = value[2:]
            known = {s.value for s in REVIEWABLE}
            turn.remember(status=wanted if wanted in known else None, page=0)
        elif value and value.startswith("p:") and value[2:].isdigit():
            turn.remember(page=int(value[2:]))
        elif value == "round":
            rounds = [*service.round_keys(turn.session, slug), None]
            current = data.get("round")
            position = rounds.index(current) if current in rounds else -1
            turn.remember(round=rounds[(position + 1) % len(rounds)], page=0)
        elif value in ("csv", "xlsx"):
            self._export(turn, slug, value)
            return
        self._show_list(turn)

    def _export(self, turn: Turn, slug: str, kind: str) -> None:
        round_key = turn.data.get("round")
        rows = grant_service(turn).export_rows(
            turn.session, turn.user.telegram_id, slug, round_key, turn.lang
        )
        name = f"paragraf18-{slug}-{round_key or 'alle'}"
        if kind == "csv":
            document = OutgoingDocument(f"{name}.csv", documents.export_round_csv(rows), "text/csv")
        else:
            document = OutgoingDocument(f"{name}.xlsx", documents.export_round_xlsx(rows), _XLSX)
        turn.reply(
            turn.tn("grants.staff.export_caption", len(rows), count=len(rows)), document=document
        )
        self._show_list(turn)

    # --- one application ------------------------------------------------------------------------
    def _app(self, turn: Turn) -> GrantApplication:
        data = turn.data
        return grant_service(turn).staff_get(
            turn.session, turn.user.telegram_id, str(data.get("municipality")), data.get("app")
        )

    def _show_app(self, turn: Turn) -> None:
        try:
            app = self._app(turn)
        except (ApplicationNotFoundError, NotStaffError):
            turn.say("grants.not_found")
            turn.goto(JOURNEY, StaffGrantStep.LIST, _list_data(turn))
            self._show_list(turn)
            return
        scheme = grant_service(turn).schemes[app.municipality_slug]
        lang = turn.lang
        lines = [
            turn.t(
                "grants.staff.app.header",
                reference=html.escape(app.reference or ""),
                status=turn.t(f"grants.status.{app.status}"),
                submitted=long_date(local_day(turn, app.submitted_at, app.municipality_slug), lang)
                if app.submitted_at
                else "",
            )
        ]
        for _, label, value in documents.summary_lines(scheme, app.answers, lang):
            lines.append(f"<b>{html.escape(label)}</b>\n{html.escape(value)}")
        for message in app.messages or []:
            who = (
                "grants.staff.app.asked"
                if message.get("by") == "staff"
                else "grants.staff.app.answered"
            )
            lines.append(turn.t(who, text=html.escape(str(message.get("text", "")))))
        if app.amount_granted is not None:
            lines.append(
                turn.t("grants.view.granted", amount=format_amount(app.amount_granted, lang))
            )
        if app.decision_reason:
            lines.append(turn.t("grants.view.reason", reason=html.escape(app.decision_reason)))
        if app.report:
            lines.append(
                turn.t(
                    "grants.report.summary",
                    done=html.escape(str(app.report.get("done", ""))),
                    spent=format_amount(int(app.report.get("spent", 0)), lang),
                    left=format_amount(int(app.report.get("left", 0)), lang),
                )
            )
        rows: list[list[Button]] = []
        for spec in scheme.form:
            attached = app.answers.get(spec.key)
            if spec.type is FieldType.ATTACHMENT and isinstance(attached, dict):
                label = f"📎 {spec.label.get(lang)}"
                rows.append([Button(_short(label, 40), f"att:{spec.key}")])
        if app.status in (Status.SUBMITTED.value, Status.INFO_REQUESTED.value):
            rows.append(
                [
                    turn.button("grants.staff.button.approve", "approve"),
                    turn.button("grants.staff.button.reject", "reject"),
                ]
            )
            rows.append([turn.button("grants.staff.button.ask", "ask")])
        rows.append([turn.button("grants.staff.button.list", "list")])
        turn.reply("\n\n".join(lines), rows)

    async def _on_app(self, turn: Turn, value: str | None) -> None:
        app = self._app(turn)
        if value == "list":
            turn.goto(JOURNEY, StaffGrantStep.LIST, _list_data(turn))
            self._show_list(turn)
            return
        if value and value.startswith("att:"):
            attachment = app.answers.get(value[4:])
            if isinstance(attachment, dict) and attachment.get("file_id"):
                turn.reply(
                    "",
                    document=OutgoingDocument(
                        str(attachment.get("file_name") or "bilag"),
                        b"",
                        str(attachment.get("mime_type") or "application/octet-stream"),
                        caption=html.escape(f"{app.reference}: {attachment.get('file_name')}"),
                        file_id=str(attachment["file_id"]),
                    ),
                )
                return
        decidable = app.status in (Status.SUBMITTED.value, Status.INFO_REQUESTED.value)
        if value in DECISION_STEPS and decidable:
            turn.goto(JOURNEY, DECISION_STEPS[value])
            self._ask(turn)
            return
        self._show_app(turn)

    # --- decisions ------------------------------------------------------------------------------
    def _ask(self, turn: Turn) -> None:
        try:
            app = self._app(turn)
        except (ApplicationNotFoundError, NotStaffError):
            turn.say("grants.not_found")
            turn.goto(JOURNEY, StaffGrantStep.LIST, _list_data(turn))
            self._show_list(turn)
            return
        reference = html.escape(app.reference or "")
        rows: list[list[Button]] = []
        if turn.step == StaffGrantStep.APPROVE_AMOUNT:
            text = turn.t("grants.staff.ask_amount", reference=reference)
            if app.amount_applied:
                rows.append(
                    [
                        turn.button(
                            "grants.staff.button.approve_full",
                            "full",
                            amount=format_amount(app.amount_applied, turn.lang),
                        )
                    ]
                )
        elif turn.step == StaffGrantStep.REJECT_REASON:
            text = turn.t("grants.staff.ask_reason", reference=reference)
        else:
            text = turn.t("grants.staff.ask_question", reference=reference)
        rows.append([turn.button("grants.staff.button.back_to_app", "app")])
        turn.reply(text, rows)

    async def _on_text(self, turn: Turn, event: Event, value: str | None) -> None:
        app = self._app(turn)
        if value == "app":
            turn.goto(JOURNEY, StaffGrantStep.APP)
            self._show_app(turn)
            return
        service = grant_service(turn)
        slug = app.municipality_slug
        staff_id = turn.user.telegram_id
        now = turn.services.clock()
        text = (event.text or "").strip() if event.kind is EventKind.TEXT else ""
        granted: int | None = None
        reason = ""
        if turn.step == StaffGrantStep.APPROVE_AMOUNT:
            granted = app.amount_applied if value == "full" else None
            if granted is None:
                granted = typed_amount(turn, text, value, lambda: self._ask(turn), positive=True)
            if granted is None:
                return
        elif not text:
            self._ask(turn)
            return
        else:
            # Read before the service is asked: a bad answer is asked for again, a refusal (a
            # decision made meanwhile) shows the application.
            try:
                reason = parse_text(text, max_length=REASON_LIMIT)
            except InvalidInput as problem:
                turn.reply(turn.t(problem.key, **_escaped(problem.params)))
                self._ask(turn)
                return
        try:
            if granted is not None:
                service.approve(turn.session, staff_id, slug, app.id, granted, now)
                amount = format_amount(granted, turn.lang)
                turn.say("grants.staff.done.approved", amount=amount)
                turn.done("grants.staff.already_approved", amount=amount)
            elif turn.step == StaffGrantStep.REJECT_REASON:
                service.reject(turn.session, staff_id, slug, app.id, reason, now)
                turn.say("grants.staff.done.rejected")
            else:
                service.request_info(turn.session, staff_id, slug, app.id, reason, now)
                turn.say("grants.staff.done.asked")
        except (InvalidInput, ApplicationNotFoundError) as problem:
            turn.say(refusal_key(problem))
            turn.goto(JOURNEY, StaffGrantStep.APP)
            self._show_app(turn)
            return
        turn.goto(JOURNEY, StaffGrantStep.APP)
        self._show_app(turn)


def _list_data(turn: Turn) -> dict[str, Any]:
    data = turn.data
    return {k: data[k] for k in ("municipality", "round", "status", "page") if k in data}


def _escaped(params: Mapping[str, object]) -> dict[str, object]:
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()}


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _at_once(show: Callable[[Turn], None]) -> ShowScreen:
    """A screen's `show` from a method that answers without waiting for anything."""

    async def run(turn: Turn) -> None:
        show(turn)

    return run
