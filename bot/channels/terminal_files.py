"""Local files in the terminal chat: the terminal side of the core's `FileSource` port.

`/fil PATH` (or `/file PATH`) turns a file on this machine into the same DOCUMENT event a Telegram
attachment gives. The file is checked (`local_document`), then its bytes are copied into the
database (`keep_local`, see `bot.files`), so the event carries a stored file id: an application's
attachment stays readable when the local file is moved or deleted, and staff can open it later
from Telegram too. `TerminalFiles` reads a file back when a flow downloads it (the staff CSV
import), with the limits Telegram's download has.
"""

from __future__ import annotations

import asyncio
import dataclasses
import mimetypes
import os
import shlex
from pathlib import Path

from bot.core.events import IncomingDocument
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.files import store
from bot.grants.schemes import TELEGRAM_DOWNLOAD_LIMIT
from bot.store.base import utcnow
from bot.store.database import Database, transaction

#: The largest file the terminal accepts, in bytes: what a bot may download from Telegram, so a
#: file that works in the terminal also works there (and the other way round).
MAX_FILE_BYTES = TELEGRAM_DOWNLOAD_LIMIT


class LocalFileError(ValueError):
    """A path that cannot be attached; `key` is the catalog text that says why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def parse_path(raw: str) -> Path:
    """The path the user typed or dragged in: quotes and backslash escapes (as terminals add them
    when a file is dropped) are undone, `~` is expanded. Raises `LocalFileError` for no path."""
    text = raw.strip()
    if not text:
        raise LocalFileError("terminal.file_usage")
    try:
        parts = shlex.split(text)
    except ValueError:  # an unbalanced quote: take the text as it stands
        parts = [text]
    # A path with unquoted spaces is still one path.
    return Path(parts[0] if len(parts) == 1 else text).expanduser()


def local_document(raw: str) -> IncomingDocument:
    """The DOCUMENT a `/fil PATH` line names, its file id the file's absolute path (before
    `keep_local` copies it).

    Raises `LocalFileError` for no path, a missing path, a directory, a file that cannot be read,
    and a file over `MAX_FILE_BYTES` (bytes).
    """
    path = parse_path(raw)
    if not path.exists():
        raise LocalFileError("terminal.file_missing", path=str(path))
    if path.is_dir():
        raise LocalFileError("terminal.file_directory", path=str(path))
    if not path.is_file() or not os.access(path, os.R_OK):
        raise LocalFileError("terminal.file_unreadable", path=str(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LocalFileError(
            "terminal.file_too_big", path=str(path), limit=MAX_FILE_BYTES // 1_000_000
        )
    resolved = path.resolve()
    return IncomingDocument(
        file_id=str(resolved),
        file_name=resolved.name,
        mime_type=mimetypes.guess_type(resolved.name)[0],
        size=size,
    )


def keep_local(db: Database, document: IncomingDocument, user_id: int) -> IncomingDocument:
    """Copy the local file `document` names (from `local_document`) into the database; the same
    document with its stored file id (``stored:…``) and the size of the bytes read.

    At most `MAX_FILE_BYTES` (bytes) are read, as Telegram's limit. Raises `LocalFileError` when
    the file grew over the limit or cannot be read any more since it was checked.
    """
    try:
        content = read_local(document.file_id, MAX_FILE_BYTES)
    except FileTooLargeError:
        raise LocalFileError(
            "terminal.file_too_big", path=document.file_id, limit=MAX_FILE_BYTES // 1_000_000
        ) from None
    except FileUnavailableError:
        raise LocalFileError("terminal.file_unreadable", path=document.file_id) from None
    with transaction(db) as session:
        file_id = store.keep(
            session,
            content,
            file_name=document.file_name,
            mime_type=document.mime_type,
            uploaded_by=user_id,
            now=utcnow(),
        )
    return dataclasses.replace(document, file_id=file_id, size=len(content))


class TerminalFiles:
    """Reads a file the terminal user attached: a stored file (``stored:…``) from `db`, or an
    absolute path (attachments from before files were copied, and tests without a database).

    Like `TelegramFiles`, the size is checked before anything is read and the bytes once more
    (the file may have grown since it was attached). Raises `FileTooLargeError` over `max_bytes`
    (bytes), `FileUnavailableError` when the file is gone, a directory or cannot be read.
    """

    def __init__(self, db: Database | None = None) -> None:
        self.db = db

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        if store.is_stored(file_id):
            return await asyncio.to_thread(self._stored, file_id, max_bytes)
        # A local disk read, but off the event loop all the same (the dispatcher shares it).
        return await asyncio.to_thread(read_local, file_id, max_bytes)

    def _stored(self, file_id: str, max_bytes: int) -> bytes:
        if self.db is None:
            raise FileUnavailableError(f"no database for {file_id}")
        with transaction(self.db) as session:
            stored = store.load(session, file_id)
            if stored is None:
                raise FileUnavailableError(f"no stored file {file_id}")
            if stored.size > max_bytes:
                raise FileTooLargeError(f"{stored.size} bytes")
            return bytes(stored.content)


def read_local(file_id: str, max_bytes: int) -> bytes:
    """The bytes of the local file `file_id` names; the errors of `TerminalFiles.download`."""
    path = Path(file_id)
    try:
        if not path.is_file():
            raise FileUnavailableError(f"not a file: {file_id}")
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLargeError(f"{size} bytes")
        with path.open("rb") as handle:
            content = handle.read(max_bytes + 1)
    except OSError as error:
        raise FileUnavailableError(str(error)) from error
    if len(content) > max_bytes:
        raise FileTooLargeError(f"more than {max_bytes} bytes")
    return content


def complete_line(line: str) -> list[str]:
    """Tab completions of a whole typed `line`: after `/fil ` or `/file ` the path is completed
    (what was typed is kept as typed, ``~`` too; a folder gets a trailing ``/`` so Tab goes on
    into it; hidden files only when their dot is typed; spaces in names need no quoting). Any
    other line completes to nothing."""
    head, space, typed = line.partition(" ")
    if head.lower() not in ("/fil", "/file") or not space:
        return []
    typed = typed.lstrip()
    expanded = str(Path.home()) + typed[1:] if typed.startswith("~") else typed
    folder, slash, prefix = expanded.rpartition("/")
    base = Path(folder or "/") if slash else Path()
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    kept = typed[: len(typed) - len(prefix)]
    return [
        f"{head} {kept}{entry.name}{'/' if entry.is_dir() else ''}"
        for entry in entries
        if entry.name.startswith(prefix) and (prefix.startswith(".") or entry.name[0] != ".")
    ]


def install_completion() -> bool:
    """Tab completes `/fil` paths at the chat's prompt (GNU readline or macOS's libedit); False
    when this Python has no readline (Windows), where Tab stays a plain key."""
    try:
        import readline  # only an interactive terminal needs it
    except ImportError:
        return False
    # The whole line is one "word", so a path with spaces is completed as one.
    readline.set_completer_delims("")

    def completer(text: str, state: int) -> str | None:
        options = complete_line(text)
        return options[state] if state < len(options) else None

    readline.set_completer(completer)
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    return True
