"""`/consultations`: the consultations sent to you — read the summary and the document, answer in
chat with text and/or a file, change the answer until the deadline, get a receipt.

The invitation's »Læs og svar« button opens a consultation from anywhere
(``g:consultations:open:<id>``); the answer being written lives in the step data under ``a``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.consultations import service
from bot.consultations.models import Consultation
from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn

JOURNEY = "consultations"
#: Largest answer file accepted (Telegram lets bots fetch up to 20 MB).
FILE_MAX_BYTES = 20 * 1024 * 1024


class ConsultationStep(StrEnum):
    """The consultations' steps; the values are what `DialogueState.step` holds."""

    LIST = "list"
    DETAIL = "detail"
    ANSWER = "answer"


def _e(value: object) -> str:
    return html.escape(str(value or ""), quote=False)


def _int(raw: object) -> int:
    text = str(raw)
    return int(text) if text.isdigit() else 0


class ConsultationsFlow(Flow):
    journey = JOURNEY
    Step = ConsultationStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            ConsultationStep.LIST: Screen(self._show_list, self._on_list),
            ConsultationStep.DETAIL: Screen(self._show_detail, self._on_detail),
            ConsultationStep.ANSWER: Screen(
                self._show_answer, self._on_answer, text=True, document=True
            ),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        if params.get("consultation"):
            await self._open(turn, _int(params["consultation"]))
            return
        found = service.mine(turn.session, turn.user, turn.services.clock())
        if len(found) == 1:
            await self._open(turn, found[0].id)
            return
        turn.goto(JOURNEY, ConsultationStep.LIST, {})
        await self.show(turn)

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        if action == "open" and len(args) == 1:
            await self._open(turn, _int(args[0]))
            return True
        if action == "doc" and len(args) == 1:
            self._send_document(turn, _int(args[0]))
            return True
        return False

    # --- list and detail ------------------------------------------------------------------------
    async def _show_list(self, turn: Turn) -> None:
        found = service.mine(turn.session, turn.user, turn.services.clock())
        menu = [turn.global_button("menu.back_to_menu", "menu")]
        if not found:
            turn.say("consultations.none", buttons=[menu])
            return
        rows = [[Button(c.title[:60], f"open:{c.id}")] for c in found[:20]]
        turn.reply(turn.tn("consultations.list", len(found), count=len(found)), [*rows, menu])

    async def _on_list(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("open:"):
            await self._open(turn, _int(value[5:]))
            return
        await self.show(turn)

    async def _open(self, turn: Turn, consultation_id: int) -> None:
        try:
            service.visible(turn.session, consultation_id, turn.user)
        except service.NotFoundError:
            turn.say("consultations.not_found")
            turn.goto(JOURNEY, ConsultationStep.LIST, {})
            await self.show(turn)
            return
        turn.goto(JOURNEY, ConsultationStep.DETAIL, {"consultation": consultation_id})
        await self.show(turn)

    def _consultation(self, turn: Turn) -> Consultation | None:
        try:
            return service.visible(turn.session, _int(turn.data.get("consultation")), turn.user)
        except service.NotFoundError:
            return None

    async def _show_detail(self, turn: Turn) -> None:
        consultation = self._consultation(turn)
        if consultation is None:
            turn.goto(JOURNEY, ConsultationStep.LIST, {})
            await self.show(turn)
            return
        now = turn.services.clock()
        answer = service.answer_of(turn.session, consultation.id, turn.user)
        open_ = consultation.deadline > now
        if answer is None:
            status = turn.t(
                "consultations.status.none" if open_ else "consultations.status.none_closed"
            )
        else:
            status = turn.t(
                "consultations.status.answered",
                answer=_e(_excerpt(answer.text)),
                file=_e(answer.file_name or "–"),
            )
        text = turn.t(
            "consultations.detail",
            title=_e(consultation.title),
            summary=_e(consultation.summary),
            deadline=service.deadline_text(turn.session, consultation, turn.lang),
            status=status,
        )
        rows = [
            [
                turn.global_button(
                    "consultations.button.document", f"consultations:doc:{consultation.id}"
                )
            ]
        ]
        if open_:
            key = "consultations.button.change" if answer else "consultations.button.answer"
            rows.append([turn.button(key, "answer")])
        rows.append([turn.button("consultations.button.list", "list")])
        turn.reply(text, rows, edit=True)

    async def _on_detail(self, turn: Turn, event: Event, value: str | None) -> None:
        consultation = self._consultation(turn)
        if value == "answer" and consultation is not None:
            if consultation.deadline <= turn.services.clock():
                turn.say("consultations.closed")
            else:
                # Changing starts from the answer given: replace the text, the file, or both.
                given = service.answer_of(turn.session, consultation.id, turn.user)
                draft = {
                    key: value
                    for key, value in (
                        ("text", given.text if given else None),
                        ("file_id", given.file_id if given else None),
                        ("file_name", given.file_name if given else None),
                    )
                    if value
                }
                turn.goto(
                    JOURNEY, ConsultationStep.ANSWER, {"consultation": consultation.id, "a": draft}
                )
        elif value == "list":
            turn.goto(JOURNEY, ConsultationStep.LIST, {})
        await self.show(turn)

    def _send_document(self, turn: Turn, consultation_id: int) -> None:
        try:
            consultation = service.visible(turn.session, consultation_id, turn.user)
        except service.NotFoundError:
            turn.say("consultations.not_found")
            return
        turn.reply(
            turn.t("consultations.document_caption", title=_e(consultation.title)),
            document=OutgoingDocument(
                consultation.document_name, b"", file_id=consultation.document_file_id
            ),
        )

    # --- the answer -----------------------------------------------------------------------------
    async def _show_answer(self, turn: Turn) -> None:
        draft = dict(turn.data.get("a") or {})
        rows: list[list[Button]] = []
        if draft.get("text") or draft.get("file_id"):
            rows.append([turn.button("consultations.button.send", "send")])
            text = turn.t(
                "consultations.answer_so_far",
                answer=_e(_excerpt(draft.get("text")) or "–"),
                file=_e(draft.get("file_name") or "–"),
            )
        else:
            text = turn.t("consultations.ask_answer", limit=service.ANSWER_MAX)
        if draft.get("file_id"):
            rows.append([turn.button("consultations.button.remove_file", "nofile")])
        rows.append([turn.button("consultations.button.cancel", "cancel")])
        turn.reply(text, rows)

    async def _on_answer(self, turn: Turn, event: Event, value: str | None) -> None:
        draft = dict(turn.data.get("a") or {})
        consultation_id = _int(turn.data.get("consultation"))
        if value == "cancel":
            turn.say("consultations.answer_cancelled")
            turn.goto(JOURNEY, ConsultationStep.DETAIL, {"consultation": consultation_id})
            await self.show(turn)
            return
        if value == "send":
            await self._send(turn, consultation_id, draft)
            return
        if value == "nofile":
            draft.pop("file_id", None)
            draft.pop("file_name", None)
        elif event.kind is EventKind.DOCUMENT and event.document is not None:
            if event.document.size is not None and event.document.size > FILE_MAX_BYTES:
                turn.say("consultations.error.file_size")
            else:
                draft["file_id"] = event.document.file_id
                draft["file_name"] = event.document.file_name[:200] or "fil"
                if event.text:  # a caption is text of the answer too
                    draft["text"] = event.text.strip()[: service.ANSWER_MAX]
        elif event.kind is EventKind.TEXT:
            text = (event.text or "").strip()
            if len(text) > service.ANSWER_MAX:
                turn.say("consultations.error.too_long", length=len(text), limit=service.ANSWER_MAX)
            elif text:
                draft["text"] = text
        turn.remember(a=draft)
        await self.show(turn)

    async def _send(self, turn: Turn, consultation_id: int, draft: dict[str, Any]) -> None:
        try:
            consultation = service.visible(turn.session, consultation_id, turn.user)
            _, changed = service.give_answer(
                turn.session,
                consultation_id,
                turn.user,
                text=draft.get("text"),
                file_id=draft.get("file_id"),
                file_name=draft.get("file_name"),
                now=turn.services.clock(),
            )
        except service.NotFoundError:
            turn.say("consultations.not_found")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        except service.ClosedError:
            turn.say("consultations.closed")
            turn.goto(JOURNEY, ConsultationStep.DETAIL, {"consultation": consultation_id})
            await self.show(turn)
            return
        except ValueError:
            await self.show(turn)
            return
        turn.say(
            "consultations.receipt_changed" if changed else "consultations.receipt",
            title=consultation.title,
            deadline=service.deadline_text(turn.session, consultation, turn.lang),
        )
        turn.done("consultations.already_sent")
        turn.goto(JOURNEY, ConsultationStep.DETAIL, {"consultation": consultation_id})
        await self.show(turn)


def _excerpt(text: object, limit: int = 300) -> str:
    value = str(text or "")
    return value if len(value) <= limit else value[: limit - 1] + "…"
