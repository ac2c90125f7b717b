"""The form screens of journey `grants`: eligibility test, form walk, budget, summary, declaration
and submission.

A mixin of `GrantsFlow` (bot/grants/screens/flow.py), whose step table shows these screens:

- ELIGIBILITY         one yes/no question of the eligibility test
- ELIGIBILITY_FAILED  a kind explanation and the municipality's contact, with a way back
- FIELD               one question of the form (text, buttons or a document; budget lines too)
- SUMMARY             every answer with an edit button per field
- DECLARE             the declaration on honour; "yes" sends the application
"""

from __future__ import annotations

import contextlib
import html
import logging
from abc import ABC, abstractmethod

from babel.numbers import format_decimal

from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents, eligibility, fields
from bot.grants.fields import (
    Attachment,
    FieldResult,
    JsonValue,
    babel_locale,
    format_amount,
    format_kroner,
)
from bot.grants.forms import FormWalker
from bot.grants.models import GrantApplication
from bot.grants.schemes import FieldSpec, FieldType, GrantScheme
from bot.grants.screens.common import (
    JOURNEY,
    GrantStep,
    escape_params,
    grant_service,
    long_date,
    short_label,
    today_in,
)
from bot.grants.service import (
    ApplicationNotFoundError,
    declarations,
    first_open,
    progress_fields,
)
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_yes_no

log = logging.getLogger(__name__)


