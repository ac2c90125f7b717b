"""What an application looks like outside the form: chat summary, PDF receipt, committee exports.

Amounts read "12.500 kr." (Danish) or "DKK 12,500" (English), with øre only when there are some;
dates "15. marts 2027".
The PDF uses fpdf2's built-in Helvetica, which covers Latin-1 (æøå, é, ü); anything outside it
(Greenlandic ĸ, typographic dashes, emoji) is replaced by a close Latin-1 character or "?", never
allowed to crash the receipt.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from openpyxl import Workbook
from openpyxl.styles import Font

from bot.grants.fields import JsonValue, babel_locale, budget_total, format_amount
from bot.grants.forms import FormWalker
from bot.grants.schemes import FieldSpec, FieldType, GrantScheme
from bot.i18n import t
from bot.validation.contact import format_phone
from bot.zones import zone_note

# Characters people paste that Latin-1 lacks, mapped to what a reader expects to see instead.
_LATIN1_SUBSTITUTES = str.maketrans(
    {
        "ĸ": "q",  # Greenlandic kra; the 1973 orthography replaced it with q
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "…": "...",
        "•": "-",
        "€": "EUR",
        "\u00a0": " ",
    }
)
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_latin1(text: str) -> str:
    """`text` with every character the PDF core fonts cannot draw replaced safely."""
    text = text.translate(_LATIN1_SUBSTITUTES)
    out: list[str] = []
    for char in text:
        if ord(char) < 256:  # Latin-1 is exactly the first 256 code points
            out.append(char)
            continue
        # Strip accents Latin-1 lacks (ā → a) before giving up with "?".
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def _long_date(iso: str, language: str) -> str:
    return format_date(date.fromisoformat(iso), format="long", locale=babel_locale(language))


def display_value(spec: FieldSpec, value: JsonValue, language: str) -> str:
    """A stored answer as the user should read it back ("Ja", "12.500 kr.", "15. marts 2027")."""
    if value is None or value == [] or value == "":
        return t(language, "grants.summary.not_answered")
    match spec.type:
        case FieldType.YES_NO:
            return t(language, "grants.yes" if value is True else "grants.no")
        case FieldType.AMOUNT if isinstance(value, int):
            return format_amount(value, language)
        case FieldType.DATE if isinstance(value, str):
            return _long_date(value, language)
        case FieldType.DATE_RANGE if isinstance(value, dict):
            start = _long_date(str(value["start"]), language)
            return f"{start} – {_long_date(str(value['end']), language)}"
        case FieldType.CHOICE if isinstance(value, str):
            return spec.choice(value).label.get(language)
        case FieldType.MULTI_CHOICE if isinstance(value, list):
            return ", ".join(spec.choice(str(key)).label.get(language) for key in value)
        case FieldType.PHONE if isinstance(value, str):
            return format_phone(value)
        case FieldType.BUDGET_LINES if isinstance(value, list):
            lines = [
                f"{line['text']}: {format_amount(int(str(line['amount'])), language)}"
                for line in value
                if isinstance(line, dict)
            ]
            total = format_amount(budget_total(value), language)
            return "\n".join([*lines, t(language, "grants.summary.total", total=total)])
        case FieldType.ATTACHMENT if isinstance(value, dict):
            return str(value.get("file_name", ""))
        case _:
            return str(value)


def summary_lines(
    scheme: GrantScheme, answers: Mapping[str, JsonValue], language: str
) -> list[tuple[str, str, str]]:
    """(field key, label, display value) for every visible field, in form order, for a review."""
    return [
        (spec.key, spec.label.get(language), display_value(spec, answers.get(spec.key), language))
        for spec in FormWalker(scheme).visible_fields(answers)
    ]


def render_summary_pdf(
    scheme: GrantScheme,
    answers: Mapping[str, JsonValue],
    reference: str,
    language: str,
    submitted_at: datetime,
    *,
    zone: str,
) -> bytes:
    """A one-document receipt of the application: scheme, reference, time sent and every answer.

    The time sent is shown on the wall clock of `zone` (the municipality's), labelled when that
    is Greenland; `submitted_at` is an aware datetime (stored in UTC).
    """
    # Imported here: fpdf2 takes about a third of the bot's import time, and most processes (a
    # terminal chat started to answer an invitation) never write a PDF.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    title = t(language, "grants.pdf.title", scheme=scheme.name.get(language))
    pdf = FPDF(format="A4")
    pdf.set_title(to_latin1(f"{title} {reference}"))
    pdf.set_subject(reference)  # metadata stays uncompressed, so the reference is searchable
    pdf.set_author(to_latin1(scheme.name.get(language)))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=15)
    pdf.multi_cell(0, 8, to_latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", size=11)
    sent = format_datetime(
        submitted_at.astimezone(ZoneInfo(zone)),
        t(language, "zones.format.datetime"),
        locale=babel_locale(language),
    ) + zone_note(zone, language)
    for line in (
        t(language, "grants.pdf.reference", reference=reference),
        t(language, "grants.pdf.submitted", submitted=sent),
    ):
        pdf.cell(0, 7, to_latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for _key, label, shown in summary_lines(scheme, answers, language):
        pdf.set_font("helvetica", style="B", size=10)
        pdf.multi_cell(0, 6, to_latin1(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 6, to_latin1(shown), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    pdf.set_font("helvetica", style="I", size=9)
    pdf.multi_cell(0, 5, to_latin1(t(language, "grants.pdf.footer")))
    return bytes(pdf.output())


Row = Mapping[str, object]


def export_row(
    scheme: GrantScheme,
    answers: Mapping[str, JsonValue],
    *,
    reference: str,
    status: str,
    language: str = "da",
    submitted: str = "",
    amount_granted: int | None = None,
    decision_reason: str | None = None,
) -> dict[str, object]:
    """One application as a flat row for the committee: fixed columns, then answers by label.

    `status` is the status as the reader says it ("Bevilget"), `submitted` a display date.
    Amounts (applied for, granted; øre in, kroner out) are `Decimal`s so spreadsheets can add
    them up; answers are the display texts the applicant saw. The applicant and the amount
    applied for are fixed columns, so they are not repeated among the answers.
    """
    amount = answers.get(scheme.amount_field)
    applicant = answers.get(scheme.applicant_field)
    row: dict[str, object] = {
        t(language, "grants.export.reference"): reference,
        t(language, "grants.export.applicant"): "" if applicant is None else str(applicant),
        t(language, "grants.export.status"): status,
        t(language, "grants.export.submitted"): submitted,
        t(language, "grants.export.amount_applied"): (
            Decimal(amount) / 100 if isinstance(amount, int) else None
        ),
        t(language, "grants.export.amount_granted"): (
            Decimal(amount_granted) / 100 if amount_granted is not None else None
        ),
        t(language, "grants.export.decision_reason"): decision_reason or "",
    }
    fixed = {scheme.amount_field, scheme.applicant_field}
    for key, label, shown in summary_lines(scheme, answers, language):
        if key not in fixed:
            row[label] = shown
    return row


def _columns(rows: Sequence[Row]) -> list[str]:
    # Forms differ by answers (hidden fields), so take every column in first-seen order.
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")  # Danish Excel reads "12500,00" as a number
    text = str(value)
    # A cell starting like a formula would run in the committee's spreadsheet (CSV injection).
    if text.startswith(_CSV_FORMULA_START) and not text.lstrip("+").replace(" ", "").isdigit():
        return "'" + text
    return text


def export_round_csv(rows: Sequence[Row]) -> bytes:
    """A CSV for Danish Excel: UTF-8 with BOM, ";" between columns, decimal comma."""
    buffer = io.StringIO()
    columns = _columns(rows)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_round_xlsx(rows: Sequence[Row], *, sheet_title: str = "Ansøgninger") -> bytes:
    """An XLSX workbook with one sheet: a bold header row, one row per application."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]  # Excel's limit on sheet names
    columns = _columns(rows)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values: list[object] = []
        for column in columns:
            value = row.get(column)
            values.append(
                value if isinstance(value, int | float | Decimal) or value is None else str(value)
            )
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text, never a formula
            elif isinstance(cell.value, Decimal | float):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = min(60, max(10, len(column) + 2))
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
