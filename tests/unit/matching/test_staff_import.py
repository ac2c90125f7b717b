"""Staff import opportunities by sending a CSV file in chat: the same report as the CLI, refused
files change nothing, and only staff of the municipality get to import."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from bot.core.conversation import Conversation
from bot.core.events import IncomingDocument
from bot.core.replies import MAX_TEXT
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.matching import upkeep
from bot.matching.catalog import MAX_IMPORT_BYTES
from bot.matching.models import Opportunity
from bot.staff.access import NotStaffError
from bot.store.database import transaction
from bot.store.models import DialogueState, StaffRole
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.unit.matching.conftest import NOW
from tests.unit.matching.test_import import BAD_TOWN, DIRECTORY, GOOD, HEADER, OTHER_MUNICIPALITY

SECOND = GOOD.replace("son-csv-1", "son-csv-5").replace("Lektiehjælp i Nordborg", "Kaffeklub")
ASK = "Importér opslag fra en CSV-fil"


class FakeFiles:
    """The download port, serving files a test registered and recording what was fetched."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fetched: list[str] = []

    def add(self, file_id: str, content: bytes) -> IncomingDocument:
        self.files[file_id] = content
        return IncomingDocument(file_id, "opslag.csv", "text/csv", len(content))

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        self.fetched.append(file_id)
        if file_id not in self.files:
            raise FileUnavailableError(file_id)
        if len(self.files[file_id]) > max_bytes:
            raise FileTooLargeError(file_id)
        return self.files[file_id]


@pytest.fixture
def files(conversation: Conversation) -> FakeFiles:
    fake = FakeFiles()
    conversation.services.files = fake
    return fake


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8-sig")


def _make_staff(conversation: Conversation, telegram_id: int, slug: str = "sonderborg") -> None:
    with transaction(conversation.services.db) as session:
        session.add(StaffRole(telegram_id=telegram_id, municipality_slug=slug))


def _keys(conversation: Conversation) -> set[str]:
    with conversation.services.db.unit_of_work() as uow:
        return set(uow.session.scalars(select(Opportunity.key)))


def _count(conversation: Conversation) -> int:
    with conversation.services.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Opportunity)) or 0


def _place(conversation: Conversation) -> tuple[str, str]:
    with conversation.services.db.unit_of_work() as uow:
        state = uow.session.scalars(select(DialogueState)).one()
        return state.journey, state.step


async def _open_import(chat: ChatDriver) -> str:
    await chat.send("/staff")
    replies = await chat.press("Frivilligopslag")
    assert "📄 Importér fra CSV" in labels_of(replies)
    replies = await chat.press("Importér fra CSV")
    shown = text_of(replies)
    assert ASK in shown and "Tilbage" in " ".join(labels_of(replies))
    return shown


async def test_a_good_csv_creates_the_opportunities_and_shows_the_totals(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await onboarded_chat.send("/staff")
    replies = await onboarded_chat.press("Frivilligopslag")
    open_before = int(text_of(replies).split("Åbne: ")[1].split(" ")[0])
    shown = await _open_import(onboarded_chat)
    # The columns are explained, and the keys of the municipality's associations are listed.
    assert "<code>forening</code>" in shown and "<code>målgrupper</code>" in shown
    assert "<code>son-frivilligcenter-sonderborg</code> – Frivilligcenter Sønderborg" in shown
    assert "ton-" not in shown  # no other municipality's associations

    replies = await onboarded_chat.send_document(files.add("f1", _csv(GOOD, SECOND)))
    shown = text_of(replies)
    assert "Import af »opslag.csv«" in shown
    assert "Importen er færdig – nye: 2, opdaterede: 0, afviste: 0." in shown
    assert "række" not in shown and "Ret de afviste" not in shown  # nothing refused
    # Back on the main screen, with the new opportunities counted.
    assert "Frivilligopslag i Sønderborg Kommune" in shown
    assert f"Åbne: {open_before + 2} · " in shown
    assert _place(conversation) == ("staff_opportunities", "main")
    assert files.fetched == ["f1"]
    with conversation.services.db.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Opportunity).where(Opportunity.key.in_(["son-csv-1", "son-csv-5"]))
        ).all()
        assert sorted((r.title, r.municipality_slug, r.status) for r in rows) == [
            ("Kaffeklub", "sonderborg", "open"),
            ("Lektiehjælp i Nordborg", "sonderborg", "open"),
        ]


