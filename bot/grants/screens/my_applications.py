"""The "my applications" screens of journey `grants`, and the applicant's follow-ups.

A mixin of `GrantsFlow` (bot/grants/screens/flow.py), whose step table shows these screens:

- MINE, VIEW   "Mine ansøgninger" and one application
- INFO_ANSWER  the applicant answers staff's question
- REPORT_DONE, REPORT_SPENT, REPORT_LEFT  the report on use of funds
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.events import Event, EventKind
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.grants.fields import format_amount, format_kroner
from bot.grants.models import GrantApplication, Status
from bot.grants.schemes import GrantScheme
from bot.grants.screens.common import (
    JOURNEY,
    GrantStep,
    deadline_date,
    escape_params,
    grant_service,
    long_date,
    refusal_key,
    short_label,
    typed_amount,
)
from bot.grants.service import ApplicationNotFoundError
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_text

REPORT_TEXT_LIMIT = 1500
INFO_ANSWER_LIMIT = 1500


class MyApplications(ABC):
    """My applications and follow-ups; `GrantsFlow` provides the screens declared below."""

    @abstractmethod
    async def start(self, turn: Turn, **params: Any) -> None:
        """Enter the journey (a new application, or the draft's resume screen)."""

    @abstractmethod
    async def _on_resume(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        """Handle a button of the resume screen ("continue" goes on with the draft)."""

    # --- my applications ------------------------------------------------------------------------
    def _show_mine(self, turn: Turn) -> None:
        service = grant_service(turn)
        # A draft nobody has answered anything in is just an opened menu, not an application.
        apps = [
            app
            for app in service.applications_of(turn.session, turn.user)
            if not app.is_draft or app.eligibility or app.answers
        ]
        if not apps:
            turn.reply(
                turn.t("grants.mine.empty"),
                [
                    [turn.button("grants.button.new_application", "new")],
                    [turn.global_button("menu.back_to_menu", "menu")],
                ],
                edit=True,
            )
            return
        lines = [turn.t("grants.mine.title")]
        rows: list[list[Button]] = []
        for app in apps[:20]:
            name = app.applicant_name or turn.t("grants.mine.unnamed")
            label = app.reference or turn.t("grants.mine.draft_label")
            status = turn.t(f"grants.status.{app.status}")
            lines.append(f"• <b>{html.escape(label)}</b> · {html.escape(name)} · {status}")
            rows.append([Button(f"{label} · {short_label(name)}", f"open:{app.id}")])
        rows.append([turn.button("grants.button.new_application", "new")])
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        turn.reply("\n".join(lines), rows, edit=True)

    async def _on_mine(self, turn: Turn, value: str | None) -> None:
        if value == "new":
            await self._start_application(turn)
            return
        if value and value.startswith("open:"):
            try:
                app = grant_service(turn).own_application(turn.session, turn.user, value[5:])
            except ApplicationNotFoundError:
                turn.say("grants.not_found")
                self._show_mine(turn)
                return
            turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
            self._show_view(turn)
            return
        self._show_mine(turn)

    async def _start_application(self, turn: Turn) -> None:
        await self.start(turn)

    def _viewed(self, turn: Turn) -> GrantApplication | None:
        try:
            return grant_service(turn).own_application(
                turn.session, turn.user, turn.data.get("view")
            )
        except ApplicationNotFoundError:
            return None

    def _show_view(self, turn: Turn) -> None:
        app = self._viewed(turn)
        if app is None:
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return
        lang = turn.lang
        lines = [
            turn.t(
                "grants.view.header",
                reference=html.escape(app.reference or turn.t("grants.mine.draft_label")),
                name=html.escape(app.applicant_name or turn.t("grants.mine.unnamed")),
                status=turn.t(f"grants.status.{app.status}"),
            )
        ]
        if app.amount_applied is not None:
            lines.append(
                turn.t("grants.view.applied", amount=format_amount(app.amount_applied, lang))
            )
        if app.submitted_at is not None:
            lines.append(
                turn.t(
                    "grants.view.submitted",
                    date=long_date(
                        app.submitted_at.astimezone(_zone(turn, app.municipality_slug)).date(), lang
                    ),
                )
            )
        if app.amount_granted is not None:
            lines.append(
                turn.t("grants.view.granted", amount=format_amount(app.amount_granted, lang))
            )
        if app.decision_reason:
            lines.append(turn.t("grants.view.reason", reason=html.escape(app.decision_reason)))
        question = _last_question(app)
        if app.status == Status.INFO_REQUESTED.value and question:
            lines.append(turn.t("grants.view.question", question=html.escape(question)))
        if app.status == Status.APPROVED.value and app.report_due is not None:
            lines.append(turn.t("grants.view.report_due", date=deadline_date(turn, app.report_due)))
        if app.is_draft and app.deadline is not None:
            lines.append(turn.t("grants.deadline", deadline=deadline_date(turn, app.deadline)))
        rows: list[list[Button]] = []
        if app.is_draft:
            rows.append([turn.button("grants.button.continue", "continue")])
        if app.status == Status.INFO_REQUESTED.value:
            rows.append([turn.button("grants.button.answer", "answer")])
        if app.status == Status.APPROVED.value:
            rows.append([turn.button("grants.button.report", "report")])
        rows.append([turn.button("grants.button.mine", "mine")])
        turn.reply("\n".join(lines), rows, edit=True)

    async def _on_view(self, turn: Turn, value: str | None) -> None:
        app = self._viewed(turn)
        if app is None or value == "mine":
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return
        if value == "continue" and app.is_draft:
            scheme = grant_service(turn).scheme(app.municipality_slug)
            if scheme is not None:
                turn.goto(JOURNEY, GrantStep.RESUME, {"app": app.id})
                await self._on_resume(turn, scheme, app, "continue")
                return
        if value == "answer" and app.status == Status.INFO_REQUESTED.value:
            turn.goto(JOURNEY, GrantStep.INFO_ANSWER, {"view": app.id})
            self._ask_followup(turn)
            return
        if value == "report" and app.status == Status.APPROVED.value:
            turn.goto(JOURNEY, GrantStep.REPORT_DONE, {"view": app.id, "report": {}})
            self._ask_followup(turn)
            return
        self._show_view(turn)

    # --- answering staff, reporting -------------------------------------------------------------
    def _ask_followup(self, turn: Turn) -> None:
        app = self._viewed(turn)
        if app is None:
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return
        rows = [[turn.button("grants.button.mine", "mine")]]
        reference = html.escape(app.reference or "")
        if turn.step == GrantStep.INFO_ANSWER:
            question = html.escape(_last_question(app) or "")
            turn.reply(turn.t("grants.info.ask", reference=reference, question=question), rows)
        elif turn.step == GrantStep.REPORT_DONE:
            turn.reply(turn.t("grants.report.ask_done", reference=reference), rows)
        elif turn.step == GrantStep.REPORT_SPENT:
            turn.reply(turn.t("grants.report.ask_spent"), rows)
        else:
            turn.reply(turn.t("grants.report.ask_left"), rows)

    async def _on_followup(self, turn: Turn, event: Event, value: str | None) -> None:
        app = self._viewed(turn)
        if app is None or value == "mine":
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return
        text = (event.text or "").strip() if event.kind is EventKind.TEXT else ""
        if not text and not (value or "").startswith("pick:"):
            self._ask_followup(turn)
            return
        service = grant_service(turn)
        now = turn.services.clock()
        if turn.step == GrantStep.INFO_ANSWER:
            try:
                answer = parse_text(text, max_length=INFO_ANSWER_LIMIT)
            except InvalidInput as problem:
                turn.reply(turn.t(problem.key, **escape_params(problem.params)))
                self._ask_followup(turn)
                return
            # Read before the service is asked: a bad answer is asked for again, a refusal (the
            # question already answered) shows the application.
            try:
                service.answer_info(turn.session, turn.user, app.id, answer, now)
            except (InvalidInput, ApplicationNotFoundError) as problem:
                turn.say(refusal_key(problem))
                turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
                self._show_view(turn)
                return
            self._tell_staff(turn, app, "grants.staff.notify.answer", answer)
            turn.say("grants.info.thanks")
            turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
            self._show_view(turn)
            return
        report = dict(turn.data.get("report") or {})
        if turn.step == GrantStep.REPORT_DONE:
            try:
                report["done"] = parse_text(text, max_length=REPORT_TEXT_LIMIT)
            except InvalidInput as problem:
                turn.reply(turn.t(problem.key, **escape_params(problem.params)))
                self._ask_followup(turn)
                return
            turn.goto(JOURNEY, GrantStep.REPORT_SPENT, {"view": app.id, "report": report})
            self._ask_followup(turn)
            return
        ore = typed_amount(turn, text, value, lambda: self._ask_followup(turn), positive=False)
        if ore is None:
            return
        turn.say("grants.amount.noted", amount=format_kroner(ore, turn.lang))
        if turn.step == GrantStep.REPORT_SPENT:
            report["spent"] = ore
            turn.goto(JOURNEY, GrantStep.REPORT_LEFT, {"view": app.id, "report": report})
            self._ask_followup(turn)
            return
        report["left"] = ore
        try:
            service.save_report(turn.session, turn.user, app.id, report, now)
        except (InvalidInput, ApplicationNotFoundError) as problem:
            turn.say(refusal_key(problem))
            turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
            self._show_view(turn)
            return
        summary = turn.t(
            "grants.report.summary",
            done=html.escape(str(report["done"])),
            spent=format_amount(int(report["spent"]), "da"),
            left=format_amount(ore, "da"),
        )
        self._tell_staff(turn, app, "grants.staff.notify.report", summary)
        thanks = "grants.report.thanks_repay" if ore > 0 else "grants.report.thanks"
        turn.say(thanks, left=format_amount(ore, turn.lang))
        turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
        self._show_view(turn)

    def _tell_staff(self, turn: Turn, app: GrantApplication, key: str, text: str) -> None:
        """Tell the staff member handling the application (staff write Danish by default)."""
        if app.handled_by is None:
            return
        from bot.i18n import t

        turn.notify(
            app.handled_by,
            t("da", key, reference=html.escape(app.reference or ""), text=html.escape(text)),
            [
                [
                    Button(
                        t("da", "grants.staff.button.open"),
                        f"staff_grants:open:{app.municipality_slug}:{app.id}",
                    )
                ]
            ],
        )


def _last_question(app: GrantApplication) -> str | None:
    for message in reversed(app.messages or []):
        if message.get("by") == "staff":
            return str(message.get("text", ""))
    return None


def _zone(turn: Turn, slug: str) -> ZoneInfo:
    """The municipality's zone: the day an application was sent is its calendar day there."""
    return ZoneInfo(turn.services.directory.zone(slug))
