"""A § 18 application finished in the terminal chat: the attachments go in with `/fil PATH`, are
copied into the database, and the receipt PDF is saved under the downloads folder, its path
shown. Staff open the attachments later from Telegram, after the local files are gone."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from bot.channels.terminal import TerminalChat
from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.files import store
from bot.grants.models import GrantApplication
from bot.store.database import transaction
from bot.store.models import StaffRole
from tests.fakes.chat import ChatDriver
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import TelegramDriver
from tests.unit.grants.grant_chat import FEBRUARY, fill_until_budget, pass_eligibility
from tests.unit.matching.test_terminal_import import Terminal


async def test_attachments_with_fil_finish_the_application_and_the_receipt_is_saved(
    onboarded_chat: ChatDriver,
    services: Services,
    conversation: Conversation,
    tmp_path: Path,
    clock: FakeClock,
    no_flood_limit: None,
    telegram: TelegramDriver,
) -> None:
    clock.set(FEBRUARY)
    chair = onboarded_chat
    await chair.press("§ 18")
    await pass_eligibility(chair)
    await fill_until_budget(chair)
    await chair.send("Kaffe og kage: 2.500 kr")
    await chair.press("Færdig med budgettet")
    await chair.send("2.500 kr")
    await chair.press("Spring over")
    # From here on the chair is in the terminal.
    out = io.StringIO()
    downloads = tmp_path / "downloads"
    terminal = Terminal(
        TerminalChat(conversation, user_id=chair.user_id, downloads=downloads, out=out), out
    )
    statutes, accounts = tmp_path / "vedtægter.pdf", tmp_path / "regnskab.pdf"
    statutes.write_bytes(b"%PDF-1.4 statutes")
    accounts.write_bytes(b"%PDF-1.4 accounts")

    assert "er en mappe" in await terminal.type(f"/fil {tmp_path}")  # the step still waits
    await terminal.type(f"/fil {statutes}")
    summary = await terminal.type(f"/file {accounts}")
    assert "Tjek jeres ansøgning" in summary and "vedtægter.pdf" in summary
    await terminal.press("Videre til erklæringen")
    shown = await terminal.press("Ja, det erklærer jeg")

    assert "SON-2027-0001" in shown
    receipt = downloads / "SON-2027-0001.pdf"
    assert f"Gemt som {receipt}" in shown
    assert receipt.read_bytes().startswith(b"%PDF")
    with transaction(services.db) as session:
        app = session.scalars(select(GrantApplication)).one()
        kept = app.answers["statutes"]
        assert isinstance(kept, dict) and store.is_stored(str(kept["file_id"]))
        assert {k: v for k, v in kept.items() if k != "file_id"} == {
            "file_name": "vedtægter.pdf",
            "mime_type": "application/pdf",
            "size": len(b"%PDF-1.4 statutes"),
        }
        assert store.content_of(session, str(kept["file_id"])) == b"%PDF-1.4 statutes"
        session.add(StaffRole(telegram_id=telegram.user.user_id, municipality_slug="sonderborg"))

    # The chair tidies up their disk; staff open the application in Telegram later.
    statutes.unlink()
    await telegram.onboard()
    await telegram.send("/staff")
    await telegram.press("§ 18")
    await telegram.press("SON-2027-0001")
    calls = await telegram.press("Vedtægter")
    [sent] = [c for c in calls if c.method == "sendDocument"]
    assert sent.document_name == "vedtægter.pdf"
    assert sent.document_content == b"%PDF-1.4 statutes"  # uploaded: there is no Telegram file id
