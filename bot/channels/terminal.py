"""The terminal chat: the same conversation core in a terminal, buttons as lettered choices.

Buttons are shown as ``[a] …`` and pressed by typing the letter, never a number: a number is an
answer (»Hvor mange frivillige er med?« – ``2``), and with numbered buttons a typed ``2`` used to
press the second button instead (issue 12). Anything that is not exactly a shown letter is typed
text and goes to the step as it is.

Anyone can try the product without a Telegram token: `make run` opens this when no token is set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.channels.terminal_files import (
    LocalFileError,
    install_completion,
    keep_local,
    local_document,
)
from bot.core.conversation import Conversation
from bot.core.events import Event, EventKind
from bot.core.replies import Button, OutgoingDocument, Reply
from bot.files import store
from bot.i18n import t, tn
from bot.store.database import transaction

#: The terminal's made-up Telegram user: the same every run, so a conversation resumes.
TERMINAL_USER_ID = 1_000_001

#: `/fil PATH` and `/file PATH` attach a local file (Telegram's paperclip).
_FILE_COMMANDS = ("fil", "file")

_TAG = re.compile(r"</?(b|strong|i|em|u|code|pre|a)(\s[^>]*)?>")


def html_to_terminal(text: str, *, colour: bool) -> str:
    """Telegram HTML as terminal text: bold stays bold (when the terminal has colour)."""
    if colour:
        text = re.sub(r"<(b|strong)>", "\033[1m", text)
        text = re.sub(r"</(b|strong)>", "\033[0m", text)
    return html.unescape(_TAG.sub("", text))


def choice_label(index: int) -> str:
    """The letter that picks the `index`-th (0-based) button: a … z, then aa, ab … (never digits,
    so a typed number always stays an answer)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(letters))
        label = letters[rest] + label
    return label