async def test_refused_rows_are_reported_by_number_and_the_rest_go_in(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    content = _csv(GOOD, BAD_TOWN, OTHER_MUNICIPALITY)
    replies = await onboarded_chat.send_document(files.add("f2", content))
    shown = text_of(replies)
    assert "række 3: ukendt by »Sønderbrog« – mente du Sønderborg?" in shown
    # Another municipality's association cannot be written by Sønderborg's staff.
    assert "række 4: ukendt forening »ton-frivilligcenter-tonder«" in shown
    assert "Importen er færdig – nye: 1, opdaterede: 0, afviste: 2." in shown
    assert "Ret de afviste rækker, og send filen igen" in shown
    keys = _keys(conversation)
    assert "son-csv-1" in keys and not {"son-csv-2", "ton-csv-4"} & keys

    # The same file again: the good row is updated, not duplicated.
    await _open_import(onboarded_chat)
    replies = await onboarded_chat.send_document(files.add("f3", content))
    assert "Importen er færdig – nye: 0, opdaterede: 1, afviste: 2." in text_of(replies)


async def test_a_long_report_is_cut_to_one_readable_message(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    town = "Ukendtby" * 150  # a 1200-character cell, quoted back in the reason
    bad = [BAD_TOWN.replace("son-csv-2", f"bad-{n}").replace("Sønderbrog", town) for n in range(60)]
    replies = await onboarded_chat.send_document(files.add("f4", _csv(GOOD, *bad)))
    assert all(len(reply.text) <= MAX_TEXT for reply in replies)
    report = next(reply.text for reply in replies if "Import af" in reply.text)
    listed = [line for line in report.splitlines() if line.startswith("række ")]
    assert 1 <= len(listed) <= 20
    assert listed[0].startswith("række 3: ukendt by »Ukendtby") and listed[0].endswith("…")
    assert f"her vises kun de første {len(listed)} af 60 afviste rækker" in report
    # The totals are always there.
    assert "Importen er færdig – nye: 1, opdaterede: 0, afviste: 60." in report
    assert "son-csv-1" in _keys(conversation)


async def test_a_file_that_is_not_a_csv_is_refused_and_the_step_shown_again(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    before = _count(conversation)
    files.files["x1"] = _csv(GOOD)
    sheet = IncomingDocument(
        "x1",
        "opslag.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        9000,
    )
    replies = await onboarded_chat.send_document(sheet)
    shown = text_of(replies)
    assert "»opslag.xlsx« er ikke en CSV-fil" in shown and "CSV UTF-8" in shown
    assert ASK in shown  # the step again, ready for the right file
    assert files.fetched == [] and _count(conversation) == before
    assert _place(conversation) == ("staff_opportunities", "import")


async def test_an_oversized_file_is_refused_and_nothing_imported(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    before = _count(conversation)
    # Telegram told us the size: refused without downloading anything.
    files.files["big"] = _csv(GOOD)
    replies = await onboarded_chat.send_document(
        IncomingDocument("big", "opslag.csv", "text/csv", 3 * 1024 * 1024)
    )
    assert "Filen er for stor – den må højst fylde 2 MB" in text_of(replies)
    assert ASK in text_of(replies)
    assert files.fetched == []
    # Telegram did not say: the port refuses it while downloading.
    padding = "\n" + ";" * (len(HEADER.split(";")) - 1)
    huge = _csv(GOOD) + padding.encode() * (MAX_IMPORT_BYTES // len(padding) + 1)
    files.files["huge"] = huge
    replies = await onboarded_chat.send_document(
        IncomingDocument("huge", "opslag.csv", "text/csv", None)
    )
    assert "Filen er for stor" in text_of(replies) and ASK in text_of(replies)
    assert files.fetched == ["huge"]
    assert _count(conversation) == before
    assert _place(conversation) == ("staff_opportunities", "import")


async def test_a_file_that_cannot_be_read_imports_nothing(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    before = _count(conversation)
    latin1 = _csv(GOOD).decode("utf-8-sig").encode("latin-1")
    replies = await onboarded_chat.send_document(files.add("l1", latin1))
    shown = text_of(replies)
    assert "Intet er importeret: filen er ikke gemt som UTF-8" in shown and ASK in shown
    replies = await onboarded_chat.send_document(
        IncomingDocument("gone", "opslag.csv", "text/csv", 100)
    )
    assert "Jeg kunne ikke hente filen fra Telegram" in text_of(replies)
    assert _count(conversation) == before
    assert _place(conversation) == ("staff_opportunities", "import")


async def test_without_a_download_port_staff_are_told_where_to_send_it(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    assert conversation.services.files is None  # the terminal chat, for one
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    before = _count(conversation)
    replies = await onboarded_chat.send_document(
        IncomingDocument("f", "opslag.csv", "text/csv", 100)
    )
    shown = text_of(replies)
    assert "Send filen til mig i Telegram" in shown
    assert "frivillig import opportunities FIL.csv --municipality sonderborg" in shown
    assert ASK in shown and _count(conversation) == before


async def test_the_back_button_returns_to_the_main_screen(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    replies = await onboarded_chat.press("Tilbage")
    assert "Frivilligopslag i Sønderborg Kommune" in text_of(replies)
    # A document is not expected on the main screen.
    replies = await onboarded_chat.send_document(files.add("f", _csv(GOOD)))
    assert "venter ikke på en fil" in text_of(replies)
    assert files.fetched == [] and "son-csv-1" not in _keys(conversation)


async def test_someone_no_longer_staff_cannot_import(
    onboarded_chat: ChatDriver, conversation: Conversation, files: FakeFiles
) -> None:
    _make_staff(conversation, onboarded_chat.user_id)
    await _open_import(onboarded_chat)
    with transaction(conversation.services.db) as session:
        session.execute(delete(StaffRole))
    replies = await onboarded_chat.send_document(files.add("f", _csv(GOOD)))
    assert "kun for kommunens medarbejdere" in text_of(replies)
    assert "Import" not in text_of(replies)
    assert files.fetched == []  # nothing fetched for someone who may not import
    assert "son-csv-1" not in _keys(conversation)
    assert _place(conversation)[0] == "menu"


async def test_a_citizen_is_not_shown_the_import(onboarded_chat: ChatDriver) -> None:
    replies = await onboarded_chat.send("/staff")
    assert "kun for kommunens medarbejdere" in text_of(replies)
    assert not any("CSV" in label for label in labels_of(replies))
    replies = await onboarded_chat.send_document(
        IncomingDocument("f", "opslag.csv", "text/csv", 100)
    )
    assert "venter ikke på en fil" in text_of(replies)


def test_the_import_service_checks_the_role_itself(conversation: Conversation) -> None:
    with conversation.services.db.unit_of_work() as uow, pytest.raises(NotStaffError):
        upkeep.import_file(uow.session, 4242, "sonderborg", DIRECTORY, _csv(GOOD), NOW)
    assert "son-csv-1" not in _keys(conversation)
