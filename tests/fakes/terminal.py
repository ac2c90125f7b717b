"""A driver for a real `frivillig chat` process: start it, type lines, press buttons by label.

The chat shows buttons as ``[a] Ja   [b] Nej``; `press("Nej")` types the letter the newest
output gives that label, so a test reads like what a person does and never depends on a
button's position.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.config import PROJECT_ROOT

_BUTTON = re.compile(r"\[([a-z]+)\] (.+?)(?=   \[[a-z]+\] |$)", re.MULTILINE)


def chat_environment(database: Path, **extra: str) -> dict[str, str]:
    """The environment of a chat on `database` (SQLite): no token, and no NLU (nothing listens
    on port 9, so free text gets the honest fallback at once)."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "TELEGRAM_BOT_TOKEN": "",
        "NLU_URL": "http://127.0.0.1:9",
        **extra,
    }


def run_cli(env: Mapping[str, str], *args: str) -> str:
    """Run `frivillig ARGS` to completion; its output. Raises CalledProcessError on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.processes.cli", *args],
        cwd=PROJECT_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


class ChatProcess:
    """One `frivillig chat` process (`python -m bot.processes.cli chat OPTIONS`)."""

    def __init__(self, env: Mapping[str, str], *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.processes.cli", "chat", *options],
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        #: Everything the chat printed, and where the newest action's output begins.
        self.output = ""
        self._mark = 0

    def __enter__(self) -> ChatProcess:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def since_last(self) -> str:
        """What the chat printed since the last line was typed."""
        return self.output[self._mark :]

    def read_until(self, *needles: str, timeout: float = 60) -> str:
        """Read until every one of `needles` shows in the output since the last typed line (the
        prompt has no newline, so no readline); returns that output. Raises AssertionError
        with what was seen when they do not show within `timeout` seconds."""
        self._read(lambda: all(needle in self.since_last for needle in needles), needles, timeout)
        return self.since_last

    def _read(self, done: Callable[[], bool], what: object, timeout: float) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        raw = b""
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what!r} not seen in:\n{self.since_last}")
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:  # the process ended
                    raise AssertionError(f"{what!r} not seen before the end:\n{self.since_last}")
                raw += chunk
                text = raw.decode(errors="ignore")  # a character may be split between reads
                if text.encode() == raw:
                    self.output += text
                    raw = b""

    def send(self, line: str, *until: str, timeout: float = 60) -> str:
        """Type `line` and read until `until` shows; returns the output since the line."""
        assert self.process.stdin is not None
        self._mark = len(self.output)
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        return self.read_until(*until, timeout=timeout) if until else ""

    def letter(self, label: str, timeout: float = 60) -> str:
        """The letter of the newest button, shown since the last typed line, whose label is
        `label` or, if none is, starts with it (»Jeg kommer« is not »Jeg kommer ikke«); waits for
        it to show. Raises AssertionError when no button has it within `timeout` seconds, or when
        newer buttons took its letter."""

        def found() -> list[re.Match[str]]:
            return [m for m in _BUTTON.finditer(self.since_last) if m.group(2).startswith(label)]

        self._read(lambda: bool(found()), f"button {label}", timeout)
        exact = [m for m in found() if m.group(2).strip() == label]
        match = (exact or found())[-1]
        later = [m for m in _BUTTON.finditer(self.since_last, match.end()) if m[1] == match[1]]
        assert not later, f"[{match[1]}] {label!r} was replaced by newer buttons"
        return match[1]

    def press(self, label: str, *until: str, timeout: float = 60) -> str:
        """Press the button `label` (by its letter) and read until `until` shows."""
        return self.send(self.letter(label), *until, timeout=timeout)

    def quit(self) -> None:
        """`/quit`, and the process ends by itself with exit code 0."""
        self.send("/quit")
        assert self.process.wait(timeout=30) == 0


def saved_path(output: str) -> Path:
    """The path of the newest file the chat saved (»📎 Gemt som PATH«)."""
    found = re.findall(r"📎 Gemt som (.+)", output)
    assert found, f"no saved file in:\n{output}"
    return Path(found[-1].strip())
