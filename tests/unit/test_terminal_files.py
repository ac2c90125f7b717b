"""The terminal's file port: `/fil PATH` becomes the DOCUMENT event a Telegram attachment gives,
paths that cannot be attached get a clear answer and reach no step, and files the bot sends are
saved without ever overwriting an earlier one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.channels import terminal_files
from bot.channels.terminal import TerminalChat
from bot.channels.terminal_files import (
    LocalFileError,
    TerminalFiles,
    complete_line,
    install_completion,
    keep_local,
    local_document,
)
from bot.core.conversation import Conversation
from bot.core.events import EventKind
from bot.core.replies import OutgoingDocument, Reply
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.files import store


def _chat(conversation: Conversation, tmp_path: Path) -> tuple[TerminalChat, io.StringIO]:
    out = io.StringIO()
    return TerminalChat(conversation, downloads=tmp_path / "downloads", out=out), out


def test_a_file_becomes_a_document_with_its_name_type_and_size(tmp_path: Path) -> None:
    receipt = tmp_path / "budget 2026.pdf"
    receipt.write_bytes(b"%PDF-1.4 budget")
    for typed in (f'"{receipt}"', str(receipt).replace(" ", "\\ "), str(receipt)):
        document = local_document(typed)
        assert document.file_id == str(receipt.resolve())
        assert document.file_name == "budget 2026.pdf"
        assert document.mime_type == "application/pdf"
        assert document.size == len(b"%PDF-1.4 budget")


def test_paths_that_cannot_be_attached_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = {"": "terminal.file_usage", str(tmp_path / "nope.pdf"): "terminal.file_missing"}
    cases[str(tmp_path)] = "terminal.file_directory"
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * 11)
    monkeypatch.setattr(terminal_files, "MAX_FILE_BYTES", 10)
    cases[str(big)] = "terminal.file_too_big"
    for typed, key in cases.items():
        with pytest.raises(LocalFileError) as refused:
            local_document(typed)
        assert refused.value.key == key


def test_an_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"x")
    # chmod 0 does not stop root (tests may run as root), so the permission check says no.
    monkeypatch.setattr(terminal_files.os, "access", lambda path, mode: False)
    with pytest.raises(LocalFileError) as refused:
        local_document(str(secret))
    assert refused.value.key == "terminal.file_unreadable"


async def test_the_port_reads_the_file_within_the_limit(tmp_path: Path) -> None:
    data = tmp_path / "opslag.csv"
    data.write_bytes(b"key;title\n")
    files = TerminalFiles()
    assert await files.download(str(data), max_bytes=100) == b"key;title\n"
    with pytest.raises(FileTooLargeError):
        await files.download(str(data), max_bytes=5)
    with pytest.raises(FileUnavailableError):
        await files.download(str(tmp_path / "gone.csv"), max_bytes=100)
    with pytest.raises(FileUnavailableError):
        await files.download(str(tmp_path), max_bytes=100)


def test_fil_and_file_attach_a_local_file(conversation: Conversation, tmp_path: Path) -> None:
    chat, _ = _chat(conversation, tmp_path)
    photo = tmp_path / "kvittering.png"
    photo.write_bytes(b"\x89PNG")
    for command in ("/fil", "/file", "/FIL"):
        event = chat.event_for(f"{command} {photo}")
        assert event.kind is EventKind.DOCUMENT and event.document is not None
        assert event.document.file_name == "kvittering.png"
        assert event.document.mime_type == "image/png"
    assert chat.event_for("/filter").kind is EventKind.COMMAND  # only the exact command


async def test_a_missing_path_is_answered_and_nothing_reaches_the_step(
    conversation: Conversation, tmp_path: Path
) -> None:
    lines = iter([f"/fil {tmp_path / 'mangler.pdf'}", f"/fil {tmp_path}", "/quit"])
    out = io.StringIO()
    chat = TerminalChat(
        conversation, downloads=tmp_path / "d", read_line=lambda: next(lines), out=out
    )
    await chat.run()
    shown = out.getvalue()
    assert f"Jeg kan ikke finde »{tmp_path / 'mangler.pdf'}«" in shown
    assert f"»{tmp_path}« er en mappe, ikke en fil" in shown


def test_a_second_file_of_the_same_name_is_saved_beside_the_first(
    conversation: Conversation, tmp_path: Path
) -> None:
    chat, out = _chat(conversation, tmp_path)
    for content in (b"first", b"second", b"third"):
        chat.render([Reply("Din kvittering", document=OutgoingDocument("kvittering.pdf", content))])
    folder = tmp_path / "downloads"
    assert (folder / "kvittering.pdf").read_bytes() == b"first"
    assert (folder / "kvittering (2).pdf").read_bytes() == b"second"
    assert (folder / "kvittering (3).pdf").read_bytes() == b"third"
    assert f"Gemt som {folder / 'kvittering (2).pdf'}" in out.getvalue()


def test_an_attachment_sent_again_by_file_id_is_copied_from_the_local_file(
    conversation: Conversation, tmp_path: Path
) -> None:
    chat, _ = _chat(conversation, tmp_path)
    original = tmp_path / "budget.pdf"
    original.write_bytes(b"%PDF budget")
    document = OutgoingDocument("budget.pdf", b"", file_id=str(original))
    chat.render([Reply("", document=document)])
    assert (tmp_path / "downloads" / "budget.pdf").read_bytes() == b"%PDF budget"


async def test_fil_copies_the_file_so_it_outlives_the_local_one(
    conversation: Conversation, tmp_path: Path
) -> None:
    """`/fil` keeps the bytes in the database: the event carries a stored file id, the port reads
    it back (within the limit) and a document sent again by that id is saved from the copy."""
    chat, _ = _chat(conversation, tmp_path)
    statutes = tmp_path / "vedtægter.pdf"
    statutes.write_bytes(b"%PDF statutes")
    document = keep_local(conversation.services.db, local_document(str(statutes)), 4242)
    statutes.unlink()

    assert store.is_stored(document.file_id) and document.size == len(b"%PDF statutes")
    assert document.file_name == "vedtægter.pdf" and document.mime_type == "application/pdf"
    files = TerminalFiles(conversation.services.db)
    assert await files.download(document.file_id, max_bytes=100) == b"%PDF statutes"
    with pytest.raises(FileTooLargeError):
        await files.download(document.file_id, max_bytes=5)
    with pytest.raises(FileUnavailableError):
        await files.download("stored:0000", max_bytes=100)
    chat.render(
        [Reply("", document=OutgoingDocument("vedtægter.pdf", b"", file_id=document.file_id))]
    )
    assert (tmp_path / "downloads" / "vedtægter.pdf").read_bytes() == b"%PDF statutes"


def test_a_file_gone_or_grown_since_it_was_checked_is_refused(
    conversation: Conversation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "regnskab.pdf"
    data.write_bytes(b"%PDF")
    checked = local_document(str(data))
    data.write_bytes(b"%PDF" + b"x" * 20)
    monkeypatch.setattr(terminal_files, "MAX_FILE_BYTES", 10)
    with pytest.raises(LocalFileError) as refused:
        keep_local(conversation.services.db, checked, 4242)
    assert refused.value.key == "terminal.file_too_big"
    data.unlink()
    with pytest.raises(LocalFileError) as refused:
        keep_local(conversation.services.db, checked, 4242)
    assert refused.value.key == "terminal.file_unreadable"


def test_tab_completes_the_path_after_fil(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Dokumenter").mkdir()
    (tmp_path / "Dokumenter" / "vedtægter 2026.pdf").write_bytes(b"%PDF")
    (tmp_path / "Dokumenter" / "regnskab.pdf").write_bytes(b"%PDF")
    (tmp_path / "Dokumenter" / ".skjult").write_bytes(b"")
    (tmp_path / "Downloads").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "Dokumenter"

    assert complete_line(f"/fil {tmp_path}/Do") == [
        f"/fil {tmp_path}/Dokumenter/",
        f"/fil {tmp_path}/Downloads/",
    ]
    assert complete_line("/file ~/Dok") == ["/file ~/Dokumenter/"]
    assert complete_line(f"/fil {folder}/") == [
        f"/fil {folder}/regnskab.pdf",
        f"/fil {folder}/vedtægter 2026.pdf",
    ]
    assert complete_line(f"/fil {folder}/ved") == [f"/fil {folder}/vedtægter 2026.pdf"]
    assert complete_line(f"/fil {folder}/.") == [f"/fil {folder}/.skjult"]
    assert complete_line(f"/fil {tmp_path}/nothing/x") == []
    assert complete_line("/filter ~/") == [] and complete_line("~/Do") == []
    monkeypatch.chdir(folder)
    assert complete_line("/fil reg") == ["/fil regnskab.pdf"]


def test_tab_is_wired_to_the_completion(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    (tmp_path / "unik fil.txt").write_bytes(b"x")
    assert install_completion()
    completer = readline.get_completer()
    assert completer is not None and readline.get_completer_delims() == ""
    assert completer(f"/fil {tmp_path}/un", 0) == f"/fil {tmp_path}/unik fil.txt"
    assert completer(f"/fil {tmp_path}/un", 1) is None
