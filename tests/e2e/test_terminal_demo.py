"""Issue 12's »Done when«, as a newcomer does it: real `frivillig chat` processes on one SQLite
database, one person playing citizen, chair and staff in turn (`--as`).

Onboard, find an opportunity by buttons and say »interesseret«; finish a § 18 application with
attachments (`/fil`) and get the receipt PDF; as staff, send a meeting invitation; as the citizen,
answer it and see the reminder arrive. Only the reminder's moment is brought forward: the test
runs the reminder job the chat's scheduler planned (with the run date it planned), as the
scheduler would at that moment; the processes themselves run on the real clock.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from bot.app import build_services
from bot.config import PROJECT_ROOT, Settings
from bot.grants.models import GrantApplication
from bot.meetings.models import Meeting
from bot.store.database import Database, transaction
from scheduler import runtime
from tests.fakes.terminal import ChatProcess, chat_environment, run_cli, saved_path

STAFF_ID = 4242
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _data_with_an_open_round(tmp_path: Path, today: date) -> Path:
    """A copy of data/ whose Sønderborg § 18 round closes in two months, so the test does not
    depend on the year it runs in (the real round closes 1 March 2027)."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    path = data / "grants" / "sonderborg.yaml"
    scheme = yaml.safe_load(path.read_text(encoding="utf-8"))
    deadline = today + timedelta(days=60)
    scheme["rounds"] = [
        {
            "key": str(deadline.year),
            "deadline": deadline,
            "decision_by": deadline + timedelta(days=60),
            "report_due": deadline + timedelta(days=365),
        }
    ]
    path.write_text(yaml.safe_dump(scheme, allow_unicode=True, sort_keys=False), "utf-8")
    return data


def _danish_date(day: date) -> str:
    return f"{day.day}/{day.month}-{day.year}"


def _run_planned_reminder(env: dict[str, str], meeting_id: int, starts_at: datetime) -> None:
    """Wait for the chat's scheduler to plan the meeting's one-day reminder, check its moment,
    and run that job now (in this process, with the job's own function and arguments)."""
    db = Database(env["DATABASE_URL"])
    try:
        store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
        job = None
        for _ in range(200):
            job = store.lookup_job(f"meeting-{meeting_id}-reminder-1")
            if job is not None:
                break
            time.sleep(0.1)
        assert job is not None, "the chat's scheduler planned no reminder"
        assert job.next_run_time == starts_at - timedelta(days=1)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=env["DATABASE_URL"],
            data_dir=Path(env["DATA_DIR"]),
        )
        runtime.install(build_services(settings, db=db, with_nlu=False))
        assert job.func(*job.args, **job.kwargs) == 1  # one recipient: the citizen
    finally:
        db.dispose()


