"""Journey `grants`: a § 18 application in chat, one question at a time.

Steps (saved in `DialogueState.step`; the answers themselves live in the draft row, saved after
every answer, so a restart or a week away loses nothing):

- ``resume``        a draft exists: continue where you left / start over / my applications
- ``elig``          one yes/no question of the eligibility test
- ``elig_failed``   a kind explanation and the municipality's contact, with a way back
- ``closed``        the draft's round has closed: it is kept, and the next deadline is named
- ``field``         one question of the form (text, buttons or a document)
- ``summary``       every answer with an edit button per field
- ``declare``       the declaration on honour; "yes" sends the application
- ``mine``/``view`` "Mine ansøgninger" and one application
- ``info_answer``   the applicant answers staff's question
- ``report_done``/``report_spent``/``report_left``  the report on use of funds
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents, eligibility, fields
from bot.grants.fields import Attachment, JsonValue, babel_locale, format_amount
from bot.grants.forms import FormWalker
from bot.grants.models import GrantApplication, Status
from bot.grants.schemes import FieldSpec, FieldType, GrantScheme
from bot.grants.service import (
    ApplicationNotFoundError,
    GrantError,
    GrantService,
    declarations,
    first_open,
    progress_fields,
)
from bot.validation.amounts import parse_amount
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_text, parse_yes_no

log = logging.getLogger(__name__)

JOURNEY = "grants"
REPORT_TEXT_LIMIT = 1500
INFO_ANSWER_LIMIT = 1500
_EDIT_LABEL = 28  # characters of a field label on its edit button


def grant_service(turn: Turn) -> GrantService:
    service: GrantService = turn.services.features["grants"]
    return service


def today_in(turn: Turn, slug: str) -> date:
    """Today where the municipality is: a deadline ends at midnight in Nuuk or Copenhagen."""
    info = turn.services.directory.get(slug)
    zone = ZoneInfo(info.timezone if info else "Europe/Copenhagen")
    return turn.services.clock().astimezone(zone).date()


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=babel_locale(lang))


def short_date(day: date, lang: str) -> str:
    return format_date(
        day, format="d. MMMM" if lang != "en" else "d MMMM", locale=babel_locale(lang)
    )


class GrantsFlow(Flow):
    journey = JOURNEY
    text_steps = frozenset(
        {"elig", "field", "declare", "info_answer", "report_done", "report_spent", "report_left"}
    )
    document_steps = frozenset({"field"})

    # --- entry ----------------------------------------------------------------------------------
    async def start(self, turn: Turn, **params: Any) -> None:
        service = grant_service(turn)
        link = str(params.get("deep_link") or "")
        if params.get("action") == "status" or link in ("status", "mine"):
            turn.goto(JOURNEY, "mine", {})
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
            turn.goto(JOURNEY, "resume", data)
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
            turn.t("grants.deadline", deadline=long_date(info.deadline, turn.lang))
            if info.deadline
            else turn.t("grants.open_all_year")
        )
        turn.reply(
            turn.t("grants.intro", scheme=html.escape(scheme.name.get(turn.lang)), when=when)
        )
        turn.goto(JOURNEY, "elig", data)
        await self._next_eligibility(turn, scheme, draft)

    # --- show -----------------------------------------------------------------------------------
    async def show(self, turn: Turn) -> None:
        step = turn.step
        if step == "mine":
            self._show_mine(turn)
            return
        if step == "view":
            self._show_view(turn)
            return
        if step in ("info_answer", "report_done", "report_spent", "report_left"):
            self._ask_followup(turn)
            return
        loaded = self._draft_or_restart(turn)
        if loaded is None:
            await self.start(turn)
            return
        scheme, draft = loaded
        if step == "resume":
            self._show_resume(turn, scheme, draft)
        elif step == "elig":
            await self._next_eligibility(turn, scheme, draft)
        elif step == "elig_failed":
            self._show_failed(turn, scheme, draft)
        elif step == "closed":
            self._show_closed(turn, scheme, draft)
        elif step == "summary":
            self._show_summary(turn, scheme, draft)
        elif step == "declare":
            self._show_declaration(turn, scheme, draft)
        else:
            self._ask_field(turn, scheme, draft)

    def _draft_or_restart(self, turn: Turn) -> tuple[GrantScheme, GrantApplication] | None:
        service = grant_service(turn)
        try:
            draft = service.own_draft(turn.session, turn.user, turn.data.get("app"))
        except ApplicationNotFoundError:
            return None
        scheme = service.scheme(draft.municipality_slug)
        return (scheme, draft) if scheme is not None else None

    # --- events ---------------------------------------------------------------------------------
    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        step = turn.step
        if step == "mine":
            await self._on_mine(turn, value)
            return
        if step == "view":
            await self._on_view(turn, value)
            return
        if step in ("info_answer", "report_done", "report_spent", "report_left"):
            await self._on_followup(turn, event, value)
            return
        loaded = self._draft_or_restart(turn)
        if loaded is None:
            turn.say("grants.draft_gone")
            await self.start(turn)
            return
        scheme, draft = loaded
        if value == "later":
            await self._save_for_later(turn)
            return
        if value == "mine":
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return
        if step == "resume":
            await self._on_resume(turn, scheme, draft, value)
        elif step == "elig":
            await self._on_eligibility(turn, scheme, draft, event, value)
        elif step == "elig_failed":
            await self._on_failed(turn, scheme, draft, value)
        elif step == "closed":
            await self._on_closed(turn, scheme, draft, value)
        elif step == "summary":
            await self._on_summary(turn, scheme, draft, value)
        elif step == "declare":
            await self._on_declaration(turn, scheme, draft, event, value)
        else:
            await self._on_field(turn, scheme, draft, event, value)

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        """Buttons in notifications and reminders; ids are checked against the user."""
        service = grant_service(turn)
        if action == "continue":
            await self.start(turn)
            return True
        if action == "mine":
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return True
        if action not in ("open", "answer", "report") or not args:
            return False
        try:
            app = service.own_application(turn.session, turn.user, args[0])
        except ApplicationNotFoundError:
            turn.say("grants.not_found")
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return True
        if action == "answer" and app.status == Status.INFO_REQUESTED.value:
            turn.goto(JOURNEY, "info_answer", {"view": app.id})
            self._ask_followup(turn)
        elif action == "report" and app.status == Status.APPROVED.value:
            turn.goto(JOURNEY, "report_done", {"view": app.id, "report": {}})
            self._ask_followup(turn)
        else:
            turn.goto(JOURNEY, "view", {"view": app.id})
            self._show_view(turn)
        return True

    # --- resume and closed rounds ---------------------------------------------------------------
    def _show_resume(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        service = grant_service(turn)
        walker = service.walker(draft.municipality_slug)
        started = draft.created_at.astimezone(ZoneInfo("Europe/Copenhagen")).date()
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
        service = grant_service(turn)
        if value == "restart":
            service.reset_draft(draft, turn.services.clock())
            turn.say("grants.restarted")
            await self._begin(turn, scheme, draft.municipality_slug, self._keep_data(turn))
            return
        if value != "continue":
            self._show_resume(turn, scheme, draft)
            return
        today = today_in(turn, draft.municipality_slug)
        if draft.deadline is not None and draft.deadline < today:
            turn.goto(JOURNEY, "closed")
            self._show_closed(turn, scheme, draft)
            return
        await self._continue(turn, scheme, draft)

    def _keep_data(self, turn: Turn) -> dict[str, Any]:
        data = turn.data
        return {"suggested": data["suggested"]} if "suggested" in data else {}

    async def _continue(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if not outcome.passed:
            turn.goto(JOURNEY, "elig")
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
                turn.t("grants.closed.draft_kept", deadline=long_date(draft.deadline, turn.lang))
            )
        else:
            parts.append(turn.t("grants.closed"))
        if upcoming is not None and upcoming.deadline is not None:
            parts.append(
                turn.t("grants.closed.next_round", deadline=long_date(upcoming.deadline, turn.lang))
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
        return long_date(deadline, turn.lang) if deadline else turn.t("grants.open_all_year")

    def _contact_text(self, turn: Turn, slug: str) -> str:
        info = turn.services.directory.get(slug)
        details = info.contact_details("grants", turn.lang) if info else None
        if details is None:
            return ""
        return turn.t("grants.contact", **{k: html.escape(v) for k, v in details.items()})

    async def _save_for_later(self, turn: Turn) -> None:
        turn.say("grants.saved_for_later")
        await navigation.show_menu(turn, intro="menu.title_short")

    # --- eligibility ----------------------------------------------------------------------------
    async def _next_eligibility(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication
    ) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if outcome.failed is not None:
            turn.goto(JOURNEY, "elig_failed")
            self._show_failed(turn, scheme, draft)
            return
        if outcome.pending is None:
            turn.say("grants.eligibility.passed")
            await self._continue(turn, scheme, draft)
            return
        asked = eligibility.applicable_questions(scheme, draft.eligibility)
        number = asked.index(outcome.pending) + 1
        turn.update(elig=outcome.pending.key)
        turn.reply(
            turn.t(
                "grants.eligibility.question",
                number=number,
                question=html.escape(outcome.pending.question.get(turn.lang)),
            ),
            [
                [turn.button("grants.yes", "yes"), turn.button("grants.no", "no")],
                [
                    turn.button("grants.button.save_later", "later"),
                    turn.button("grants.button.mine", "mine"),
                ],
            ],
        )

    async def _on_eligibility(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        event: Event,
        value: str | None,
    ) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if outcome.pending is None or turn.data.get("elig") != outcome.pending.key:
            await self._next_eligibility(turn, scheme, draft)
            return
        answer = _yes_no(value, event)
        if answer is None:
            turn.say("grants.error.yes_no")
            await self._next_eligibility(turn, scheme, draft)
            return
        answers = dict(draft.eligibility)
        answers[outcome.pending.key] = answer
        grant_service(turn).save_eligibility(draft, answers, turn.services.clock())
        await self._next_eligibility(turn, scheme, draft)

    def _show_failed(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        explanation = outcome.explanation(turn.lang) or ""
        log.info("grant.not_eligible", extra={"criterion": outcome.failed_key})
        text = "\n\n".join(
            p
            for p in (
                turn.t("grants.eligibility.failed", explanation=html.escape(explanation)),
                self._contact_text(turn, draft.municipality_slug),
            )
            if p
        )
        turn.reply(
            text,
            [
                [turn.button("grants.button.change_answer", "change")],
                [turn.global_button("menu.back_to_menu", "menu")],
            ],
        )

    async def _on_failed(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if value == "change" and outcome.failed is not None:
            answers = {k: v for k, v in draft.eligibility.items() if k != outcome.failed.key}
            grant_service(turn).save_eligibility(draft, answers, turn.services.clock())
            turn.goto(JOURNEY, "elig")
            await self._next_eligibility(turn, scheme, draft)
            return
        self._show_failed(turn, scheme, draft)

    # --- the form -------------------------------------------------------------------------------
    def _go_field(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, key: str) -> None:
        data = turn.data
        data.update(field=key)
        data.pop("selection", None)
        turn.goto(JOURNEY, "field", data)
        if draft.current_field != key:
            draft.current_field = key
        self._ask_field(turn, scheme, draft)

    def _field_spec(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, key: object
    ) -> FieldSpec:
        walker = _walker(turn, scheme)
        for spec in progress_fields(walker, draft.answers):
            if spec.key == key:
                return spec
        found = first_open(walker, draft.answers)
        return found or progress_fields(walker, draft.answers)[-1]

    def _ask_field(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        walker = _walker(turn, scheme)
        spec = self._field_spec(turn, scheme, draft, turn.data.get("field"))
        if turn.data.get("field") != spec.key:
            turn.update(field=spec.key)
        keys = [s.key for s in progress_fields(walker, draft.answers)]
        lang = turn.lang
        lines = [
            turn.t("grants.progress_bold", number=keys.index(spec.key) + 1, total=len(keys)),
            html.escape(spec.label.get(lang)),
        ]
        if spec.help is not None:
            lines.append(f"<i>{html.escape(spec.help.get(lang))}</i>")
        current = draft.answers.get(spec.key)
        rows: list[list[Button]] = []
        if spec.type is FieldType.CHOICE:
            rows += [[Button(c.label.get(lang), f"c:{c.key}")] for c in spec.choices]
        elif spec.type is FieldType.MULTI_CHOICE:
            selected = turn.data.get("selection")
            if selected is None:
                selected = current if isinstance(current, list) else []
            rows += [
                [Button(("✅ " if c.key in selected else "") + c.label.get(lang), f"t:{c.key}")]
                for c in spec.choices
            ]
            rows.append([turn.button("grants.button.done", "done")])
        elif spec.type is FieldType.YES_NO:
            rows.append([turn.button("grants.yes", "yes"), turn.button("grants.no", "no")])
        elif spec.type is FieldType.BUDGET_LINES:
            lines.append(self._budget_text(turn, current))
            rows.append([turn.button("grants.button.budget_done", "done")])
            if current:
                rows.append([turn.button("grants.button.budget_undo", "undo")])
        lines.append(fields.input_hint(spec).render(lang))
        if spec.type is FieldType.ATTACHMENT:
            lines.append(turn.t("grants.attachment.limits", limit=_mb(spec.max_bytes or 0, lang)))
        suggested = turn.data.get("suggested")
        if spec.key == scheme.amount_field and current is None and isinstance(suggested, int):
            shown = format_amount(suggested, lang)
            lines.append(turn.t("grants.amount.suggested", amount=shown))
            rows.insert(0, [turn.button("grants.button.use_amount", "suggest", amount=shown)])
        if spec.key in draft.answers and spec.type is not FieldType.BUDGET_LINES:
            shown = documents.display_value(spec, current, lang)
            lines.append(turn.t("grants.current_answer", answer=html.escape(shown)))
            rows.append([turn.button("grants.button.keep", "keep")])
        nav: list[Button] = []
        if walker.previous_field(draft.answers, spec.key) is not None:
            nav.append(turn.button("grants.button.back", "back"))
        if not spec.required:
            nav.append(turn.button("grants.button.skip", "skip"))
        rows.append(nav)
        rows.append([turn.button("grants.button.save_later", "later")])
        turn.reply("\n".join(lines), rows)

    def _budget_text(self, turn: Turn, lines: JsonValue) -> str:
        if not isinstance(lines, list) or not lines:
            return turn.t("grants.budget.empty")
        shown = [
            f"• {html.escape(str(line['text']))}: "
            + format_amount(int(str(line["amount"])), turn.lang)
            for line in lines
            if isinstance(line, dict)
        ]
        total = format_amount(fields.budget_total(lines), turn.lang)
        return "\n".join([*shown, turn.t("grants.budget.total", total=total)])

    async def _on_field(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        event: Event,
        value: str | None,
    ) -> None:
        walker = _walker(turn, scheme)
        spec = self._field_spec(turn, scheme, draft, turn.data.get("field"))
        if value == "back":
            previous = walker.previous_field(draft.answers, spec.key)
            self._go_field(turn, scheme, draft, previous.key if previous else spec.key)
            return
        if value == "keep" and spec.key in draft.answers:
            self._advance(turn, scheme, draft, spec.key)
            return
        if value == "skip":
            result = fields.skip(spec)
        elif value == "suggest" and isinstance(turn.data.get("suggested"), int):
            # The amount the user mentioned goes through the same checks as a typed one.
            result = fields.parse_answer(spec, _kroner_text(int(turn.data["suggested"])))
        elif spec.type is FieldType.MULTI_CHOICE and value is not None:
            await self._on_multi_choice(turn, scheme, draft, spec, value)
            return
        elif spec.type is FieldType.BUDGET_LINES:
            await self._on_budget(turn, scheme, draft, spec, event, value)
            return
        elif value is not None and value.startswith("c:"):
            result = fields.parse_answer(spec, value[2:])
        elif value in ("yes", "no"):
            result = fields.parse_answer(spec, "ja" if value == "yes" else "nej")
        elif event.kind is EventKind.DOCUMENT and event.document is not None:
            doc = event.document
            attachment = Attachment(doc.file_id, doc.file_name, doc.mime_type or "", doc.size or 0)
            result = fields.parse_answer(spec, attachment)
        elif event.kind is EventKind.TEXT and event.text is not None:
            result = fields.parse_answer(spec, event.text)
        else:
            self._ask_field(turn, scheme, draft)
            return
        if result.error is not None:
            turn.reply(result.error.render(turn.lang))
            self._ask_field(turn, scheme, draft)
            return
        for warning in result.warnings:
            turn.reply(warning.render(turn.lang))
        self._store(turn, scheme, draft, spec, result.value)

    def _store(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        value: JsonValue,
        *,
        advance: bool = True,
    ) -> bool:
        walker = _walker(turn, scheme)
        answers = walker.set_answer(draft.answers, spec.key, value)
        try:
            grant_service(turn).save_answers(
                turn.session, draft, answers, spec.key, turn.services.clock()
            )
        except GrantError as problem:
            turn.reply(
                "\n\n".join(
                    p
                    for p in (
                        turn.t(problem.key, **problem.params),
                        self._contact_text(turn, draft.municipality_slug),
                    )
                    if p
                )
            )
            self._ask_field(turn, scheme, draft)
            return False
        if advance:
            self._advance(turn, scheme, draft, spec.key)
        return True

    def _advance(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, key: str) -> None:
        walker = _walker(turn, scheme)
        if turn.data.get("editing"):
            missing = first_open(walker, draft.answers)
            if missing is None:
                self._go_summary(turn, scheme, draft)
            else:
                self._go_field(turn, scheme, draft, missing.key)
            return
        following = walker.next_field(draft.answers, key)
        while following is not None and following not in progress_fields(walker, draft.answers):
            following = walker.next_field(draft.answers, following.key)
        if following is None:
            missing = first_open(walker, draft.answers)
            if missing is not None:
                self._go_field(turn, scheme, draft, missing.key)
                return
            self._go_summary(turn, scheme, draft)
            return
        draft.current_field = following.key
        self._go_field(turn, scheme, draft, following.key)

    async def _on_multi_choice(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        value: str,
    ) -> None:
        selected = turn.data.get("selection")
        if selected is None:
            current = draft.answers.get(spec.key)
            selected = current if isinstance(current, list) else []
        if value.startswith("t:"):
            # A choice the form no longer has (KeyError): just show the question again.
            with contextlib.suppress(KeyError):
                selected = fields.toggle_choice(spec, selected, value[2:])
            turn.update(selection=selected)
            self._ask_field(turn, scheme, draft)
            return
        if value == "done":
            result = fields.parse_answer(spec, list(selected))
            if result.error is not None:
                turn.reply(result.error.render(turn.lang))
                self._ask_field(turn, scheme, draft)
                return
            self._store(turn, scheme, draft, spec, result.value)
            return
        self._ask_field(turn, scheme, draft)

    async def _on_budget(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        event: Event,
        value: str | None,
    ) -> None:
        current = draft.answers.get(spec.key)
        lines = current if isinstance(current, list) else []
        if value == "done":
            if not lines and spec.required:
                turn.say("grants.budget.need_a_line")
                self._ask_field(turn, scheme, draft)
                return
            self._advance(turn, scheme, draft, spec.key)
            return
        if value == "undo":
            kept = fields.remove_budget_line(lines, len(lines) - 1)
            if self._store(turn, scheme, draft, spec, kept, advance=False):
                turn.say("grants.budget.removed")
                self._ask_field(turn, scheme, draft)
            return
        if event.kind is not EventKind.TEXT or not event.text:
            self._ask_field(turn, scheme, draft)
            return
        result = fields.parse_answer(spec, event.text, current=lines, exclusions=scheme.exclusions)
        if result.error is not None:
            turn.reply(result.error.render(turn.lang))
            self._ask_field(turn, scheme, draft)
            return
        for warning in result.warnings:
            turn.reply(warning.render(turn.lang))
        if self._store(turn, scheme, draft, spec, result.value, advance=False):
            total = format_amount(fields.budget_total(result.value), turn.lang)
            turn.say("grants.budget.running_total", total=total)
            self._ask_field(turn, scheme, draft)

    # --- summary and submission -----------------------------------------------------------------
    def _go_summary(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        data = turn.data
        data.pop("editing", None)
        data.pop("field", None)
        turn.goto(JOURNEY, "summary", data)
        draft.current_field = None
        self._show_summary(turn, scheme, draft)

    def _show_summary(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        walker = _walker(turn, scheme)
        lang = turn.lang
        shown = [
            (key, label, value)
            for key, label, value in documents.summary_lines(scheme, draft.answers, lang)
            if not any(d.key == key for d in declarations(walker, draft.answers))
        ]
        blocks = [turn.t("grants.summary.title")]
        blocks += [
            f"<b>{html.escape(label)}</b>\n{html.escape(value)}" for _, label, value in shown
        ]
        blocks.append(turn.t("grants.summary.check"))
        edit_buttons = [
            Button(turn.t("grants.button.edit_field", label=_short(label)), f"edit:{key}")
            for key, label, _ in shown
        ]
        rows = [edit_buttons[i : i + 2] for i in range(0, len(edit_buttons), 2)]
        rows.insert(0, [turn.button("grants.button.to_declaration", "next")])
        rows.append([turn.button("grants.button.save_later", "later")])
        turn.reply("\n\n".join(blocks), rows)

    async def _on_summary(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, value: str | None
    ) -> None:
        walker = _walker(turn, scheme)
        if value and value.startswith("edit:"):
            key = value[5:]
            if key in {s.key for s in progress_fields(walker, draft.answers)}:
                turn.update(editing=True)
                self._go_field(turn, scheme, draft, key)
                return
        if value == "next":
            missing = first_open(walker, draft.answers) or next(
                iter(
                    s
                    for s in walker.missing_required(draft.answers)
                    if s not in declarations(walker, draft.answers)
                ),
                None,
            )
            if missing is not None:
                turn.say("grants.summary.missing", field=missing.label.get(turn.lang))
                turn.update(editing=True)
                self._go_field(turn, scheme, draft, missing.key)
                return
            turn.goto(JOURNEY, "declare")
            self._show_declaration(turn, scheme, draft)
            return
        self._show_summary(turn, scheme, draft)

    def _show_declaration(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        walker = _walker(turn, scheme)
        wanted = declarations(walker, draft.answers)
        text = (
            "\n\n".join(html.escape(spec.label.get(turn.lang)) for spec in wanted)
            if wanted
            else turn.t("grants.declaration.default")
        )
        turn.reply(
            turn.t("grants.declaration.intro", declaration=text),
            [
                [turn.button("grants.button.declare", "yes")],
                [turn.button("grants.button.to_summary", "summary")],
                [turn.button("grants.button.save_later", "later")],
            ],
        )

    async def _on_declaration(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        event: Event,
        value: str | None,
    ) -> None:
        if value == "summary":
            self._go_summary(turn, scheme, draft)
            return
        answer = _yes_no(value, event)
        if answer is None:
            turn.say("grants.error.yes_no")
            self._show_declaration(turn, scheme, draft)
            return
        if answer is False:
            turn.say("grants.error.must_confirm")
            self._go_summary(turn, scheme, draft)
            return
        await self._submit(turn, scheme, draft)

    async def _submit(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        service = grant_service(turn)
        walker = _walker(turn, scheme)
        answers: dict[str, JsonValue] = dict(draft.answers)
        for spec in declarations(walker, answers):
            answers = walker.set_answer(answers, spec.key, True)
        now = turn.services.clock()
        service.save_answers(turn.session, draft, answers, None, now)
        today = today_in(turn, draft.municipality_slug)
        try:
            app = service.submit(turn.session, turn.user, draft.id, today, now)
        except GrantError as problem:
            if problem.key == "grants.deadline_passed":
                turn.goto(JOURNEY, "closed")
                self._show_closed(turn, scheme, draft)
                return
            turn.reply(turn.t(problem.key, **_escaped(problem.params)))
            self._go_summary(turn, scheme, draft)
            return
        reference = app.reference or ""
        info = service.round_info(scheme, app.round_key)
        lang = turn.lang
        if info.decision_by is not None:
            receipt = turn.t(
                "grants.receipt.submitted",
                reference=reference,
                decision_by=long_date(info.decision_by, lang),
            )
        else:
            receipt = turn.t("grants.receipt.submitted_all_year", reference=reference)
        turn.reply("\n\n".join([receipt, turn.t("grants.receipt.next")]))
        pdf = documents.render_summary_pdf(
            scheme, app.answers, reference, lang, app.submitted_at or now
        )
        turn.reply(
            turn.t("grants.receipt.pdf_caption", reference=reference),
            document=OutgoingDocument(f"{reference}.pdf", pdf, "application/pdf"),
        )
        await navigation.show_menu(turn, intro="menu.title_short")

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
            rows.append([Button(f"{label} · {_short(name)}", f"open:{app.id}")])
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
            turn.goto(JOURNEY, "view", {"view": app.id})
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
            turn.goto(JOURNEY, "mine", {})
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
                turn.t("grants.view.submitted", date=long_date(app.submitted_at.date(), lang))
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
            lines.append(turn.t("grants.view.report_due", date=long_date(app.report_due, lang)))
        if app.is_draft and app.deadline is not None:
            lines.append(turn.t("grants.deadline", deadline=long_date(app.deadline, lang)))
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
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return
        if value == "continue" and app.is_draft:
            scheme = grant_service(turn).scheme(app.municipality_slug)
            if scheme is not None:
                turn.goto(JOURNEY, "resume", {"app": app.id})
                await self._on_resume(turn, scheme, app, "continue")
                return
        if value == "answer" and app.status == Status.INFO_REQUESTED.value:
            turn.goto(JOURNEY, "info_answer", {"view": app.id})
            self._ask_followup(turn)
            return
        if value == "report" and app.status == Status.APPROVED.value:
            turn.goto(JOURNEY, "report_done", {"view": app.id, "report": {}})
            self._ask_followup(turn)
            return
        self._show_view(turn)

    # --- answering staff, reporting -------------------------------------------------------------
    def _ask_followup(self, turn: Turn) -> None:
        app = self._viewed(turn)
        if app is None:
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return
        rows = [[turn.button("grants.button.mine", "mine")]]
        reference = html.escape(app.reference or "")
        if turn.step == "info_answer":
            question = html.escape(_last_question(app) or "")
            turn.reply(turn.t("grants.info.ask", reference=reference, question=question), rows)
        elif turn.step == "report_done":
            turn.reply(turn.t("grants.report.ask_done", reference=reference), rows)
        elif turn.step == "report_spent":
            turn.reply(turn.t("grants.report.ask_spent"), rows)
        else:
            turn.reply(turn.t("grants.report.ask_left"), rows)

    async def _on_followup(self, turn: Turn, event: Event, value: str | None) -> None:
        app = self._viewed(turn)
        if app is None or value == "mine":
            turn.goto(JOURNEY, "mine", {})
            self._show_mine(turn)
            return
        text = (event.text or "").strip() if event.kind is EventKind.TEXT else ""
        if not text:
            self._ask_followup(turn)
            return
        service = grant_service(turn)
        now = turn.services.clock()
        if turn.step == "info_answer":
            try:
                answer = parse_text(text, max_length=INFO_ANSWER_LIMIT)
                service.answer_info(turn.session, turn.user, app.id, answer, now)
            except InvalidInput as problem:
                turn.reply(turn.t(problem.key, **_escaped(problem.params)))
                self._ask_followup(turn)
                return
            except GrantError as problem:
                turn.say(problem.key)
                turn.goto(JOURNEY, "view", {"view": app.id})
                self._show_view(turn)
                return
            self._tell_staff(turn, app, "grants.staff.notify.answer", answer)
            turn.say("grants.info.thanks")
            turn.goto(JOURNEY, "view", {"view": app.id})
            self._show_view(turn)
            return
        report = dict(turn.data.get("report") or {})
        if turn.step == "report_done":
            try:
                report["done"] = parse_text(text, max_length=REPORT_TEXT_LIMIT)
            except InvalidInput as problem:
                turn.reply(turn.t(problem.key, **_escaped(problem.params)))
                self._ask_followup(turn)
                return
            turn.goto(JOURNEY, "report_spent", {"view": app.id, "report": report})
            self._ask_followup(turn)
            return
        amount = parse_amount(text)
        if amount is None or amount < 0:
            turn.say("grants.error.amount")
            self._ask_followup(turn)
            return
        ore = int(amount * 100)
        if turn.step == "report_spent":
            report["spent"] = ore
            turn.goto(JOURNEY, "report_left", {"view": app.id, "report": report})
            self._ask_followup(turn)
            return
        report["left"] = ore
        try:
            service.save_report(turn.session, turn.user, app.id, report, now)
        except GrantError as problem:
            turn.say(problem.key)
            turn.goto(JOURNEY, "view", {"view": app.id})
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
        turn.goto(JOURNEY, "view", {"view": app.id})
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


def _walker(turn: Turn, scheme: GrantScheme) -> FormWalker:
    return grant_service(turn).walker(scheme.slug)


def _yes_no(value: str | None, event: Event) -> bool | None:
    if value in ("yes", "no"):
        return value == "yes"
    if event.kind is EventKind.TEXT and event.text:
        try:
            return parse_yes_no(event.text)
        except InvalidInput:
            return None
    return None


def _short(label: str) -> str:
    return label if len(label) <= _EDIT_LABEL else label[: _EDIT_LABEL - 1] + "…"


def _mb(size: int, lang: str) -> str:
    """A size limit in megabytes, as phones show file sizes ("10", "2,5")."""
    return format_decimal(size / 1_000_000, format="#,##0.#", locale=babel_locale(lang))


def _kroner_text(ore: int) -> str:
    """øre as the Danish amount text the form parser reads ("12000,00")."""
    return f"{ore // 100},{ore % 100:02d}"


def _escaped(params: Mapping[str, object]) -> dict[str, object]:
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()}


def _last_question(app: GrantApplication) -> str | None:
    for message in reversed(app.messages or []):
        if message.get("by") == "staff":
            return str(message.get("text", ""))
    return None
