"""`staff_opportunities`: staff add, edit and close their municipality's opportunities in chat,
import many at once from a CSV file they send, and download the interests as CSV. Opened by the
staff hub with `municipality=<slug>`.

Steps: `main`, `list`, `op`, `edit_<field>` (typed value), `import` (waits for a CSV document),
and the wizard `new_title` → `new_association` → `new_town` → `new_area` → `new_time` →
`new_description` → `new_spots`. The municipality lives in the step data, and every service call
checks the role again.
"""

from __future__ import annotations

from typing import Any

from bot.core import navigation
from bot.core.events import Event, EventKind, IncomingDocument
from bot.core.flows.base import Flow
from bot.core.replies import Button, OutgoingDocument
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.core.turn import Turn, escape
from bot.matching import render, upkeep
from bot.matching.catalog import MAX_IMPORT_BYTES, ImportReport, describe
from bot.matching.flow import TIME_CHOICES
from bot.matching.vocabulary import AREAS
from bot.staff.access import NotStaffError, is_staff, require_staff

JOURNEY = "staff_opportunities"
WIZARD = (
    "new_title",
    "new_association",
    "new_town",
    "new_area",
    "new_time",
    "new_description",
    "new_spots",
)


#: The question of each typed-answer step.
ASK = {
    "edit_title": "matching.staff.ask_edit_title",
    "edit_description": "matching.staff.ask_edit_description",
    "edit_spots": "matching.staff.ask_edit_spots",
    "new_title": "matching.staff.ask_new_title",
    "new_description": "matching.staff.ask_new_description",
    "new_spots": "matching.staff.ask_new_spots",
}
NOW_STATUS = {"open": "matching.staff.now_open", "closed": "matching.staff.now_closed"}

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
    document_steps = frozenset({"import"})
    text_steps = frozenset(
        {
            "edit_title",
            "edit_description",
            "edit_spots",
            "new_title",
            "new_description",
            "new_spots",
        }
    )

    async def start(self, turn: Turn, **params: Any) -> None:
        municipality = str(params.get("municipality") or "")
        if not is_staff(turn.session, turn.user.telegram_id, municipality):
            turn.say("matching.staff.not_allowed")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(JOURNEY, "main", {"m": municipality})
        await self.show(turn)

    def _m(self, turn: Turn) -> str:
        return str(turn.data.get("m") or "")

    async def show(self, turn: Turn) -> None:
        try:
            await self._show(turn)
        except NotStaffError:
            await self._refuse(turn)

    async def _refuse(self, turn: Turn) -> None:
        turn.say("matching.staff.not_allowed")
        await navigation.show_menu(turn, intro="menu.title_short")

    async def _show(self, turn: Turn) -> None:
        session, tid, m = turn.session, turn.user.telegram_id, self._m(turn)
        step = turn.step
        back = [turn.button("matching.staff.back", "back")]
        if step == "main":
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
        elif step == "import":
            found = upkeep.associations(session, tid, m)
            text = turn.t("matching.staff.import_ask", limit=IMPORT_LIMIT_MB)
            if found:
                keys = "\n".join(f"<code>{escape(a.key)}</code> – {escape(a.name)}" for a in found)
                text += "\n\n" + turn.t("matching.staff.import_associations", associations=keys)
            turn.reply(text, [back], edit=True)
        elif step == "list":
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
        elif step == "op":
            opportunity = upkeep.get(session, tid, m, int(turn.data.get("op") or 0))
            if opportunity is None:
                turn.say("matching.not_found")
                turn.goto(JOURNEY, "list")
                await self._show(turn)
                return
            status = (
                "matching.staff.reopen"
                if opportunity.status == "closed"
                else "matching.staff.close"
            )
            rows = [
                [turn.button("matching.staff.edit_title", "edit:title")],
                [turn.button("matching.staff.edit_description", "edit:description")],
                [turn.button("matching.staff.edit_spots", "edit:spots")],
                [turn.button(status, "toggle")],
                back,
            ]
            state = turn.t(f"matching.staff.status.{opportunity.status}")
            text = (
                render.details(turn, opportunity)
                + "\n\n"
                + turn.t("matching.staff.state", state=state)
            )
            turn.reply(text, rows, edit=True)
        elif step in ("edit_title", "edit_description", "edit_spots"):
            turn.reply(turn.t(ASK[step]), [back], edit=True)
        elif step in ("new_title", "new_description", "new_spots"):
            rows = [[turn.button("matching.staff.no_limit", "none")]] if step == "new_spots" else []
            rows.append([turn.button("matching.staff.cancel_new", "back")])
            turn.reply(turn.t(ASK[step]), rows, edit=True)
        elif step == "new_association":
            found = upkeep.associations(session, tid, m)
            rows = [[Button(a.name[:60], f"a:{a.id}")] for a in found]
            rows.append([turn.button("matching.staff.cancel_new", "back")])
            turn.reply(turn.t("matching.staff.ask_new_association"), rows, edit=True)
        elif step == "new_town":
            municipality = turn.services.directory.get(m)
            towns = [
                Button(town.name, f"town:{town.name}")
                for town in (municipality.towns if municipality else ())
            ]
            rows = [towns[i : i + 3] for i in range(0, len(towns), 3)]
            rows.append([turn.button("matching.staff.cancel_new", "back")])
            turn.reply(turn.t("matching.staff.ask_new_town"), rows, edit=True)
        elif step == "new_area":
            buttons = [turn.button(f"matching.area.{a}", f"a:{a}") for a in AREAS]
            rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
            turn.reply(turn.t("matching.staff.ask_new_area"), rows, edit=True)
        elif step == "new_time":
            rows = [[turn.button(f"matching.time.{k}", f"t:{k}")] for k in TIME_CHOICES]
            turn.reply(turn.t("matching.staff.ask_new_time"), rows, edit=True)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        try:
            await self._on_event(turn, event, value)
        except NotStaffError:
            await self._refuse(turn)
            return
        except upkeep.InvalidValueError as refused:
            turn.say(refused.key)
        await self.show(turn)

    async def _on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        session, tid, m, now = (
            turn.session,
            turn.user.telegram_id,
            self._m(turn),
            turn.services.clock(),
        )
        step = turn.step
        typed = event.text if event.kind is EventKind.TEXT else None
        if value == "back":
            turn.goto(JOURNEY, "op" if step.startswith("edit_") else "main")
            return
        if step == "main":
            if value == "new":
                turn.goto(JOURNEY, "new_title", {"m": m})
            elif value == "list":
                turn.update(page=0)
                turn.goto(JOURNEY, "list")
            elif value == "import":
                turn.goto(JOURNEY, "import")
            elif value == "export":
                content, count = upkeep.export(session, tid, m)
                turn.reply(
                    turn.t("matching.staff.exported", count=count),
                    document=OutgoingDocument(f"interesser-{m}.csv", content, "text/csv"),
                )
        elif step == "import" and event.document is not None:
            await self._import(turn, event.document)
        elif step == "list":
            page = int(turn.data.get("page") or 0)
            if value in ("next", "prev"):
                turn.update(page=page + (1 if value == "next" else -1))
            elif value and value.startswith("op:") and value[3:].isdigit():
                turn.update(op=int(value[3:]))
                turn.goto(JOURNEY, "op")
        elif step == "op":
            ident = int(turn.data.get("op") or 0)
            if value and value.startswith("edit:") and value[5:] in upkeep.EDITABLE:
                turn.goto(JOURNEY, f"edit_{value[5:]}")
            elif value == "toggle":
                current = upkeep.get(session, tid, m, ident)
                if current is not None:
                    status = "open" if current.status == "closed" else "closed"
                    upkeep.set_status(session, tid, m, ident, status, now)
                    turn.say(NOW_STATUS[status], title=current.title)
        elif step.startswith("edit_") and typed is not None:
            changed = upkeep.edit(
                session, tid, m, int(turn.data.get("op") or 0), step[5:], typed, now
            )
            if changed is not None:
                turn.say("matching.staff.saved")
            turn.goto(JOURNEY, "op")
        elif step in WIZARD:
            self._wizard(turn, step, value, typed)

    async def _import(self, turn: Turn, document: IncomingDocument) -> None:
        """A CSV sent at the `import` step: refused (staying on the step) or imported, reported,
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
        turn.goto(JOURNEY, "main")

    def _wizard(self, turn: Turn, step: str, value: str | None, typed: str | None) -> None:
        draft = dict(turn.data.get("draft") or {})
        if step == "new_title" and typed is not None:
            draft["title"] = upkeep.clean_title(typed)
        elif step == "new_association" and value and value.startswith("a:") and value[2:].isdigit():
            draft["association_id"] = int(value[2:])
        elif step == "new_town" and value and value.startswith("town:"):
            draft["town"] = value[5:]
        elif step == "new_area" and value and value.startswith("a:") and value[2:] in AREAS:
            draft["area"] = value[2:]
        elif step == "new_time" and value and value.startswith("t:") and value[2:] in TIME_CHOICES:
            draft["availability"] = list(TIME_CHOICES[value[2:]])
        elif step == "new_description" and typed is not None:
            draft["description"] = upkeep.clean_description(typed)
        elif step == "new_spots" and (typed is not None or value == "none"):
            draft["spots"] = upkeep.parse_spots(typed or "")
        else:
            return
        turn.update(draft=draft)
        following = WIZARD.index(step) + 1
        if following < len(WIZARD):
            turn.goto(JOURNEY, WIZARD[following])
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
            turn.goto(JOURNEY, "main", {"m": self._m(turn)})
            return
        turn.say("matching.staff.created", title=created.title)
        turn.goto(JOURNEY, "op", {"m": self._m(turn), "op": created.id})
