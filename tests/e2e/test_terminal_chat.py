"""The terminal chat as a newcomer meets it: a real `frivillig chat` process, killed with SIGKILL
in the middle of onboarding and started again."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.channels.terminal import html_to_terminal
from bot.config import PROJECT_ROOT


def _start(db: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "TELEGRAM_BOT_TOKEN": "",
        "NLU_URL": "http://127.0.0.1:9",  # nothing listens: free text gets the honest fallback
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.processes.cli", "chat"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], needle: str, timeout: float = 90) -> str:
    """Read the chat's output until `needle` shows (the prompt has no newline, so no readline)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            if needle.encode() in seen:
                return seen.decode(errors="replace")
    raise AssertionError(f"{needle!r} not seen in:\n{seen.decode(errors='replace')}")


def test_kill_9_during_onboarding_and_restart_continue_where_the_user_was(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    first = _start(db)
    try:
        assert "Hvilket sprog" in _read_until(first, "[c] Kalaallisut")
        assert first.stdin is not None
        first.stdin.write("b\n")  # English
        first.stdin.flush()
        _read_until(first, "Which municipality")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = _start(db)
    try:
        output = _read_until(second, "Which municipality")
        assert "Hvilket sprog" not in output  # not back at the start
        assert second.stdin is not None
        second.stdin.write("d\n")  # Tønder
        second.stdin.flush()
        _read_until(second, "May I send you invitations")
        second.stdin.write("/quit\n")
        second.stdin.flush()
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()


def test_html_is_readable() -> None:
    assert html_to_terminal("<b>Hej</b> &amp; <i>velkommen</i>", colour=False) == "Hej & velkommen"
    assert "\033[1m" in html_to_terminal("<b>Hej</b>", colour=True)
