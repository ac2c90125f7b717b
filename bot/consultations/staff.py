"""`/staff` → consultations: send one (title → summary → document → deadline → audience →
preview → send), then see every answer, export them (CSV, XLSX and the answers' files), and after
the deadline thank everyone who answered.

The draft lives in the step data under ``c``; its key makes »Send« happen once. Every action asks
the service, which checks again that the user is staff of the municipality.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.consultations import service
from bot.consultations.models import Consultation
from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.grants import documents
from bot.meetings.audiences import AUDIENCES
from bot.meetings.times import format_local
from bot.staff.access import NotStaffError, is_staff
from bot.validation.deadlines import parse_deadline
from bot.validation.errors import InvalidInput

JOURNEY = "staff_consultations"
TITLE_MAX = 200
SUMMARY_MAX = 3000
#: Answers shown in the chat (the export has them all).
SHOWN_ANSWERS = 10
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StaffConsultationStep(StrEnum):
    """`staff_consultations`' steps; the values are what `DialogueState.step` holds."""

    HOME = "home"
    TITLE = "title"
    SUMMARY = "summary"
    DOCUMENT = "document"
    DEADLINE = "deadline"
    AUDIENCE = "audience"
    PREVIEW = "preview"
    VIEW = "view"


#: The wizard's steps in order.
WIZARD_STEPS = (
    StaffConsultationStep.TITLE,
    StaffConsultationStep.SUMMARY,
    StaffConsultationStep.DOCUMENT,
    StaffConsultationStep.DEADLINE,
    StaffConsultationStep.AUDIENCE,
    StaffConsultationStep.PREVIEW,
)


def _e(value: object) -> str:
    return html.escape(str(value or ""), quote=False)


