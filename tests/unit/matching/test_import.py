"""CSV import and the seed: validation per row with reasons, idempotent by key."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.core.services import Services
from bot.directory import Directory
from bot.matching.catalog import CSV_COLUMNS, import_csv, seed_matching
from bot.matching.cli import describe, import_opportunities
from bot.matching.models import Opportunity
from bot.matching.records import parse_date
from bot.matching.vocabulary import AREAS, AVAILABILITY, mask, unmask
from tests.unit.matching.conftest import NOW

HEADER = ";".join(CSV_COLUMNS)
GOOD = ";".join(
    [
        "son-csv-1",
        "son-frivilligcenter-sonderborg",
        "Lektiehjælp i Nordborg",
        "Hjælp børn med lektier",
        "Nordborg",
        "børn, unge",
        "lektiehjælp",
        "hverdage,aftener",
        "",
        "1,5",
        "18",
        "ja",
        "",
        "4",
        "åben",
        "30-06-2027",
    ]
)
BAD_TOWN = (
    "son-csv-2;son-frivilligcenter-sonderborg;Kaffe;Kaffe og snak;Sønderbrog;elderly;visiting;"
    "weekday;;;;;;;open;"
)
BAD_MANY = "son-csv-3;ukendt-forening;;x;Nordborg;ældre;svømning;;;mange;;;;;;"
OTHER_MUNICIPALITY = "ton-csv-4;ton-frivilligcenter-tonder;Noget;Noget;Tønder;elderly;;;;;;;;;open;"

DIRECTORY = Directory.load(PROJECT_ROOT / "data")


def _csv(*rows: str, delimiter: str = ";") -> bytes:
    return "\n".join([HEADER, *rows]).replace(";", delimiter).encode("utf-8-sig")


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Opportunity)) or 0


def test_rows_are_validated_with_reasons_and_good_rows_go_in(session: Session) -> None:
    before = _count(session)
    report = import_csv(session, DIRECTORY, _csv(GOOD, BAD_TOWN, BAD_MANY), NOW)
    assert (report.created, report.updated) == (1, 0)
    lines = describe(report)
    assert "række 3: ukendt by »Sønderbrog« – mente du Sønderborg?" in lines
    row4 = next(line for line in lines if line.startswith("række 4:"))
    assert "ukendt forening »ukendt-forening«" in row4
    assert "titlen mangler" in row4
    assert "»svømning« i kolonnen opgaver" in row4
    assert "»mange« i kolonnen timer pr. uge" in row4
    assert lines[-1] == "Importen er færdig – nye: 1, opdaterede: 0, afviste: 2."
    assert _count(session) == before + 1
    row = session.scalars(select(Opportunity).where(Opportunity.key == "son-csv-1")).one()
    assert unmask(row.area_mask, AREAS) == ["children", "youth"]  # Danish names understood
    assert row.hours_per_week == 1.5 and row.child_certificate and row.spots == 4
    assert row.availability_mask == mask(["weekday", "evening"], AVAILABILITY)
    assert row.expires_at is not None and row.expires_at.date().isoformat() == "2027-07-01"


def test_import_is_idempotent_by_key_and_updates(session: Session) -> None:
    import_csv(session, DIRECTORY, _csv(GOOD), NOW)
    again = import_csv(session, DIRECTORY, _csv(GOOD.replace("Lektiehjælp i", "Lektiecafé i")), NOW)
    assert (again.created, again.updated, again.refused) == (0, 1, [])
    rows = session.scalars(select(Opportunity).where(Opportunity.key == "son-csv-1")).all()
    assert [r.title for r in rows] == ["Lektiecafé i Nordborg"]


def test_comma_delimited_files_work_too(session: Session) -> None:
    content = _csv(
        GOOD.replace("børn, unge", "børn|unge")
        .replace("hverdage,aftener", "hverdage|aftener")
        .replace("1,5", "1.5"),
        delimiter=",",
    )
    report = import_csv(session, DIRECTORY, content, NOW)
    assert (report.created, report.refused) == (1, [])


def test_danish_column_names_work_and_problems_name_columns_as_staff_wrote_them(
    session: Session,
) -> None:
    """Staff in a Danish municipality write »titel«, »by«, »målgrupper« (issue 16: no English
    column names in Danish texts); the English names still work, and a report names a column in
    the reader's language."""
    danish = (
        "nøgle;forening;titel;beskrivelse;by;målgrupper;opgaver;tidspunkter;dato;Timer pr. uge;"
        "mindstealder;børneattest;andre krav;pladser;status;udløber"
    )
    content = "\n".join([danish, GOOD, BAD_MANY]).encode("utf-8-sig")
    report = import_csv(session, DIRECTORY, content, NOW)
    assert (report.created, report.updated) == (1, 0)
    row = session.scalars(select(Opportunity).where(Opportunity.key == "son-csv-1")).one()
    assert row.title == "Lektiehjælp i Nordborg" and row.hours_per_week == 1.5
    assert "»svømning« i kolonnen opgaver" in describe(report)[0]
    assert 'unknown value "svømning" in column activities' in describe(report, "en")[0]
    missing = import_csv(session, DIRECTORY, b"titel;by\nx;y", NOW)
    assert describe(missing) == ["filen mangler kolonnerne: nøgle, forening, målgrupper"]