class FormSteps(ABC):
    """Eligibility, the form and submission; `GrantsFlow` provides the screens declared below."""

    @abstractmethod
    async def _continue(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        """Go on with a draft: the eligibility test, the next open field, or the summary."""

    @abstractmethod
    def _show_closed(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        """The draft's round has closed."""

    @abstractmethod
    def _contact_text(self, turn: Turn, slug: str) -> str:
        """The municipality's grant contact, or "" when there is none."""

    # --- eligibility ----------------------------------------------------------------------------
    async def _next_eligibility(
        self, turn: Turn, scheme: GrantScheme, draft: GrantApplication
    ) -> None:
        outcome = eligibility.evaluate(scheme, draft.eligibility)
        if outcome.failed is not None:
            turn.goto(JOURNEY, GrantStep.ELIGIBILITY_FAILED)
            self._show_failed(turn, scheme, draft)
            return
        if outcome.pending is None:
            turn.say("grants.eligibility.passed")
            await self._continue(turn, scheme, draft)
            return
        asked = eligibility.applicable_questions(scheme, draft.eligibility)
        number = asked.index(outcome.pending) + 1
        turn.remember(elig=outcome.pending.key)
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
            turn.goto(JOURNEY, GrantStep.ELIGIBILITY)
            await self._next_eligibility(turn, scheme, draft)
            return
        self._show_failed(turn, scheme, draft)

    # --- the form -------------------------------------------------------------------------------
    def _go_field(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication, key: str) -> None:
        data = turn.data
        data.update(field=key)
        data.pop("selection", None)
        data.pop("pending", None)
        turn.goto(JOURNEY, GrantStep.FIELD, data)
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
            turn.remember(field=spec.key)
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
        elif value is not None and value.startswith("pick:"):
            picked = _picked(turn, spec, value)
            if picked is None:
                self._ask_field(turn, scheme, draft)
                return
            current = draft.answers.get(spec.key)
            result = fields.accept_reading(
                spec, picked, current=current, exclusions=scheme.exclusions
            )
            if spec.type is FieldType.BUDGET_LINES:
                self._store_budget(turn, scheme, draft, spec, result)
                return
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
            today = today_in(turn, draft.municipality_slug)
            result = fields.parse_answer(spec, event.text, today=today)
        else:
            self._ask_field(turn, scheme, draft)
            return
        if not self._usable(turn, scheme, draft, spec, result):
            return
        echo = None
        if spec.type is FieldType.AMOUNT and isinstance(result.value, int):
            # Right after the answer, so a misreading is caught now, not in the summary.
            echo = turn.t("grants.amount.noted", amount=format_kroner(result.value, turn.lang))
        self._store(turn, scheme, draft, spec, result.value, echo=echo)

    def _usable(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        result: FieldResult,
    ) -> bool:
        """True when `result` can be stored (its warnings said); otherwise the refusal is said and
        the field asked again, or the two readings are offered (»Mente du …?«)."""
        if result.error is not None:
            turn.reply(result.error.render(turn.lang))
            self._ask_field(turn, scheme, draft)
            return False
        if result.readings:
            self._ask_reading(turn, spec, result.readings)
            return False
        for warning in result.warnings:
            turn.reply(warning.render(turn.lang))
        return True

    def _ask_reading(self, turn: Turn, spec: FieldSpec, readings: tuple[JsonValue, ...]) -> None:
        """ "Mente du »1.250 kr.« eller »12,50 kr.«?" with a button per reading; the readings
        wait in the dialogue state, so a press after a restart still stores the right one."""
        turn.remember(pending={"field": spec.key, "readings": list(readings)})
        labels = [_reading_label(turn, reading, markup=False) for reading in readings]
        shown = [_reading_label(turn, reading) for reading in readings]
        turn.reply(
            turn.t("grants.amount.which", first=shown[0], second=shown[1]),
            [[Button(label, f"pick:{index}")] for index, label in enumerate(labels)],
        )

    def _store(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        value: JsonValue,
        *,
        advance: bool = True,
        echo: str | None = None,
    ) -> bool:
        """Save one answer; `echo` is said once it is saved, before the next question."""
        walker = _walker(turn, scheme)
        answers = walker.set_answer(draft.answers, spec.key, value)
        try:
            grant_service(turn).save_answers(
                turn.session, draft, answers, spec.key, turn.services.clock()
            )
        except InvalidInput as problem:
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
        if turn.data.get("pending") is not None:
            turn.remember(pending=None)
        if echo is not None:
            turn.reply(echo)
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
            turn.remember(selection=selected)
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
        self._store_budget(turn, scheme, draft, spec, result)

    def _store_budget(
        self,
        turn: Turn,
        scheme: GrantScheme,
        draft: GrantApplication,
        spec: FieldSpec,
        result: FieldResult,
    ) -> None:
        """Add the line of `result` (typed or picked), echo it with the running total."""
        if not self._usable(turn, scheme, draft, spec, result):
            return
        added = result.value[-1] if isinstance(result.value, list) and result.value else None
        total = format_amount(fields.budget_total(result.value), turn.lang)
        echo = turn.t(
            "grants.budget.running_total",
            line=_reading_label(turn, added),
            total=total,
        )
        if self._store(turn, scheme, draft, spec, result.value, advance=False, echo=echo):
            self._ask_field(turn, scheme, draft)

    # --- summary and submission -----------------------------------------------------------------
    def _go_summary(self, turn: Turn, scheme: GrantScheme, draft: GrantApplication) -> None:
        data = turn.data
        data.pop("editing", None)
        data.pop("field", None)
        turn.goto(JOURNEY, GrantStep.SUMMARY, data)
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
            Button(turn.t("grants.button.edit_field", label=short_label(label)), f"edit:{key}")
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
                turn.remember(editing=True)
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
                turn.remember(editing=True)
                self._go_field(turn, scheme, draft, missing.key)
                return
            turn.goto(JOURNEY, GrantStep.DECLARE)
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
        except ApplicationNotFoundError:
            turn.reply(turn.t("grants.not_found"))
            self._go_summary(turn, scheme, draft)
            return
        except InvalidInput as problem:
            if problem.key == "grants.deadline_passed":
                turn.goto(JOURNEY, GrantStep.CLOSED)
                self._show_closed(turn, scheme, draft)
                return
            turn.reply(turn.t(problem.key, **escape_params(problem.params)))
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
            scheme,
            app.answers,
            reference,
            lang,
            app.submitted_at or now,
            zone=turn.services.directory.zone(draft.municipality_slug),
        )
        turn.reply(
            turn.t("grants.receipt.pdf_caption", reference=reference),
            document=OutgoingDocument(f"{reference}.pdf", pdf, "application/pdf"),
        )
        # A second tap on "submit" (the same message) says it was sent, with the receipt.
        turn.done(
            "grants.already_submitted",
            button=("grants.button.receipt", f"grants:receipt:{app.id}"),
            reference=reference,
        )
        await navigation.show_menu(turn, intro="menu.title_short")


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


def _mb(size: int, lang: str) -> str:
    """A size limit in megabytes, as phones show file sizes ("10", "2,5")."""
    return format_decimal(size / 1_000_000, format="#,##0.#", locale=babel_locale(lang))


def _picked(turn: Turn, spec: FieldSpec, value: str) -> JsonValue | None:
    """The reading a "pick:<n>" button stands for, if it belongs to this field's question."""
    pending = turn.data.get("pending")
    if not isinstance(pending, dict) or pending.get("field") != spec.key:
        return None
    readings = pending.get("readings")
    index = value.removeprefix("pick:")
    if not isinstance(readings, list) or not index.isdigit() or int(index) >= len(readings):
        return None
    reading: JsonValue = readings[int(index)]
    return reading


def _reading_label(turn: Turn, reading: JsonValue, *, markup: bool = True) -> str:
    """An amount ("1.250 kr.") or a budget line ("Kaffe: 1.250 kr.") as the user reads it back;
    the line's text HTML-escaped for a message (`markup`), as typed for a button label."""
    if isinstance(reading, dict):
        amount = format_kroner(int(str(reading.get("amount"))), turn.lang)
        text = str(reading.get("text", ""))
        return f"{html.escape(text) if markup else text}: {amount}"
    return format_kroner(int(str(reading)), turn.lang)


def _kroner_text(ore: int) -> str:
    """øre as the Danish amount text the form parser reads ("12000,00")."""
    return f"{ore // 100},{ore % 100:02d}"
