"""The terminal chat: the same conversation core in a terminal, buttons as lettered choices.

Buttons are shown as ``[a] …`` and pressed by typing the letter, never a number: a number is an
answer (»Hvor mange frivillige er med?« – ``2``), and with numbered buttons a typed ``2`` used to
press the second button instead (issue 12). Anything that is not exactly a shown letter is typed
text and goes to the step as it is.

Anyone can try the product without a Telegram token: `make run` opens this when no token is set.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.core.conversation import Conversation
from bot.core.events import Event, EventKind
from bot.core.replies import Reply
from bot.i18n import t

#: The terminal's made-up Telegram user: the same every run, so a conversation resumes.
TERMINAL_USER_ID = 1_000_001

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
        self.colour = out.isatty()
        #: The last message's buttons: letter → payload.
        self._choices: dict[str, str] = {}

    def render(self, replies: list[Reply]) -> None:
        choices: dict[str, str] = {}
        for reply in replies:
            self.out.write("\n" + html_to_terminal(reply.text, colour=self.colour) + "\n")
            if reply.document is not None:
                self.downloads.mkdir(parents=True, exist_ok=True)
                path = self.downloads / Path(reply.document.file_name).name
                path.write_bytes(reply.document.content)
                self.out.write(f"📎 {path}\n")
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

    def event_for(self, line: str) -> Event:
        """A shown letter (``a``, ``b`` …, either case) presses that button of the last message
        that had buttons; anything else, numbers included, is typed text."""
        payload = self._choices.get(line.strip().lower())
        if payload is not None:
            return Event(
                EventKind.BUTTON,
                self.user_id,
                self.user_id,
                payload=payload,
                language_code=self.language,
            )
        return Event.from_text(self.user_id, self.user_id, line, language_code=self.language)

    async def run(self) -> None:
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
            self.render(await self.conversation.handle(self.event_for(line)))
