"""Chat summary, PDF receipt and the committee's CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from bot.grants.documents import (
    export_round_csv,
    export_round_xlsx,
    export_row,
    render_summary_pdf,
    summary_lines,
    to_latin1,
)
from bot.grants.fields import JsonValue
from bot.grants.schemes import GrantScheme

ANSWERS: dict[str, JsonValue] = {
    "association_name": "Ældresagen Gråsten",
    "cvr": "12345674",
    "phone": "+4520304050",
    "kind": "aktivitetstilskud",
    "target_group": ["aeldre", "ensomme"],
    "period": {"start": "2027-04-01", "end": "2027-06-30"},
    "budget": [{"text": "Leje af bus", "amount": 450_000}, {"text": "Kaffe", "amount": 80_050}],
    "amount_applied": 1_250_000,
    "statutes": {
        "file_id": "f",
        "file_name": "vedtaegter.pdf",
        "mime_type": "application/pdf",
        "size": 1000,
    },
    "honour": True,
}


def test_summary_reads_like_danish(schemes: dict[str, GrantScheme]) -> None:
    lines = {
        key: shown for key, _label, shown in summary_lines(schemes["sonderborg"], ANSWERS, "da")
    }
    assert lines["amount_applied"] == "12.500 kr."
    assert lines["period"] == "1. april 2027 – 30. juni 2027"
    assert lines["target_group"] == "Ældre, Ensomme"
    assert lines["kind"] == "Tilskud til en aktivitet"
    assert lines["phone"] == "+45 20 30 40 50"
    assert lines["honour"] == "Ja"
    assert lines["budget"].splitlines() == [
        "Leje af bus: 4.500 kr.",
        "Kaffe: 800,50 kr.",
        "I alt: 5.300,50 kr.",
    ]
    assert lines["email"] == "(ikke besvaret)"


def test_summary_in_english_and_hidden_fields_left_out(schemes: dict[str, GrantScheme]) -> None:
    answers = {**ANSWERS, "kind": "driftstilskud"}
    lines = summary_lines(schemes["sonderborg"], answers, "en")
    keys = [key for key, _label, _shown in lines]
    assert "period" not in keys and "activity" not in keys
    shown = {key: value for key, _label, value in lines}
    assert shown["amount_applied"] == "DKK 12,500"
    assert {k: label for k, label, _ in lines}["cvr"] == "The association's CVR number"


def test_pdf_is_a_pdf_with_the_reference(schemes: dict[str, GrantScheme]) -> None:
    pdf = render_summary_pdf(
        schemes["sonderborg"],
        ANSWERS,
        "SON-2027-0042",
        "da",
        datetime(2027, 2, 20, 10, 30, tzinfo=UTC),
        zone="Europe/Copenhagen",
    )
    assert pdf.startswith(b"%PDF")
    assert b"SON-2027-0042" in pdf


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (fpdf2 writes each line as one deflated string)."""
    import re
    import zlib

    pages = b"".join(
        zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    )
    return pages.decode("latin-1").replace("\\(", "(").replace("\\)", ")")  # PDF escapes


@pytest.mark.parametrize(
    ("slug", "zone", "language", "shown"),
    [
        ("sonderborg", "Europe/Copenhagen", "da", "Indsendt: 20. juli 2027 kl. 12.30"),  # UTC+2
        ("sonderborg", "Europe/Copenhagen", "da", "Indsendt: 20. januar 2027 kl. 11.30"),  # UTC+1
        (
            "sermersooq",
            "America/Nuuk",
            "da",
            "Indsendt: 20. januar 2027 kl. 08.30 (grønlandsk tid)",
        ),
        (
            "sermersooq",
            "America/Nuuk",
            "en",
            "Submitted: 20 January 2027 at 08:30 (Greenland time)",
        ),
    ],
)
def test_pdf_receipt_shows_the_local_time_sent(
    schemes: dict[str, GrantScheme], slug: str, zone: str, language: str, shown: str
) -> None:
    month = 7 if "juli" in shown else 1
    pdf = render_summary_pdf(
        schemes["sonderborg"], ANSWERS, "SON-2027-0042", language,  # the form is not the point
        datetime(2027, month, 20, 10, 30, tzinfo=UTC), zone=zone,
    )  # fmt: skip
    assert shown in _pdf_text(pdf)


def test_pdf_survives_greenlandic_and_typographic_characters(
    schemes: dict[str, GrantScheme],
) -> None:
    answers = {"has_cvr": False, "applicant_name": "Kalaaliaraĸ – “Nuuk” 🎉", "activity": "ĸ…"}
    pdf = render_summary_pdf(
        schemes["sermersooq"],
        answers,
        "SER-2027-0001",
        "en",
        datetime(2027, 1, 5, tzinfo=UTC),
        zone="America/Nuuk",
    )
    assert pdf.startswith(b"%PDF")
    assert to_latin1("Kalaaliaraĸ – “Nuuk” 🎉 æøå") == 'Kalaaliaraq - "Nuuk" ? æøå'


FIXED_COLUMNS = [
    "Referencenummer",
    "Ansøger",
    "Status",
    "Indsendt",
    "Ansøgt beløb (kr.)",
    "Bevilget beløb (kr.)",
    "Begrundelse for afgørelsen",
]


def _rows(schemes: dict[str, GrantScheme]) -> list[dict[str, object]]:
    scheme = schemes["sonderborg"]
    return [
        export_row(scheme, ANSWERS, reference="SON-2027-0001", status="Modtaget"),
        export_row(
            scheme,
            {**ANSWERS, "association_name": '=HYPERLINK("http://x")', "amount_applied": 500_000},
            reference="SON-2027-0002",
            status="Bevilget",
            submitted="2027-02-01",
            amount_granted=350_000,
            decision_reason="Bussen betales af en anden pulje.",
        ),
    ]


def test_xlsx_opens_and_holds_the_rows(schemes: dict[str, GrantScheme]) -> None:
    workbook = load_workbook(io.BytesIO(export_round_xlsx(_rows(schemes))))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:7] == FIXED_COLUMNS
    assert "Foreningens CVR-nummer" in header
    # The amount applied for and the association are fixed columns, not repeated as answers.
    assert header.count("Ansøgt beløb (kr.)") == 1 and "Ansøgt beløb" not in header
    assert sheet.max_row == 3
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["SON-2027-0001", "SON-2027-0002"]
    assert sheet.cell(row=2, column=5).value == 12500
    assert [sheet.cell(row=3, column=c).value for c in (3, 4, 6, 7)] == [
        "Bevilget",
        "2027-02-01",
        3500,
        "Bussen betales af en anden pulje.",
    ]
    # Applicant text that looks like a formula stays text.
    assert sheet.cell(row=3, column=2).data_type == "s"


def test_csv_is_for_danish_excel_and_defuses_formulas(schemes: dict[str, GrantScheme]) -> None:
    data = export_round_csv(_rows(schemes))
    assert data.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    header, first, second = list(reader)
    assert header[:7] == FIXED_COLUMNS
    assert first[:7] == ["SON-2027-0001", "Ældresagen Gråsten", "Modtaget", "", "12500,00", "", ""]
    assert second[5] == "3500,00"
    assert second[1].startswith("'=HYPERLINK")
    assert first[header.index("Telefonnummer")] == "+45 20 30 40 50"  # a phone is not a formula
    assert (
        export_row(schemes["solrod"], {}, reference="SOL-2027-0003", status="Kladde")[
            "Ansøgt beløb (kr.)"
        ]
        is None
    )
    assert isinstance(_rows(schemes)[0]["Ansøgt beløb (kr.)"], Decimal)