def test_a_municipality_import_refuses_other_municipalities(session: Session) -> None:
    report = import_csv(
        session, DIRECTORY, _csv(GOOD, OTHER_MUNICIPALITY), NOW, municipality="sonderborg"
    )
    assert report.created == 1
    assert [number for number, _ in report.refused] == [3]


def test_whole_file_problems_import_nothing(session: Session) -> None:
    before = _count(session)
    assert import_csv(session, DIRECTORY, b"key;title\nx;y", NOW).fatal is not None
    latin1 = _csv(GOOD).decode("utf-8-sig").encode("latin-1")
    report = import_csv(session, DIRECTORY, latin1, NOW)
    assert report.fatal is not None and describe(report) == [
        "filen er ikke gemt som UTF-8 (vælg »CSV UTF-8« i Excel)"
    ]
    assert _count(session) == before


def test_seed_is_idempotent_and_keeps_staff_changes(session: Session) -> None:
    before = _count(session)
    assert before >= 150
    closed = session.scalars(select(Opportunity).where(Opportunity.status == "open")).first()
    assert closed is not None
    closed.status = "closed"
    data = PROJECT_ROOT / "data"
    report = seed_matching(session, DIRECTORY, data, NOW)
    assert report.associations >= 30
    assert (report.opportunities.created, report.opportunities.refused) == (0, [])
    assert _count(session) == before
    assert closed.status == "closed"


def test_cli_import_reports_and_sets_the_exit_status(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "opslag.csv"
    path.write_bytes(_csv(GOOD))
    out = io.StringIO()
    assert import_opportunities(services, path, "sonderborg", out) == 0
    assert "nye: 1," in out.getvalue()
    path.write_bytes(_csv(BAD_TOWN))
    assert import_opportunities(services, path, None, io.StringIO()) == 1
    assert import_opportunities(services, tmp_path / "missing.csv", None) == 2


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2027-06-30", date(2027, 6, 30)),
        ("30-06-2027", date(2027, 6, 30)),
        ("30.06.2027", date(2027, 6, 30)),
        ("30. juni 2027", date(2027, 6, 30)),
        ("30/6-2027", date(2027, 6, 30)),
    ],
)
def test_import_dates_are_read_as_danes_write_them(written: str, expected: date) -> None:
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["30. juni", "31/2-2027", "snart"])
def test_import_dates_without_a_year_or_impossible_are_refused(written: str) -> None:
    with pytest.raises(ValueError):
        parse_date(written)
