"""`staff_opportunities`: staff add, edit and close their municipality's opportunities in chat,
import many at once from a CSV file they send, and download the interests as CSV. Opened by the
staff hub with `municipality=<slug>`.

Steps (`StaffOpportunityStep`): MAIN, LIST, OP, EDIT_<FIELD> (typed value), IMPORT (waits for a
CSV document), and the wizard NEW_TITLE → NEW_ASSOCIATION → NEW_TOWN → NEW_AREA → NEW_TIME →
NEW_DESCRIPTION → NEW_SPOTS. The municipality lives in the step data, and every service call
checks the role again.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event, EventKind, IncomingDocument
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button, OutgoingDocument
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.core.turn import Turn, escape
from bot.matching import render, upkeep
from bot.matching.catalog import MAX_IMPORT_BYTES, ImportReport, describe
from bot.matching.flow import TIME_CHOICES
from bot.matching.vocabulary import AREAS
from bot.staff.access import NotStaffError, is_staff, require_staff
from bot.validation.errors import InvalidInput

JOURNEY = "staff_opportunities"


class StaffOpportunityStep(StrEnum):
    """`staff_opportunities`' steps; the values are what `DialogueState.step` holds."""

    MAIN = "main"
    LIST = "list"
    OP = "op"
    IMPORT = "import"
    EDIT_TITLE = "edit_title"
    EDIT_DESCRIPTION = "edit_description"
    EDIT_SPOTS = "edit_spots"
    NEW_TITLE = "new_title"
    NEW_ASSOCIATION = "new_association"
    NEW_TOWN = "new_town"
    NEW_AREA = "new_area"
    NEW_TIME = "new_time"
    NEW_DESCRIPTION = "new_description"
    NEW_SPOTS = "new_spots"


#: The edit step of each field staff may change (`upkeep.EDITABLE`), chosen by the button pressed.
EDIT_STEPS = {
    "title": StaffOpportunityStep.EDIT_TITLE,
    "description": StaffOpportunityStep.EDIT_DESCRIPTION,
    "spots": StaffOpportunityStep.EDIT_SPOTS,
}
#: The field each edit step changes.
EDITED_FIELD = {step: field for field, step in EDIT_STEPS.items()}
#: The new-opportunity wizard's questions, in order.
WIZARD_STEPS = (
    StaffOpportunityStep.NEW_TITLE,
    StaffOpportunityStep.NEW_ASSOCIATION,
    StaffOpportunityStep.NEW_TOWN,
    StaffOpportunityStep.NEW_AREA,
    StaffOpportunityStep.NEW_TIME,
    StaffOpportunityStep.NEW_DESCRIPTION,
    StaffOpportunityStep.NEW_SPOTS,
)


#: The question of each typed-answer step.
ASK = {
    StaffOpportunityStep.EDIT_TITLE: "matching.staff.ask_edit_title",
    StaffOpportunityStep.EDIT_DESCRIPTION: "matching.staff.ask_edit_description",
    StaffOpportunityStep.EDIT_SPOTS: "matching.staff.ask_edit_spots",
    StaffOpportunityStep.NEW_TITLE: "matching.staff.ask_new_title",
    StaffOpportunityStep.NEW_DESCRIPTION: "matching.staff.ask_new_description",
    StaffOpportunityStep.NEW_SPOTS: "matching.staff.ask_new_spots",
}
NOW_STATUS = {"open": "matching.staff.now_open", "closed": "matching.staff.now_closed"}
ALREADY_STATUS = {
    "open": "matching.staff.already_open",
    "closed": "matching.staff.already_closed",
}

#: What phones and Excel call a CSV file; a file named `*.csv` is accepted whatever its type
#: (Excel on Windows sends CSV files as `application/vnd.ms-excel`).
CSV_MIME_TYPES = frozenset(
    {
        "text/csv",
        "text/comma-separated-values",
        "text/x-csv",
        "application/csv",
        "application/x-csv",
    }
)
IMPORT_LIMIT_MB = MAX_IMPORT_BYTES // (1024 * 1024)
#: A report lists at most this many refused rows, each cut to REPORT_LINE characters, within
#: REPORT_BUDGET characters in all: with its heading and totals it stays one Telegram message
#: (4096 characters) that a person can still read.
REPORT_ROWS = 20
REPORT_LINE = 300
REPORT_BUDGET = 3000


