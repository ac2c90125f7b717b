"""Staff import opportunities from a CSV file in the terminal chat: `/fil PATH` goes through the
terminal's file port to the same import a Telegram attachment gets."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from bot.channels.terminal import TerminalChat
from bot.channels.terminal_files import TerminalFiles
from bot.core.conversation import Conversation
from bot.matching.models import Opportunity
from tests.fakes.chat import ChatDriver
from tests.unit.matching.test_staff_import import GOOD, _csv, _make_staff


class Terminal:
    """The terminal chat driven line by line, reading what it printed."""

    def __init__(self, chat: TerminalChat, out: io.StringIO) -> None:
        self.chat, self.out = chat, out

    async def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.chat.handle_line(line)
        return self.out.getvalue()[start:]

    async def press(self, label: str) -> str:
        shown = self.out.getvalue()
        letter = re.findall(rf"\[([a-z]+)\] [^\[\n]*{re.escape(label)}", shown)[-1]
        return await self.type(letter)


async def test_staff_import_a_csv_with_fil_in_the_terminal(
    onboarded_chat: ChatDriver, conversation: Conversation, tmp_path: Path
) -> None:
    conversation.services.files = TerminalFiles(conversation.services.db)  # as `frivillig chat`
    _make_staff(conversation, onboarded_chat.user_id)
    out = io.StringIO()
    terminal = Terminal(
        TerminalChat(
            conversation, user_id=onboarded_chat.user_id, downloads=tmp_path / "d", out=out
        ),
        out,
    )
    await terminal.type("/staff")
    await terminal.press("Frivilligopslag")
    assert "Importér opslag fra en CSV-fil" in await terminal.press("Importér fra CSV")
    data = tmp_path / "opslag.csv"
    data.write_bytes(_csv(GOOD))

    shown = await terminal.type(f"/fil {data}")

    assert "Import af »opslag.csv«" in shown
    assert "Importen er færdig – nye: 1, opdaterede: 0, afviste: 0." in shown
    assert "Her kan jeg ikke modtage filer" not in shown  # what the terminal said before
    with conversation.services.db.unit_of_work() as uow:
        assert (
            uow.session.scalars(
                select(Opportunity.title).where(Opportunity.key == "son-csv-1")
            ).one()
            == "Lektiehjælp i Nordborg"
        )
