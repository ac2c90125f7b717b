"""Journey `grants`: a § 18 application in chat, one question at a time.

Steps (`GrantStep`, in common.py; its values are what `DialogueState.step` holds, and the answers
themselves live in the draft row, saved after every answer, so a restart or a week away loses
nothing), and the module holding each screen:

- RESUME              a draft exists: continue where you left / start over / my applications
                      (here)
- RESTART             »Er du sikker?« before »Start forfra« empties the draft (here)
- ELIGIBILITY         one yes/no question of the eligibility test (form_steps.py)
- ELIGIBILITY_FAILED  a kind explanation and the municipality's contact, with a way back
                      (form_steps.py)
- CLOSED              the draft's round has closed: it is kept, and the next deadline is named
                      (here)
- FIELD               one question of the form (text, buttons or a document) (form_steps.py)
- SUMMARY             every answer with an edit button per field (form_steps.py)
- DECLARE             the declaration on honour; "yes" sends the application (form_steps.py)
- MINE, VIEW          "Mine ansøgninger" and one application (my_applications.py)
- INFO_ANSWER         the applicant answers staff's question (my_applications.py)
- REPORT_DONE, REPORT_SPENT, REPORT_LEFT  the report on use of funds (my_applications.py)

`GrantsFlow` here is the entry point (`start`), says in one table (`screens`) which screen each
step shows, handles `on_global`, and holds the resume and closed-round screens. The other screens
are mixins it inherits: `FormSteps` (form_steps.py) and `MyApplications` (my_applications.py).
Helpers they share (`grant_service`, `today_in`, the date formats …) live in common.py.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen, ShowScreen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents, eligibility
from bot.grants.models import GrantApplication, Status
from bot.grants.schemes import GrantScheme
from bot.grants.screens.common import (
    JOURNEY,
    GrantStep,
    deadline_date,
    grant_service,
    short_date,
    today_in,
)
from bot.grants.screens.form_steps import FormSteps
from bot.grants.screens.my_applications import MyApplications
from bot.grants.service import ApplicationNotFoundError, first_open, progress_fields


class GrantsFlow(FormSteps, MyApplications, Flow):
    journey = JOURNEY
    Step = GrantStep

    def screens(self) -> Mapping[str, Screen]:
        # A form answer or an eligibility answer is only saved in the draft, so editing the
        # message may replace it; the declaration (it submits) and answers sent to staff not.
        draft = self._draft_screen
        return {
            GrantStep.RESUME: draft(
                self._show_resume,
                lambda turn, scheme, app, event, value: self._on_resume(turn, scheme, app, value),
            ),
            # Typed text here is no yes (only the button is): it asks again, losing nothing.
            GrantStep.RESTART: draft(
                self._show_restart,
                lambda turn, scheme, app, event, value: self._on_restart(turn, scheme, app, value),
                text=True,
            ),
            GrantStep.ELIGIBILITY: draft(
                self._next_eligibility, self._on_eligibility, text=True, editable=True
            ),
            GrantStep.ELIGIBILITY_FAILED: draft(
                self._show_failed,
                lambda turn, scheme, app, event, value: self._on_failed(turn, scheme, app, value),
            ),
            GrantStep.CLOSED: draft(
                self._show_closed,
                lambda turn, scheme, app, event, value: self._on_closed(turn, scheme, app, value),
            ),
            GrantStep.FIELD: draft(
                self._ask_field, self._on_field, text=True, document=True, editable=True
            ),
            GrantStep.SUMMARY: draft(
                self._show_summary,
                lambda turn, scheme, app, event, value: self._on_summary(turn, scheme, app, value),
            ),
            GrantStep.DECLARE: draft(self._show_declaration, self._on_declaration, text=True),
            GrantStep.MINE: Screen(
                _at_once(self._show_mine), lambda turn, event, value: self._on_mine(turn, value)
            ),
            GrantStep.VIEW: Screen(
                _at_once(self._show_view), lambda turn, event, value: self._on_view(turn, value)
            ),
            GrantStep.INFO_ANSWER: self._followup_screen(),
            GrantStep.REPORT_DONE: self._followup_screen(),
            GrantStep.REPORT_SPENT: self._followup_screen(),
            GrantStep.REPORT_LEFT: self._followup_screen(),
        }

    # --- entry ----------------------------------------------------------------------------------
    async def start(self, turn: Turn, **params: Any) -> None:
        service = grant_service(turn)
        link = str(params.get("deep_link") or "")
        if params.get("action") == "status" or link in ("status", "mine"):
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return
        slug = turn.user.municipality_slug
        scheme = service.scheme(slug)
        if scheme is None or slug is None:
            turn.say("grants.no_scheme")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        data: dict[str, Any] = {}
        amount = params.get("amount")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and amount > 0:
            data["suggested"] = round(amount * 100)
        draft = service.find_draft(turn.session, turn.user, slug)
        if draft is not None:
            data["app"] = draft.id
            turn.goto(JOURNEY, GrantStep.RESUME, data)
            self._show_resume(turn, scheme, draft)
            return
        await self._begin(turn, scheme, slug, data)

    async def _begin(
        self, turn: Turn, scheme: GrantScheme, slug: str, data: dict[str, Any]
    ) -> None:
        service = grant_service(turn)
        today = today_in(turn, slug)
        info = service.current_round(scheme, today)
        if info is None:
            turn.reply(self._closed_text(turn, scheme, None))
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        draft = service.start_draft(turn.session, turn.user, slug, info, turn.services.clock())
        data["app"] = draft.id
        when = (
            turn.t("grants.deadline", deadline=deadline_date(turn, info.deadline))
            if info.deadline
            else turn.t("grants.open_all_year")
        )
        turn.reply(
            turn.t("grants.intro", scheme=html.escape(scheme.name.get(turn.lang)), when=when)
        )
        turn.goto(JOURNEY, GrantStep.ELIGIBILITY, data)
        await self._next_eligibility(turn, scheme, draft)

    # --- screens ------------------------------------------------------------------------------
    def _draft_screen(
        self,
        show: DraftShow,
        handle: DraftHandle,
        *,
        text: bool = False,
        document: bool = False,
        editable: bool = False,
    ) -> Screen:
        """A screen of the draft being written: it is loaded first (a draft that is gone starts
        the journey again), and "later" and "mine" work at every such step."""

        async def show_screen(turn: Turn) -> None:
            loaded = self._draft_or_restart(turn)
            if loaded is None:
                await self.start(turn)
                return
            shown = show(turn, *loaded)
            if shown is not None:
                await shown

        async def handle_screen(turn: Turn, event: Event, value: str | None) -> None:
            loaded = self._draft_or_restart(turn)
            if loaded is None:
                turn.say("grants.draft_gone")
                await self.start(turn)
                return
            if value == "later":
                await self._save_for_later(turn)
                return
            if value == "mine":
                turn.goto(JOURNEY, GrantStep.MINE, {})
                self._show_mine(turn)
                return
            await handle(turn, *loaded, event, value)

        return Screen(show_screen, handle_screen, text=text, document=document, editable=editable)

    def _followup_screen(self) -> Screen:
        """Answering staff's question and the report on use of funds: typed answers."""
        return Screen(_at_once(self._ask_followup), self._on_followup, text=True)

    def _draft_or_restart(self, turn: Turn) -> tuple[GrantScheme, GrantApplication] | None:
        service = grant_service(turn)
        try:
            draft = service.own_draft(turn.session, turn.user, turn.data.get("app"))
        except ApplicationNotFoundError:
            return None
        scheme = service.scheme(draft.municipality_slug)
        return (scheme, draft) if scheme is not None else None

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        """Buttons in notifications and reminders; ids are checked against the user."""
        service = grant_service(turn)
        if action == "continue":
            await self.start(turn)
            return True
        if action == "mine":
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return True
        if action not in ("open", "answer", "report", "receipt") or not args:
            return False
        try:
            app = service.own_application(turn.session, turn.user, args[0])
        except ApplicationNotFoundError:
            turn.say("grants.not_found")
            turn.goto(JOURNEY, GrantStep.MINE, {})
            self._show_mine(turn)
            return True
        if action == "receipt":
            self._send_receipt(turn, app)
            return True
        if action == "answer" and app.status == Status.INFO_REQUESTED.value:
            turn.goto(JOURNEY, GrantStep.INFO_ANSWER, {"view": app.id})
            self._ask_followup(turn)
        elif action == "report" and app.status == Status.APPROVED.value:
            turn.goto(JOURNEY, GrantStep.REPORT_DONE, {"view": app.id, "report": {}})
            self._ask_followup(turn)
        else:
            turn.goto(JOURNEY, GrantStep.VIEW, {"view": app.id})
            self._show_view(turn)
        return True

    def _send_receipt(self, turn: Turn, app: GrantApplication) -> None:
        """The receipt PDF of a submitted application again (it changes nothing, so any number
        of presses is harmless)."""
        scheme = grant_service(turn).scheme(app.municipality_slug)
        if scheme is None or app.reference is None or app.submitted_at is None:
            turn.say("grants.not_found")
            return
        pdf = documents.render_summary_pdf(
            scheme,
            app.answers,
            app.reference,
            turn.lang,
            app.submitted_at,
            zone=turn.services.directory.zone(app.municipality_slug),
        )
        turn.reply(
            turn.t("grants.receipt.pdf_caption", reference=app.reference),
            document=OutgoingDocument(f"{app.reference}.pdf", pdf, "application/pdf"),
        )

    # --- resume and closed rounds ---------------------------------------------------------------
    def _show_resume(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        service = grant_service(turn)
        walker = service.walker(draft.municipality_slug)
        started = draft.created_at.astimezone(self._zone_of(turn, draft)).date()
        where = self._resume_point(turn, draft)
        if where is not None and where in {s.key for s in progress_fields(walker, draft.answers)}:
            keys = [s.key for s in progress_fields(walker, draft.answers)]
            position = turn.t(
                "grants.resume.position", number=keys.index(where) + 1, total=len(keys)
            )
        elif draft.answers:
            position = turn.t("grants.resume.at_summary")
        else:
            position = turn.t("grants.resume.at_start")
        turn.reply(
            turn.t("grants.resume.prompt", date=short_date(started, turn.lang), position=position),
            [
                [turn.button("grants.button.continue", "continue")],
                [turn.button("grants.button.restart", "restart")],
                [turn.button("grants.button.mine", "mine")],
            ],
            edit=True,
        )

    def _resume_point(self, turn: Turn, draft: GrantApplication) -> str | None:
        walker = grant_service(turn).walker(draft.municipality_slug)
        visible = {s.key for s in progress_fields(walker, draft.answers)}
        if draft.current_field in visible:
            return draft.current_field
        found = first_open(walker, draft.answers)
        return found.key if found else None

    async def _on_resume(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        if value == "restart":
            turn.goto(JOURNEY, GrantStep.RESTART)
            self._show_restart(turn, scheme, draft)
            return
        if value != "continue":
            self._show_resume(turn, scheme, draft)
            return
        today = today_in(turn, draft.municipality_slug)
        if draft.deadline is not None and draft.deadline < today:
            turn.goto(JOURNEY, GrantStep.CLOSED)
            self._show_closed(turn, scheme, draft)
            return
        await self._continue(turn, scheme, draft)

    def _show_restart(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        """»Start forfra« empties every answer of the draft, so it asks first (issue 12)."""
        zone = self._zone_of(turn, draft)
        started = draft.created_at.astimezone(zone).date()
        turn.reply(
            turn.t("grants.restart.confirm", date=short_date(started, turn.lang)),
            [
                [turn.button("grants.button.restart_yes", "restart_yes")],
                [turn.button("grants.button.keep_draft", "keep")],
            ],
        )

    async def _on_restart(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        """»Ja, start forfra« empties the draft once (a repeated press is answered, not acted on);
        »Nej, behold kladden« continues where the applicant left off; anything else asks again."""
        if value == "restart_yes":
            grant_service(turn).reset_draft(draft, turn.services.clock())
            turn.say("grants.restarted")
            turn.done("grants.already_restarted")
            await self._begin(turn, scheme, draft.municipality_slug, self._keep_data(turn))
            return
        if value == "keep":
            turn.say("grants.restart.kept")
            turn.goto(JOURNEY, GrantStep.RESUME)
            await self._on_resume(turn, scheme, draft, "continue")
            return
        self._show_restart(turn, scheme, draft)

    def _zone_of(self, turn: Turn, draft: GrantApplication) -> ZoneInfo:
        return ZoneInfo(turn.services.directory.zone(draft.municipality_slug))

    def _keep_data(self, turn: Turn) -> dict[str, Any]:
        data = turn.data
        return {"suggested": data["suggested"]} if "suggested" in data else {}

    async def _continue(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if not outcome.passed:
            turn.goto(JOURNEY, GrantStep.ELIGIBILITY)
            await self._next_eligibility(turn, scheme, draft)
            return
        where = self._resume_point(turn, draft)
        if where is None:
            self._go_summary(turn, scheme, draft)
            return
        self._go_field(turn, scheme, draft, where)

    def _closed_text(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication | None) -> str:
        slug = scheme.slug
        service = grant_service(turn)
        upcoming = service.current_round(scheme, today_in(turn, slug))
        parts = []
        if draft is not None and draft.deadline is not None:
            parts.append(
                turn.t("grants.closed.draft_kept", deadline=deadline_date(turn, draft.deadline))
            )
        else:
            parts.append(turn.t("grants.closed"))
        if upcoming is not None and upcoming.deadline is not None:
            parts.append(
                turn.t("grants.closed.next_round", deadline=deadline_date(turn, upcoming.deadline))
            )
        else:
            parts.append(turn.t("grants.closed.no_next_round"))
        parts.append(self._contact_text(turn, slug))
        return "\n\n".join(p for p in parts if p)

    def _show_closed(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        upcoming = grant_service(turn).current_round(
            scheme, today_in(turn, draft.municipality_slug)
        )
        rows: list[list[Button]] = []
        if upcoming is not None:
            rows.append([turn.button("grants.button.move_round", "move")])
        rows.append([turn.button("grants.button.mine", "mine")])
        rows.append([turn.global_button("menu.back_to_menu", "menu")])
        turn.reply(self._closed_text(turn, scheme, draft), rows, edit=True)

    async def _on_closed(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        service = grant_service(turn)
        upcoming = service.current_round(scheme, today_in(turn, draft.municipality_slug))
        if value == "move" and upcoming is not None:
            if service.move_to_round(turn.session, draft, upcoming):
                turn.say(
                    "grants.moved_round", deadline=self._deadline_text(turn, upcoming.deadline)
                )
                await self._continue(turn, scheme, draft)
                return
            turn.say("grants.move_round_clash")
        self._show_closed(turn, scheme, draft)

    def _deadline_text(self, turn: Turn, deadline: date | None) -> str:
        return deadline_date(turn, deadline) if deadline else turn.t("grants.open_all_year")

    def _contact_text(self, turn: Turn, slug: str) -> str:
        info = turn.services.directory.get(slug)
        details = info.contact_details("grants", turn.lang) if info else None
        if details is None:
            return ""
        return turn.t("grants.contact", **{k: html.escape(v) for k, v in details.items()})

    async def _save_for_later(self, turn: Turn) -> None:
        turn.say("grants.saved_for_later")
        await navigation.show_menu(turn, intro="menu.title_short")


#: Shows a draft's step; the eligibility question is asynchronous, the others are not.
DraftShow = Callable[[Turn, GrantScheme, GrantApplication], Awaitable[None] | None]
#: Takes an answer at a draft's step.
DraftHandle = Callable[[Turn, GrantScheme, GrantApplication, Event, str | None], Awaitable[None]]


def _at_once(show: Callable[[Turn], None]) -> ShowScreen:
    """A screen's `show` from a method that answers without waiting for anything."""

    async def run(turn: Turn) -> None:
        show(turn)

    return run