@pytest.mark.slow  # five chat processes start: a minute or two; `make test` runs it
def test_a_newcomer_does_everything_in_the_terminal_chat(tmp_path: Path) -> None:
    today = datetime.now(COPENHAGEN).date()
    env = chat_environment(
        tmp_path / "demo.db", DATA_DIR=str(_data_with_an_open_round(tmp_path, today))
    )
    statutes = tmp_path / "vedtægter.pdf"
    statutes.write_bytes(b"%PDF-1.4\n% Vedtaegter for Aeldreklubben\n")
    accounts = tmp_path / "regnskab 2025.pdf"
    accounts.write_bytes(b"%PDF-1.4\n% Regnskab 2025\n")
    run_cli(env, "staff", "add", str(STAFF_ID), "--municipality", "sonderborg")
    saved: list[Path] = []
    try:
        # --- the citizen: onboarding, a search by buttons, »interesseret« ----------------------
        with ChatProcess(env) as citizen:
            citizen.read_until("Hvilket sprog")
            citizen.press("Dansk", "Hvilken kommune")
            citizen.press("Sønderborg Kommune", "Må jeg sende dig invitationer")
            citizen.press("✅ Ja tak", "Hvad vil du gerne gøre?")
            citizen.press("🤝 Find frivilligt arbejde", "Hvem vil du gerne hjælpe?")
            citizen.press("Ældre", "Hvornår har du tid?")
            citizen.press("Hverdage i dagtimerne", "Hvor vil du gerne hjælpe?")
            found = citizen.press("Hele Sønderborg Kommune", "Derfor passer det til dig")
            [first] = re.findall(r"^1\. (.+)$", found, re.MULTILINE)
            interest = citizen.press("💚 Interesseret i nr. 1", "Hvad sker der nu?")
            assert f"Din interesse for »{first}« er noteret" in interest

            # --- the chair: a § 18 application with two attachments and the receipt PDF ------
            citizen.send("/menu", "Søg § 18-tilskud")
            citizen.press("📝 Søg § 18-tilskud", "Spørgsmål 1 om jeres arbejde")
            for number in range(2, 8):
                citizen.press("Ja", f"Spørgsmål {number} om jeres arbejde")
            citizen.press("Ja", "Spørgsmål 1 af 17", "Foreningens navn")
            for answer, next_question in [
                ("Ældreklubben i Kværs", "CVR-nummer"),
                ("12345674", "Kontaktperson"),
                ("Mette Jensen", "Foreningens adresse"),
                ("Perlegade 12, 6400 Sønderborg", "Telefonnummer"),
                ("20 30 40 50", "E-mail"),
                ("mette@forening.dk", "Hvad søger I?"),
            ]:
                citizen.send(answer, next_question)
            citizen.press("Driftstilskud", "Foreningens formål")
            citizen.send("At mindske ensomhed blandt ældre.", "Hvem er aktiviteterne for?")
            citizen.press("Ældre", "✅ Ældre")
            citizen.press("Færdig", "Hvorfor er målgruppen")
            citizen.send("Mange bor alene.", "Hvor mange frivillige er med?")
            citizen.send("2", "Hvor mange deltagere")  # a number is an answer, never a button
            citizen.send("40", "Budgettet er tomt endnu")
            citizen.send("Kaffe og kage: 2.500 kr", "I alt indtil nu: 2.500 kr.")
            citizen.press("Færdig med budgettet", "Ansøgt beløb")
            citizen.send("2.500 kr", "Tilskud fra andre")
            citizen.press("Spring over", "Vedtægter")
            citizen.send(f"/fil {statutes}", "Seneste godkendte regnskab")
            summary = citizen.send(f"/fil '{accounts}'", "Tjek jeres ansøgning")
            assert "vedtægter.pdf" in summary and "regnskab 2025.pdf" in summary
            assert "Hvor mange frivillige er med?\n2\n" in summary
            citizen.press("Videre til erklæringen", "tro og love")
            receipt = citizen.press("Ja, det erklærer jeg", "Gemt som")
            assert "Kommunen har modtaget jeres ansøgning" in receipt
            pdf = saved_path(receipt)
            saved.append(pdf)
            assert pdf.parent == PROJECT_ROOT / "var" / "downloads"
            assert pdf.read_bytes().startswith(b"%PDF")
            assert pdf.stat().st_size > 1000  # the receipt itself, not an empty file
            citizen.quit()

        # The attachments are kept by the bot: the local files may go.
        statutes_bytes = statutes.read_bytes()
        statutes.unlink()
        accounts.unlink()
        database = Database(env["DATABASE_URL"])
        try:
            with transaction(database) as session:
                [application] = session.scalars(sa.select(GrantApplication)).all()
                reference = str(application.reference)
        finally:
            database.dispose()

        # --- staff: the application's attachment, then a meeting invitation -------------------
        start = today + timedelta(days=3)
        with ChatProcess(env, "--as", str(STAFF_ID)) as staff:
            staff.read_until("Hvilket sprog")
            staff.press("Dansk", "Hvilken kommune")
            staff.press("Sønderborg Kommune", "Må jeg sende dig invitationer")
            staff.press("Nej tak", "Hvad vil du gerne gøre?")
            staff.send("/staff", "Medarbejderværktøjer – Sønderborg Kommune")
            staff.press("📝 § 18-ansøgninger", reference)
            staff.press(reference, "Ældreklubben i Kværs")
            attachment = staff.press("📎 Vedtægter", "Gemt som")
            copy = saved_path(attachment)
            saved.append(copy)
            assert copy.read_bytes() == statutes_bytes
            staff.send("/staff", "Medarbejderværktøjer")
            staff.press("📅 Arrangementer, møder og nyheder", "➕ Nyt dialogmøde")
            staff.press("➕ Nyt dialogmøde", "Hvad hedder mødet?")
            staff.send("Kaffemøde om ældreområdet", "Hvornår begynder mødet?")
            staff.send(f"{_danish_date(start)} kl. 17", "Hvornår slutter det?")
            staff.send("19", "Hvor holdes mødet?")
            staff.send("Frivillighuset", "Hvad er adressen?")
            staff.send("Perlegade 50, 6400 Sønderborg", "Skriv programmet")
            staff.press("Intet program endnu", "Hvor mange pladser")
            staff.send("30", "Hvor mange må højst komme fra hver forening?")
            staff.send("2", "Hvornår er tilmeldingsfristen?")
            staff.send(_danish_date(start - timedelta(days=1)), "Hvem skal inviteres?")
            staff.press(
                "Alle i kommunen, der får invitationer og nyheder (1)", "spørgsmål til politikerne"
            )
            preview = staff.press("Nej", "Send til 1")
            assert "📅 Kaffemøde om ældreområdet" in preview and "kl. 17.00–19.00" in preview
            sent = staff.press(
                "📤 Send til 1",
                "Invitationen er på vej til 1 modtager",
                "1 modtager kan kun nås via Telegram",
            )
            assert "Kaffemøde om ældreområdet" in sent
            staff.quit()

        # --- the citizen again: the invitation arrives, they answer it, the reminder comes ----
        with ChatProcess(env) as citizen:
            invitation = citizen.read_until("Sønderborg Kommune inviterer", "Jeg kommer ikke")
            assert "Kaffemøde om ældreområdet" in invitation
            citizen.press(
                "Jeg kommer", "Hvilken forening kommer du fra?"
            )  # the cap per association
            answered = citizen.press("Jeg er ikke med i en forening", "du er tilmeldt", "Gemt som")
            calendar = saved_path(answered)
            saved.append(calendar)
            assert calendar.read_bytes().startswith(b"BEGIN:VCALENDAR")
            database = Database(env["DATABASE_URL"])
            try:
                with transaction(database) as session:
                    meeting = session.scalars(
                        sa.select(Meeting).where(Meeting.title == "Kaffemøde om ældreområdet")
                    ).one()
                    meeting_id, starts_at = meeting.id, meeting.starts_at
            finally:
                database.dispose()
            assert starts_at == datetime(start.year, start.month, start.day, 17, tzinfo=COPENHAGEN)
            _run_planned_reminder(env, meeting_id, starts_at)
            reminder = citizen.read_until("Påmindelse: Kaffemøde om ældreområdet")
            assert "Jeg kommer" in reminder
            citizen.quit()

        # --- staff once more: the final tally of the send-out waited for them ----------------
        with ChatProcess(env, "--as", str(STAFF_ID)) as staff:
            tally = staff.read_until("Kaffemøde om ældreområdet er sendt ud")
            assert "1 modtager: 1 leveret" in tally
            staff.quit()
    finally:
        for path in saved:
            path.unlink(missing_ok=True)