class StaffConsultationsFlow(Flow):
    journey = JOURNEY
    Step = StaffConsultationStep

    def screens(self) -> Mapping[str, Screen]:
        wizard: dict[str, Screen] = {
            step: Screen(self._show_wizard, self._on_wizard, text=True)
            for step in (
                StaffConsultationStep.TITLE,
                StaffConsultationStep.SUMMARY,
                StaffConsultationStep.DEADLINE,
            )
        }
        return {
            StaffConsultationStep.HOME: Screen(self._show_home, self._on_home),
            **wizard,
            StaffConsultationStep.DOCUMENT: Screen(
                self._show_wizard, self._on_wizard, text=True, document=True
            ),
            # Typed text at a button step shows the step again and keeps the draft.
            StaffConsultationStep.AUDIENCE: Screen(self._show_wizard, self._on_wizard, text=True),
            StaffConsultationStep.PREVIEW: Screen(self._show_wizard, self._on_wizard, text=True),
            StaffConsultationStep.VIEW: Screen(self._show_view, self._on_view),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        slug = str(params.get("municipality") or turn.data.get("municipality") or "")
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            await self._refuse(turn)
            return
        turn.goto(JOURNEY, StaffConsultationStep.HOME, {"municipality": slug})
        await self.show(turn)

    def _slug(self, turn: Turn) -> str:
        return str(turn.data.get("municipality") or "")

    async def _refuse(self, turn: Turn) -> None:
        turn.say("consultations.staff.denied")
        await navigation.show_menu(turn, intro="menu.title_short")

    # --- home -----------------------------------------------------------------------------------
    async def _show_home(self, turn: Turn) -> None:
        try:
            found = service.of_municipality(turn.session, turn.user.telegram_id, self._slug(turn))
        except NotStaffError:
            await self._refuse(turn)
            return
        rows = [[turn.button("consultations.staff.button.new", "new")]]
        for consultation in found[:10]:
            sent, answered = service.counts(turn.session, consultation.id)
            label = f"{consultation.title[:45]} ({answered}/{sent})"
            rows.append([Button(label, f"view:{consultation.id}")])
        rows.append([turn.global_button("consultations.staff.button.hub", "go:staff")])
        turn.reply(
            turn.tn("consultations.staff.home", len(found), count=len(found)), rows, edit=True
        )

    async def _on_home(self, turn: Turn, event: Event, value: str | None) -> None:
        slug = self._slug(turn)
        if value == "new":
            turn.goto(
                JOURNEY,
                StaffConsultationStep.TITLE,
                {"municipality": slug, "c": {"key": uuid.uuid4().hex}},
            )
        elif value and value.startswith("view:") and value[5:].isdigit():
            turn.goto(
                JOURNEY, StaffConsultationStep.VIEW, {"municipality": slug, "id": int(value[5:])}
            )
        await self.show(turn)

    # --- the wizard -----------------------------------------------------------------------------
    def _cancel(self, turn: Turn) -> list[Button]:
        return [turn.button("consultations.staff.button.discard", "discard")]

    async def _show_wizard(self, turn: Turn) -> None:
        step = StaffConsultationStep(turn.step)
        draft = dict(turn.data.get("c") or {})
        if step is StaffConsultationStep.AUDIENCE:
            rows = [
                [
                    turn.button(
                        audience.label_key,
                        f"audience:{key}",
                        count=len(service.recipients(turn.session, key, self._slug(turn))),
                    )
                ]
                for key, audience in AUDIENCES.items()
            ]
            turn.say("consultations.staff.ask.audience", buttons=[*rows, self._cancel(turn)])
            return
        if step is StaffConsultationStep.PREVIEW:
            await self._show_preview(turn, draft)
            return
        turn.say(
            f"consultations.staff.ask.{step.value}",
            buttons=[self._cancel(turn)],
            limit=SUMMARY_MAX,
        )

    async def _show_preview(self, turn: Turn, draft: dict[str, Any]) -> None:
        slug = self._slug(turn)
        zone = turn.services.directory.municipalities[slug].timezone
        municipality = turn.services.directory.municipalities[slug]
        turn.reply(
            turn.t(
                "consultations.invitation",
                municipality=_e(municipality.name),
                title=_e(draft["title"]),
                summary=_e(draft["summary"]),
                deadline=format_local(
                    _parse_iso(draft["deadline"]),
                    zone,
                    turn.lang,
                    turn.t("consultations.format.deadline"),
                ),
            ),
            document=OutgoingDocument(
                draft["document_name"], b"", file_id=draft["document_file_id"]
            ),
        )
        count = len(service.recipients(turn.session, draft["audience"], slug))
        audience = turn.t(AUDIENCES[draft["audience"]].name_key)
        rows = [self._cancel(turn)]
        if count:
            rows.insert(0, [turn.button("consultations.staff.button.send", "send", count=count)])
            turn.reply(
                turn.tn("consultations.staff.preview", count, count=count, audience=audience), rows
            )
        else:
            turn.reply(turn.t("consultations.staff.preview_nobody"), rows)

    async def _on_wizard(self, turn: Turn, event: Event, value: str | None) -> None:
        step = StaffConsultationStep(turn.step)
        draft = dict(turn.data.get("c") or {})
        if value == "discard":
            turn.say("consultations.staff.discarded")
            turn.goto(JOURNEY, StaffConsultationStep.HOME, {"municipality": self._slug(turn)})
            await self.show(turn)
            return
        if value is None and step in (
            StaffConsultationStep.AUDIENCE,
            StaffConsultationStep.PREVIEW,
        ):
            turn.say("consultations.staff.use_buttons")
            await self.show(turn)
            return
        if step is StaffConsultationStep.PREVIEW:
            if value == "send":
                await self._send(turn, draft)
                return
            await self.show(turn)
            return
        try:
            taken = self._take(turn, step, event, value, draft)
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **{k: _e(v) for k, v in error.params.items()}))
            await self.show(turn)
            return
        if taken:
            turn.remember(c=draft)
            turn.goto(JOURNEY, WIZARD_STEPS[WIZARD_STEPS.index(step) + 1])
        await self.show(turn)

    def _take(
        self,
        turn: Turn,
        step: StaffConsultationStep,
        event: Event,
        value: str | None,
        draft: dict[str, Any],
    ) -> bool:
        """Put the answer at `step` into `draft`; False when it was no answer (show the step
        again), `InvalidInput` when it cannot be used."""
        text = (event.text or "").strip()
        if step is StaffConsultationStep.AUDIENCE:
            key = (value or "").removeprefix("audience:")
            if key not in AUDIENCES:
                return False
            draft["audience"] = key
            return True
        if step is StaffConsultationStep.DOCUMENT:
            if event.kind is EventKind.DOCUMENT and event.document is not None:
                draft["document_file_id"] = event.document.file_id
                draft["document_name"] = event.document.file_name[:200] or "dokument"
                return True
            raise InvalidInput("consultations.staff.error.document")
        if value is not None:
            return False
        if step is StaffConsultationStep.TITLE:
            title = " ".join(text.split())
            if not 3 <= len(title) <= TITLE_MAX:
                raise InvalidInput("consultations.staff.error.title", high=TITLE_MAX)
            draft["title"] = title
        elif step is StaffConsultationStep.SUMMARY:
            if not 10 <= len(text) <= SUMMARY_MAX:
                raise InvalidInput("consultations.staff.error.summary", high=SUMMARY_MAX)
            draft["summary"] = text
        elif step is StaffConsultationStep.DEADLINE:
            zone = turn.services.directory.municipalities[self._slug(turn)].timezone
            deadline = parse_deadline(text, zone, turn.services.clock(), errors="consultations")
            draft["deadline"] = deadline.isoformat()
        return True

    async def _send(self, turn: Turn, draft: dict[str, Any]) -> None:
        slug = self._slug(turn)
        try:
            consultation, broadcast, created = service.send(
                turn.session,
                turn.user.telegram_id,
                service.Draft(
                    key=draft["key"],
                    municipality=slug,
                    title=draft["title"],
                    summary=draft["summary"],
                    document_file_id=draft["document_file_id"],
                    document_name=draft["document_name"],
                    deadline=_parse_iso(draft["deadline"]),
                    audience=draft["audience"],
                ),
                turn.services.clock(),
            )
        except NotStaffError:
            await self._refuse(turn)
            return
        key = "consultations.staff.sent" if created else "consultations.staff.already_sent"
        turn.reply(turn.tn(key, broadcast.total, count=broadcast.total))
        turn.done("consultations.staff.already_sent_button")
        turn.goto(
            JOURNEY, StaffConsultationStep.VIEW, {"municipality": slug, "id": consultation.id}
        )
        await self.show(turn)

    # --- one consultation -----------------------------------------------------------------------
    def _consultation(self, turn: Turn) -> Consultation:
        return service.staff_consultation(
            turn.session, turn.user.telegram_id, int(turn.data.get("id") or 0)
        )

    async def _show_view(self, turn: Turn) -> None:
        try:
            consultation = self._consultation(turn)
            answers = service.answers(turn.session, turn.user.telegram_id, consultation.id)
        except NotStaffError:
            await self._refuse(turn)
            return
        sent, answered = service.counts(turn.session, consultation.id)
        lines = [
            turn.tn(
                "consultations.staff.view",
                answered,
                title=_e(consultation.title),
                deadline=service.deadline_text(turn.session, consultation, turn.lang),
                count=answered,
                sent=sent,
            )
        ]
        for view in answers[:SHOWN_ANSWERS]:
            lines.append(
                turn.t(
                    "consultations.staff.answer_line",
                    who=_e(view.who + (f" ({view.association})" if view.association else "")),
                    answer=_e(_excerpt(view.text) or "–"),
                    file=_e(view.file_name or "–"),
                )
            )
        rows: list[list[Button]] = []
        if answers:
            rows.append(
                [
                    turn.button("consultations.staff.button.csv", "csv"),
                    turn.button("consultations.staff.button.xlsx", "xlsx"),
                ]
            )
            if any(view.file_id for view in answers):
                rows.append([turn.button("consultations.staff.button.files", "files")])
            closed = consultation.deadline <= turn.services.clock()
            if closed and consultation.thanked_at is None:
                rows.append(
                    [turn.button("consultations.staff.button.thanks", "thanks", count=answered)]
                )
        rows.append([turn.button("consultations.staff.button.home", "home")])
        turn.reply("\n\n".join(lines), rows, edit=True)

    async def _on_view(self, turn: Turn, event: Event, value: str | None) -> None:
        try:
            consultation = self._consultation(turn)
            if value in ("csv", "xlsx"):
                rows = service.export_rows(
                    turn.session, turn.user.telegram_id, consultation.id, turn.lang
                )
                name = f"hoering-{consultation.id}"
                if value == "csv":
                    document = OutgoingDocument(
                        f"{name}.csv", documents.export_round_csv(rows), "text/csv"
                    )
                else:
                    content = documents.export_round_xlsx(
                        rows, sheet_title=turn.t("consultations.staff.sheet")
                    )
                    document = OutgoingDocument(f"{name}.xlsx", content, _XLSX)
                turn.reply(
                    turn.tn("consultations.staff.export_caption", len(rows), count=len(rows)),
                    document=document,
                )
            elif value == "files":
                for view in service.answers(turn.session, turn.user.telegram_id, consultation.id):
                    if view.file_id:
                        turn.reply(
                            turn.t("consultations.staff.file_caption", who=_e(view.who)),
                            document=OutgoingDocument(
                                view.file_name or "fil", b"", file_id=view.file_id
                            ),
                        )
            elif value == "thanks":
                try:
                    broadcast, created = service.send_thanks(
                        turn.session, turn.user.telegram_id, consultation.id, turn.services.clock()
                    )
                except service.ClosedError:
                    turn.say("consultations.staff.thanks_too_early")
                else:
                    key = (
                        "consultations.staff.thanked"
                        if created
                        else "consultations.staff.already_thanked"
                    )
                    turn.reply(turn.tn(key, broadcast.total, count=broadcast.total))
                    turn.done("consultations.staff.already_thanked_button")
            elif value == "home":
                turn.goto(JOURNEY, StaffConsultationStep.HOME, {"municipality": self._slug(turn)})
        except NotStaffError:
            await self._refuse(turn)
            return
        await self.show(turn)


def _parse_iso(value: Any) -> datetime:
    """A UTC instant kept in the step data (ISO) back as a `datetime`."""
    return datetime.fromisoformat(str(value))


def _excerpt(text: object, limit: int = 200) -> str:
    value = str(text or "")
    return value if len(value) <= limit else value[: limit - 1] + "…"