def is_csv(document: IncomingDocument) -> bool:
    mime = (document.mime_type or "").split(";")[0].strip().lower()
    return document.file_name.lower().endswith(".csv") or mime in CSV_MIME_TYPES


def report_text(turn: Turn, report: ImportReport, file_name: str) -> str:
    """`describe`'s lines as one message: the first refused rows, how many more, the totals."""
    *rows, totals = describe(report, turn.lang)
    shown: list[str] = []
    used = 0
    for line in rows[:REPORT_ROWS]:
        if len(line) > REPORT_LINE:  # a row's values come from the file and can be any length
            line = line[: REPORT_LINE - 1] + "…"
        line = escape(line)  # the reasons quote the file's values
        if used + len(line) + 1 > REPORT_BUDGET:
            break
        shown.append(line)
        used += len(line) + 1
    parts = [turn.t("matching.staff.import_report", file=escape(file_name[:100])), *shown]
    if len(shown) < len(rows):
        parts.append(
            turn.tn("matching.staff.import_more", len(rows), shown=len(shown), total=len(rows))
        )
    parts.append(escape(totals))
    if rows:
        parts.append(turn.t("matching.staff.import_fix_hint"))
    return "\n".join(parts)


class StaffOpportunitiesFlow(Flow):
    journey = JOURNEY
    Step = StaffOpportunityStep

    def screens(self) -> Mapping[str, Screen]:
        # Typed text answers the edit steps and the wizard's title, description and spots; the
        # import step waits for a CSV document. Everything else is buttons.
        return {
            StaffOpportunityStep.MAIN: Screen(self._show_main, self._on_main),
            StaffOpportunityStep.LIST: Screen(self._show_list, self._on_list),
            StaffOpportunityStep.OP: Screen(self._show_op, self._on_op),
            StaffOpportunityStep.IMPORT: Screen(self._show_import, self._on_import, document=True),
            **{step: Screen(self._show_edit, self._on_edit, text=True) for step in EDITED_FIELD},
            StaffOpportunityStep.NEW_TITLE: Screen(
                self._show_new_typed, self._on_new_title, text=True
            ),
            StaffOpportunityStep.NEW_ASSOCIATION: Screen(
                self._show_new_association, self._on_new_association
            ),
            StaffOpportunityStep.NEW_TOWN: Screen(self._show_new_town, self._on_new_town),
            StaffOpportunityStep.NEW_AREA: Screen(self._show_new_area, self._on_new_area),
            StaffOpportunityStep.NEW_TIME: Screen(self._show_new_time, self._on_new_time),
            StaffOpportunityStep.NEW_DESCRIPTION: Screen(
                self._show_new_typed, self._on_new_description, text=True
            ),
            StaffOpportunityStep.NEW_SPOTS: Screen(
                self._show_new_typed, self._on_new_spots, text=True
            ),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        municipality = str(params.get("municipality") or "")
        if not is_staff(turn.session, turn.user.telegram_id, municipality):
            turn.say("matching.staff.not_allowed")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(JOURNEY, StaffOpportunityStep.MAIN, {"m": municipality})
        await self.show(turn)

    def _m(self, turn: Turn) -> str:
        return str(turn.data.get("m") or "")

    async def show(self, turn: Turn) -> None:
        if self.screen(turn.step) is None:  # a step this version no longer has: start over
            await self.start(turn, municipality=self._m(turn))
            return
        try:
            await super().show(turn)
        except NotStaffError:
            await self._refuse(turn)

    async def _refuse(self, turn: Turn) -> None:
        turn.say("matching.staff.not_allowed")
        await navigation.show_menu(turn, intro="menu.title_short")

    # --- showing --------------------------------------------------------------------------------
    async def _show_main(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        counts = upkeep.counts(session, tid, m)
        municipality = turn.services.directory.get(m)
        rows = [
            [turn.button("matching.staff.new", "new")],
            [turn.button("matching.staff.list", "list")],
            [turn.button("matching.staff.import", "import")],
            [turn.button("matching.staff.export", "export")],
            [turn.global_button("menu.back_to_menu", "menu")],
        ]
        text = turn.t(
            "matching.staff.main",
            municipality=municipality.name if municipality else m,
            open=counts.get("open", 0),
            closed=counts.get("closed", 0),
        )
        turn.reply(text, rows, edit=True)

    async def _show_import(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        back = _back(turn)
        found = upkeep.associations(session, tid, m)
        text = turn.t("matching.staff.import_ask", limit=IMPORT_LIMIT_MB)
        if found:
            keys = "\n".join(f"<code>{escape(a.key)}</code> – {escape(a.name)}" for a in found)
            text += "\n\n" + turn.t("matching.staff.import_associations", associations=keys)
        turn.reply(text, [back], edit=True)

    async def _show_list(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        back = _back(turn)
        page = int(turn.data.get("page") or 0)
        items, pages = upkeep.listing(session, tid, m, page)
        rows = [
            [Button(("🔒 " if o.status == "closed" else "") + o.title[:50], f"op:{o.id}")]
            for o in items
        ]
        nav = []
        if page > 0:
            nav.append(turn.button("matching.button.previous", "prev"))
        if page < pages - 1:
            nav.append(turn.button("matching.button.next", "next"))
        rows.extend([nav, back])
        turn.reply(turn.t("matching.staff.pick", page=page + 1, pages=pages), rows, edit=True)

    async def _show_op(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        back = _back(turn)
        opportunity = upkeep.get(session, tid, m, int(turn.data.get("op") or 0))
        if opportunity is None:
            turn.say("matching.not_found")
            turn.goto(JOURNEY, StaffOpportunityStep.LIST)
            await self._show_list(turn)
            return
        # The button names the status it sets, not "toggle": the screen stays the same, so a
        # double tap arrives as a valid press and must not undo the first.
        status, target = (
            ("matching.staff.reopen", "open")
            if opportunity.status == "closed"
            else ("matching.staff.close", "closed")
        )
        rows = [
            [turn.button("matching.staff.edit_title", "edit:title")],
            [turn.button("matching.staff.edit_description", "edit:description")],
            [turn.button("matching.staff.edit_spots", "edit:spots")],
            [turn.button(status, f"status:{target}")],
            back,
        ]
        state = turn.t(f"matching.staff.status.{opportunity.status}")
        text = (
            render.details(turn, opportunity) + "\n\n" + turn.t("matching.staff.state", state=state)
        )
        turn.reply(text, rows, edit=True)

    async def _show_edit(self, turn: Turn) -> None:
        step = StaffOpportunityStep(turn.step)
        # The same »Ingen grænse« as the new-opportunity wizard (issue 16, reader 2): the
        # question names the button, not a typed »-«, which is still read.
        rows = (
            [[turn.button("matching.staff.no_limit", "none")]]
            if step is StaffOpportunityStep.EDIT_SPOTS
            else []
        )
        turn.reply(turn.t(ASK[step]), [*rows, _back(turn)], edit=True)

    async def _show_new_typed(self, turn: Turn) -> None:
        step = StaffOpportunityStep(turn.step)
        rows = (
            [[turn.button("matching.staff.no_limit", "none")]]
            if step is StaffOpportunityStep.NEW_SPOTS
            else []
        )
        rows.append([turn.button("matching.staff.cancel_new", "back")])
        turn.reply(turn.t(ASK[step]), rows, edit=True)

    async def _show_new_association(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        found = upkeep.associations(session, tid, m)
        rows = [[Button(a.name[:60], f"a:{a.id}")] for a in found]
        rows.append([turn.button("matching.staff.cancel_new", "back")])
        turn.reply(turn.t("matching.staff.ask_new_association"), rows, edit=True)

    async def _show_new_town(self, turn: Turn) -> None:
        municipality = turn.services.directory.get(self._m(turn))
        towns = [
            Button(town.name, f"town:{town.name}")
            for town in (municipality.towns if municipality else ())
        ]
        rows = [towns[i : i + 3] for i in range(0, len(towns), 3)]
        rows.append([turn.button("matching.staff.cancel_new", "back")])
        turn.reply(turn.t("matching.staff.ask_new_town"), rows, edit=True)

    async def _show_new_area(self, turn: Turn) -> None:
        buttons = [turn.button(f"matching.area.{a}", f"a:{a}") for a in AREAS]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        turn.reply(turn.t("matching.staff.ask_new_area"), rows, edit=True)

    async def _show_new_time(self, turn: Turn) -> None:
        rows = [[turn.button(f"matching.time.{k}", f"t:{k}")] for k in TIME_CHOICES]
        turn.reply(turn.t("matching.staff.ask_new_time"), rows, edit=True)

    # --- answers --------------------------------------------------------------------------------
    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        screen = self.screen(turn.step)
        if screen is None:  # a step this version no longer has: start over
            await self.start(turn, municipality=self._m(turn))
            return
        try:
            if value == "back":  # every step's back (or cancel) button
                step = StaffOpportunityStep(turn.step)
                turn.goto(
                    JOURNEY,
                    StaffOpportunityStep.OP if step in EDITED_FIELD else StaffOpportunityStep.MAIN,
                )
            else:
                await screen.handle(turn, event, value)
        except NotStaffError:
            await self._refuse(turn)
            return
        except InvalidInput as refused:
            turn.say(refused.key)
        await self.show(turn)

    async def _on_main(self, turn: Turn, event: Event, value: str | None) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        if value == "new":
            turn.goto(JOURNEY, StaffOpportunityStep.NEW_TITLE, {"m": m})
        elif value == "list":
            turn.remember(page=0)
            turn.goto(JOURNEY, StaffOpportunityStep.LIST)
        elif value == "import":
            turn.goto(JOURNEY, StaffOpportunityStep.IMPORT)
        elif value == "export":
            content, count = upkeep.export(session, tid, m)
            turn.reply(
                turn.t("matching.staff.exported", count=count),
                document=OutgoingDocument(f"interesser-{m}.csv", content, "text/csv"),
            )

    async def _on_import(self, turn: Turn, event: Event, value: str | None) -> None:
        if event.document is not None:
            await self._import(turn, event.document)

    async def _on_list(self, turn: Turn, event: Event, value: str | None) -> None:
        page = int(turn.data.get("page") or 0)
        if value in ("next", "prev"):
            turn.remember(page=page + (1 if value == "next" else -1))
        elif value and value.startswith("op:") and value[3:].isdigit():
            turn.remember(op=int(value[3:]))
            turn.goto(JOURNEY, StaffOpportunityStep.OP)

    async def _on_op(self, turn: Turn, event: Event, value: str | None) -> None:
        session, tid, m, now = (
            turn.session,
            turn.user.telegram_id,
            self._m(turn),
            turn.services.clock(),
        )
        ident = int(turn.data.get("op") or 0)
        if value and value.startswith("edit:") and value[5:] in EDIT_STEPS:
            turn.goto(JOURNEY, EDIT_STEPS[value[5:]])
        elif value in ("status:open", "status:closed"):
            current = upkeep.get(session, tid, m, ident)
            status = value.removeprefix("status:")
            if current is not None and current.status == status:
                turn.say(ALREADY_STATUS[status], title=current.title)
            elif current is not None:
                upkeep.set_status(session, tid, m, ident, status, now)
                turn.say(NOW_STATUS[status], title=current.title)

    async def _on_edit(self, turn: Turn, event: Event, value: str | None) -> None:
        typed = _typed(event)
        if value == "none" and turn.step == StaffOpportunityStep.EDIT_SPOTS:
            typed = ""  # »Ingen grænse«: `upkeep.parse_spots` reads an empty answer as no limit
        if typed is None:
            return
        session, tid, m, now = (
            turn.session,
            turn.user.telegram_id,
            self._m(turn),
            turn.services.clock(),
        )
        field = EDITED_FIELD[StaffOpportunityStep(turn.step)]
        changed = upkeep.edit(session, tid, m, int(turn.data.get("op") or 0), field, typed, now)
        if changed is not None:
            turn.say("matching.staff.saved")
        turn.goto(JOURNEY, StaffOpportunityStep.OP)

    async def _import(self, turn: Turn, document: IncomingDocument) -> None:
        """A CSV sent at the IMPORT step: refused (staying on the step) or imported, reported,
        and back to the main screen."""
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        require_staff(session, tid, m)  # fetch nothing for someone who may not import
        if not is_csv(document):
            turn.say("matching.staff.import_not_csv", name=document.file_name[:100])
            return
        if document.size is not None and document.size > MAX_IMPORT_BYTES:
            turn.say("matching.staff.import_too_big", limit=IMPORT_LIMIT_MB)
            return
        files = turn.services.files
        if files is None:  # the terminal chat cannot receive files
            turn.say("matching.staff.import_no_download", municipality=m)
            return
        try:
            # Network I/O inside the turn: done before the turn's first write, so SQLite's write
            # lock is not held while we wait (see `Conversation._touch_user`).
            content = await files.download(document.file_id, MAX_IMPORT_BYTES)
        except FileTooLargeError:
            turn.say("matching.staff.import_too_big", limit=IMPORT_LIMIT_MB)
            return
        except FileUnavailableError:
            turn.say("matching.staff.import_unavailable")
            return
        report = upkeep.import_file(
            session, tid, m, turn.services.directory, content, turn.services.clock()
        )
        if report.fatal is not None:  # nothing was imported: fix the file and send it again
            turn.say("matching.staff.import_failed", problem=describe(report, turn.lang)[0])
            return
        turn.reply(report_text(turn, report, document.file_name))
        turn.goto(JOURNEY, StaffOpportunityStep.MAIN)

    # --- the new-opportunity wizard: each question's answer, then the next question -------------
    async def _on_new_title(self, turn: Turn, event: Event, value: str | None) -> None:
        typed = _typed(event)
        if typed is not None:
            self._wizard(turn, StaffOpportunityStep.NEW_TITLE, title=upkeep.clean_title(typed))

    async def _on_new_association(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("a:") and value[2:].isdigit():
            self._wizard(turn, StaffOpportunityStep.NEW_ASSOCIATION, association_id=int(value[2:]))

    async def _on_new_town(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("town:"):
            self._wizard(turn, StaffOpportunityStep.NEW_TOWN, town=value[5:])

    async def _on_new_area(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("a:") and value[2:] in AREAS:
            self._wizard(turn, StaffOpportunityStep.NEW_AREA, area=value[2:])

    async def _on_new_time(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("t:") and value[2:] in TIME_CHOICES:
            availability = list(TIME_CHOICES[value[2:]])
            self._wizard(turn, StaffOpportunityStep.NEW_TIME, availability=availability)

    async def _on_new_description(self, turn: Turn, event: Event, value: str | None) -> None:
        typed = _typed(event)
        if typed is not None:
            description = upkeep.clean_description(typed)
            self._wizard(turn, StaffOpportunityStep.NEW_DESCRIPTION, description=description)

    async def _on_new_spots(self, turn: Turn, event: Event, value: str | None) -> None:
        typed = _typed(event)
        if typed is not None or value == "none":
            self._wizard(
                turn, StaffOpportunityStep.NEW_SPOTS, spots=upkeep.parse_spots(typed or "")
            )

    def _wizard(self, turn: Turn, step: StaffOpportunityStep, **answer: Any) -> None:
        """Keep the answer to the wizard's question `step` in the draft and ask the next one;
        after the last, create the opportunity and show it."""
        draft = dict(turn.data.get("draft") or {})
        draft.update(answer)
        turn.remember(draft=draft)
        following = WIZARD_STEPS.index(step) + 1
        if following < len(WIZARD_STEPS):
            turn.goto(JOURNEY, WIZARD_STEPS[following])
            return
        created = upkeep.create(
            turn.session,
            turn.user.telegram_id,
            self._m(turn),
            upkeep.Draft(
                title=str(draft["title"]),
                association_id=int(draft["association_id"]),
                town=str(draft["town"]),
                area=str(draft["area"]),
                availability=tuple(draft.get("availability") or ()),
                activity=None,
                description=str(draft["description"]),
                spots=draft.get("spots"),
            ),
            turn.services.directory,
            turn.services.clock(),
        )
        if created is None:
            turn.say("matching.not_found")
            turn.goto(JOURNEY, StaffOpportunityStep.MAIN, {"m": self._m(turn)})
            return
        turn.say("matching.staff.created", title=created.title)
        turn.goto(JOURNEY, StaffOpportunityStep.OP, {"m": self._m(turn), "op": created.id})


def _back(turn: Turn) -> list[Button]:
    """The row with the back button (to the opportunity from an edit, else to the main screen)."""
    return [turn.button("matching.staff.back", "back")]


def _typed(event: Event) -> str | None:
    """The typed text of a text message; None for a button, a document or anything else."""
    return event.text if event.kind is EventKind.TEXT else None
