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

import sqlalchemy as sa

from bot.channels.terminal import TERMINAL_USER_ID, html_to_terminal
from bot.config import PROJECT_ROOT
from bot.delivery import outbox
from bot.delivery.models import Broadcast
from bot.store.base import utcnow
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage


def _start(db: Path, *options: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "TELEGRAM_BOT_TOKEN": "",
        "NLU_URL": "http://127.0.0.1:9",  # nothing listens: free text gets the honest fallback
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.processes.cli", "chat", *options],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], *needles: str, timeout: float = 90) -> str:
    """Read the chat's output until every one of `needles` shows (in any order; the prompt has
    no newline, so no readline)."""
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
            if all(needle.encode() in seen for needle in needles):
                return seen.decode(errors="replace")
    raise AssertionError(f"{needles!r} not seen in:\n{seen.decode(errors='replace')}")


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


def _queue_send_out(db: Path, chat_ids: list[int], text: str, key: str) -> None:
    """A send-out queued by someone else (a staff member's invitation, a reminder job)."""
    database = Database(f"sqlite:///{db}")
    try:
        with transaction(database) as session:
            outbox.create_broadcast(
                session,
                key=key,
                kind="test",
                messages=[
                    outbox.Message(chat_id, text, [[{"label": "Ja tak", "payload": "x:ja"}]])
                    for chat_id in chat_ids
                ],
                now=utcnow(),
            )
    finally:
        database.dispose()


def _statuses(db: Path, key: str) -> dict[int, str]:
    database = Database(f"sqlite:///{db}")
    try:
        with transaction(database) as session:
            broadcast_id = session.scalars(
                sa.select(Broadcast.id).where(Broadcast.key == key)
            ).one()
            rows = session.execute(
                sa.select(OutboxMessage.chat_id, OutboxMessage.status).where(
                    OutboxMessage.broadcast_id == broadcast_id
                )
            ).all()
            return {int(chat_id): str(status) for chat_id, status in rows}
    finally:
        database.dispose()


def _settled(db: Path, key: str, chat_id: int) -> dict[int, str]:
    """The statuses once `chat_id`'s row is recorded (the dispatcher writes outcomes in small
    batches, just after the message shows); bounded, and no time is asserted."""
    for _ in range(300):
        statuses = _statuses(db, key)
        if statuses[chat_id] not in (outbox.PENDING, outbox.SENDING):
            return statuses
        time.sleep(0.1)
    return _statuses(db, key)


def test_a_send_out_reaches_the_terminal_user_and_waits_for_telegram_users(
    tmp_path: Path,
) -> None:
    """The dispatcher runs in the chat: the terminal user's message appears with its buttons, the
    others stay queued and are counted once; `--as` then plays one of them, who gets theirs."""
    db = tmp_path / "chat.db"
    first = _start(db)
    try:
        _read_until(first, "[c] Kalaallisut")
        _queue_send_out(db, [TERMINAL_USER_ID, 2001, 2002], "Mødeindkaldelse: <b>Kaffe</b>", "k1")
        output = _read_until(
            first, "de får beskeden, når assistenten kører med et Telegram-token", "Ja tak"
        )
        assert "Mødeindkaldelse: Kaffe" in output and "[a] Ja tak" in output
        assert "2 modtagere kan kun nås via Telegram" in output
        statuses = _settled(db, "k1", TERMINAL_USER_ID)
        assert statuses == {TERMINAL_USER_ID: "sent", 2001: "pending", 2002: "pending"}
        _queue_send_out(db, [2003], "Påmindelse", "k2")
        output = _read_until(first, "vedkommende får beskeden")
        assert "1 modtager kan kun nås via Telegram" in output
        assert "2 modtagere" not in output  # the first send-out is not counted again
        assert first.stdin is not None
        first.stdin.write("/quit\n")
        first.stdin.flush()
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert _statuses(db, "k1")[2001] == "pending"  # never marked sent or failed

    second = _start(db, "--as", "2001")
    try:
        output = _read_until(second, "Mødeindkaldelse: Kaffe")
        assert second.stdin is not None
        second.stdin.write("/quit\n")
        second.stdin.flush()
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    assert _statuses(db, "k1") == {TERMINAL_USER_ID: "sent", 2001: "sent", 2002: "pending"}