class TerminalChat:
    def __init__(
        self,
        conversation: Conversation,
        *,
        user_id: int = TERMINAL_USER_ID,
        language: str = "da",
        downloads: Path,
        read_line: Callable[[], str] | None = None,
        out: TextIO = sys.stdout,
    ) -> None:
        self.conversation = conversation
        self.user_id = user_id
        self.language = language
        self.downloads = downloads
        self.out = out
        self.read_line = read_line or (lambda: input("› "))
        #: Whether the prompt is ours to show again after a message that arrived meanwhile.
        self.prompts = read_line is None
        self.colour = out.isatty()
        #: The last message's buttons: letter → payload.
        self._choices: dict[str, str] = {}

    def render(self, replies: list[Reply]) -> None:
        choices: dict[str, str] = {}
        for reply in replies:
            # As Telegram shows it: a document's caption, or else the text sent with it.
            text = (reply.document.caption if reply.document else None) or reply.text
            if text:
                self.out.write("\n" + html_to_terminal(text, colour=self.colour) + "\n")
            if reply.document is not None:
                path = self.save(reply.document)
                self.out.write(t(self.language, "terminal.saved", path=str(path)) + "\n")
            for buttons, payloads in zip(reply.buttons, reply.payloads, strict=True):
                labels = []
                for button, payload in zip(buttons, payloads, strict=True):
                    letter = choice_label(len(choices))
                    choices[letter] = payload
                    labels.append(f"[{letter}] {button.label}")
                self.out.write("   ".join(labels) + "\n")
        if choices:
            self._choices = choices
        self.out.flush()

    def save(self, document: OutgoingDocument) -> Path:
        """Save a document the bot sent under `downloads`, never over an earlier one.

        A second file of the same name gets " (2)", " (3)" … before its suffix. A document sent
        again by file id (an applicant's attachment shown to staff) is copied from the stored
        file (or, for an attachment from before files were stored, the local file) it names.
        """
        self.downloads.mkdir(parents=True, exist_ok=True)
        name = Path(document.file_name).name or "fil"
        content = document.content
        if not content and store.is_stored(document.file_id):
            with transaction(self.conversation.services.db) as session:
                content = store.content_of(session, str(document.file_id)) or b""
        elif not content and document.file_id and Path(document.file_id).is_file():
            content = Path(document.file_id).read_bytes()
        stem, suffix = Path(name).stem, Path(name).suffix
        path, number = self.downloads / name, 1
        while True:
            try:
                # "x": create, never overwrite, even if another chat saves the same name now.
                with path.open("xb") as handle:
                    handle.write(content)
                return path
            except FileExistsError:
                number += 1
                path = self.downloads / f"{stem} ({number}){suffix}"

    def show_delivered(
        self,
        text: str,
        buttons: list[list[tuple[str, str]]],
        *,
        document: tuple[str, bytes] | None = None,
    ) -> None:
        """A message the outbox sent to this chat, shown as a reply (its buttons become the
        lettered choices), then the prompt again, since the user may be in the middle of typing."""
        self.render(
            [
                Reply(
                    text,
                    buttons=tuple(
                        tuple(Button(label, payload) for label, payload in row) for row in buttons
                    ),
                    payloads=tuple(tuple(payload for _, payload in row) for row in buttons),
                    document=OutgoingDocument(*document) if document is not None else None,
                )
            ]
        )
        self.prompt()

    def show_telegram_only(self, count: int) -> None:
        """Say how many recipients of a send-out wait for Telegram (their rows stay queued)."""
        note = tn(self.language, "terminal.telegram_only", count, count=count)
        self.out.write("\n" + note + "\n")
        self.prompt()

    def prompt(self) -> None:
        if self.prompts:
            self.out.write("› ")
        self.out.flush()

    def event_for(self, line: str) -> Event:
        """A shown letter (``a``, ``b`` …, either case) presses that button of the last message
        that had buttons; `/fil PATH` attaches a local file; anything else, numbers included, is
        typed text. Raises `LocalFileError` for a path that cannot be attached."""
        stripped = line.strip()
        head, _, rest = stripped.partition(" ")
        if head.lower() in tuple(f"/{command}" for command in _FILE_COMMANDS):
            return Event(
                EventKind.DOCUMENT,
                self.user_id,
                self.user_id,
                document=local_document(rest),
                language_code=self.language,
            )
        payload = self._choices.get(stripped.lower())
        if payload is not None:
            return Event(
                EventKind.BUTTON,
                self.user_id,
                self.user_id,
                payload=payload,
                language_code=self.language,
            )
        return Event.from_text(self.user_id, self.user_id, line, language_code=self.language)

    async def handle_line(self, line: str) -> None:
        """One typed line: handled by the conversation, its replies shown."""
        try:
            event = self.event_for(line)
            if event.document is not None:
                # Copied now, so the application keeps it whatever happens to the local file.
                document = await asyncio.to_thread(
                    keep_local, self.conversation.services.db, event.document, self.user_id
                )
                event = dataclasses.replace(event, document=document)
        except LocalFileError as error:
            # Nothing reaches the conversation: the step waits for a file that can be read.
            self.out.write("\n" + t(self.language, error.key, **error.params) + "\n")
            self.out.flush()
            return
        self.render(await self.conversation.handle(event))

    async def run(self) -> None:
        if self.prompts and sys.stdin.isatty():
            install_completion()  # Tab completes the path after /fil
        self.out.write(t(self.language, "terminal.intro") + "\n")
        # Not /start (which goes to the menu): the chat continues at the question it was at.
        opening = Event(EventKind.RESUME, self.user_id, self.user_id, language_code=self.language)
        self.render(await self.conversation.handle(opening))
        while True:
            try:
                line = await asyncio.to_thread(self.read_line)
            except (EOFError, KeyboardInterrupt):
                self.out.write("\n" + t(self.language, "terminal.bye") + "\n")
                return
            if line.strip() in ("/quit", "/exit"):
                self.out.write(t(self.language, "terminal.bye") + "\n")
                return
            if not line.strip():
                continue
            await self.handle_line(line)
