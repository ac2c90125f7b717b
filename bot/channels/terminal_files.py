"""Local files in the terminal chat: the terminal side of the core's `FileSource` port.

`/fil PATH` (or `/file PATH`) turns a file on this machine into the same DOCUMENT event a Telegram
attachment gives, with the file's absolute path as its file id; `TerminalFiles` reads it back
when a flow downloads it (the staff CSV import), with the limits Telegram's download has.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import shlex
from pathlib import Path

from bot.core.events import IncomingDocument
from bot.core.services import FileTooLargeError, FileUnavailableError
from bot.grants.schemes import TELEGRAM_DOWNLOAD_LIMIT

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
    """The DOCUMENT a `/fil PATH` line attaches.

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


class TerminalFiles:
    """Reads a file the terminal user attached; its file id is the file's absolute path.

    Like `TelegramFiles`, the size is checked before anything is read and the bytes once more
    (the file may have grown since it was attached). Raises `FileTooLargeError` over `max_bytes`
    (bytes), `FileUnavailableError` when the path is gone, a directory or cannot be read.
    """

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        # A local disk read, but off the event loop all the same (the dispatcher shares it).
        return await asyncio.to_thread(read_local, file_id, max_bytes)


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
