"""Real processes on one PostgreSQL database: `frivillig run --webhook` workers, one `frivillig
scheduler`, the fake Bot API as an HTTP server in the test's process, and a small load balancer
that re-posts an update to the next worker when a POST fails or times out (as Telegram re-delivers
when a webhook does not answer 200). Used by tests/system and bench/scale_bench.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.app import prepare_database
from bot.config import PROJECT_ROOT
from bot.directory import Directory
from bot.store.database import Database
from nlu.client import Entity
from tests.fakes.bot_api import Call, FakeBotApi, TelegramUser
from tests.fakes.nlu import FakeNlu

SECRET = "system-test-secret"
#: The methods whose calls are messages a chat sees (as `FakeBotApi.sent` counts them).
SENT = frozenset({"sendMessage", "editMessageText", "sendDocument"})
TOKEN = "123456:SYSTEM-TEST"
FRIVILLIG = PROJECT_ROOT / ".venv" / "bin" / "frivillig"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def fresh_database(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` beside `admin_url`'s; dropped afterwards."""
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,  # a fresh connection each time: the test drops connections
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        for attempt in range(3):  # a test elsewhere may drop our admin connection meanwhile
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except OperationalError:
                if attempt == 2:
                    raise
                time.sleep(1.0)
        admin.dispose()


def prepare(url: str) -> None:
    """Schema and reference data, once, before any process starts (they would race for it)."""
    db = Database(url)
    prepare_database(db, Directory.load(PROJECT_ROOT / "data"))
    db.dispose()


@dataclass
class Process:
    """One `frivillig` process; its log goes to `log_path`."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [str(FRIVILLIG), *self.args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def pause(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Worker(Process):
    port: int = 0
    internal_port: int = 0


def common_env(url: str, api: FakeBotApi, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WEBHOOK_URL": "https://frivillig.example.dk/telegram",
        "NLU_URL": f"http://127.0.0.1:{free_port()}",  # nobody there: buttons only
        "FLOOD_MAX_EVENTS": "100000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def make_worker(url: str, api: FakeBotApi, log_dir: Path, index: int, **extra: str) -> Worker:
    port, internal = free_port(), free_port()
    env = common_env(
        url,
        api,
        WEBHOOK_PORT=str(port),
        WEBHOOK_INTERNAL_PORT=str(internal),
        **extra,
    )
    return Worker(
        f"worker{index}",
        ["run", "--webhook"],
        env,
        log_dir / f"worker{index}.log",
        port=port,
        internal_port=internal,
    )


async def wait_healthy(worker: Worker, within: float = 300.0) -> None:
    """Until the worker's internal /healthz answers (its database part is up). A worker takes
    over a minute to start (mostly imports) when other test suites load the machine: 74 s at a
    load average of 11."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if not worker.alive:
                raise RuntimeError(f"{worker.name} exited: see {worker.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                response = await http.get(
                    f"http://127.0.0.1:{worker.internal_port}/healthz", timeout=2
                )
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{worker.name} did not come up: see {worker.log_path}")


async def wait_scheduler_beat(
    worker: Worker, *, since: float | None = None, within: float = 300.0
) -> None:
    """Until the worker's /healthz sees the scheduler's heartbeat (it has started its jobs); with
    `since` (time.monotonic()), a beat no older than that moment (a restarted scheduler's)."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
                response = await http.get(
                    f"http://127.0.0.1:{worker.internal_port}/healthz", timeout=2
                )
                scheduler = response.json()["components"]["scheduler"]
                fresh = since is None or scheduler["seconds_since_beat"] <= (
                    time.monotonic() - since
                )
                if scheduler["ok"] and fresh:
                    return
            await asyncio.sleep(0.3)
    raise TimeoutError("the scheduler never beat")


@dataclass
class Delivery:
    """How one update got answered: the worker ports tried, and the seconds it took."""

    attempts: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0


class LoadBalancer:
    """Round robin over the workers; a POST that fails, times out or is not answered 200 is
    posted again to the next worker after a short pause, until `give_up` seconds have passed."""

    def __init__(
        self, workers: list[Worker], *, timeout: float = 30.0, give_up: float = 120.0
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.give_up = give_up
        self._next = itertools.count()
        # aiohttp, not httpx: this process also serves the fake Bot API to every worker, and
        # httpx's client costs several times the CPU per request; with 200 chats the workers'
        # sends to the fake API timed out while the test process was busy posting.
        self._http: aiohttp.ClientSession | None = None
        self.deliveries: list[Delivery] = []

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def post(self, update: dict[str, Any]) -> Delivery:
        delivery = Delivery()
        started = time.monotonic()
        index = next(self._next)
        while True:
            worker = self.workers[index % len(self.workers)]
            index += 1
            try:
                async with self.http.post(
                    f"http://127.0.0.1:{worker.port}/telegram",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as response:
                    await response.read()
                    outcome = str(response.status)
            except (aiohttp.ClientError, TimeoutError) as error:
                outcome = type(error).__name__
            delivery.attempts.append((worker.port, outcome))
            if outcome == "200":
                delivery.seconds = time.monotonic() - started
                self.deliveries.append(delivery)
                return delivery
            if time.monotonic() - started > self.give_up:
                raise TimeoutError(f"update {update['update_id']} never answered: {delivery}")
            await asyncio.sleep(0.2)


class ChatUser:
    """One person's private chat, driven through the load balancer; each update waits for the
    previous one to be answered (a person reads the reply before tapping on)."""

    def __init__(self, api: FakeBotApi, lb: LoadBalancer, user_id: int) -> None:
        self.api = api
        self.lb = lb
        self.user = api.user(user_id, language_code="da")
        #: (first, last) index into api.calls while each update was in hand
        self.windows: list[tuple[int, int]] = []

    @property
    def chat_id(self) -> int:
        return self.user.user_id

    async def _post(self, update: dict[str, Any]) -> None:
        first = len(self.api.calls)
        await self.lb.post(update)
        self.windows.append((first, len(self.api.calls)))

    async def send(self, text_: str) -> None:
        await self._post(self.user.text(text_))

    async def send_update(self, update: dict[str, Any]) -> None:
        await self._post(update)

    def last_with_button(self, label: str) -> tuple[Call, str]:
        # Only the calls made while this chat's updates were in hand: the system test checks
        # that its replies come then, and scanning every call of 200 chats for each press
        # would cost the test process (which also serves the fake API) most of a core.
        wanted = label.casefold()
        calls = self.api.calls
        for first, last in reversed(self.windows):
            for call in reversed(calls[first:last]):
                if call.method not in SENT or call.chat_id != self.chat_id:
                    continue
                for text_, data in call.buttons:
                    if wanted in text_.casefold():
                        return call, data
        raise AssertionError(f"chat {self.chat_id}: no message with a button {label!r}")

    async def press(self, label: str) -> None:
        call, data = self.last_with_button(label)
        message_id = call.message_id or call.edited_message_id or 0
        await self._post(self.user.callback(data, message_id))


def document(user: TelegramUser, file_id: str, name: str, size: int) -> dict[str, Any]:
    return user.message(
        document={
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": size,
        }
    )


async def onboarding(chat: ChatUser) -> None:
    await chat.send("/start")
    await chat.press("Dansk")
    await chat.press("Sønderborg")
    await chat.press("Ja tak")


#: The free-text search the fake NLU understands (tests/unit/matching/test_volunteer_flow.py).
SEARCH_TEXT = "jeg vil gerne hjælpe ældre i weekenden"


def understand_search(nlu: FakeNlu) -> None:
    nlu.understand(
        SEARCH_TEXT,
        "find_opportunity",
        Entity("area", "elderly", "ældre"),
        Entity("availability", "weekend", "i weekenden"),
    )


async def search_by_free_text(chat: ChatUser) -> None:
    """Area and time from one sentence (the NLU), the place by button, then interest."""
    await chat.send(SEARCH_TEXT)
    await chat.press("Hele Sønderborg")
    await chat.press("Interesseret i nr. 1")


async def search_by_buttons(chat: ChatUser) -> None:
    await chat.send("/volunteer")
    await chat.press("Ældre")
    await chat.press("I weekenden")
    await chat.press("Hele Sønderborg")
    await chat.press("Interesseret i nr. 1")


def valid_cvr(seed: int) -> str:
    """A CVR number passing modulus 11 (weights 2 7 6 5 4 3 2 1), different for each seed."""
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    for candidate in itertools.count(20_000_000 + seed * 97):
        digits = [int(d) for d in str(candidate)]
        if sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 == 0:
            return str(candidate)
    raise AssertionError("unreachable")


def grant_form(seed: int) -> tuple[tuple[str, str], ...]:
    """The Sønderborg § 18 form as a chair would type or tap it (tests/unit/grants/grant_chat.py),
    for an association of its own (one application per association and round)."""
    return (
        ("send", f"Besøgsvennerne nr. {seed}"),
        ("send", valid_cvr(seed)),
        ("send", "Mette Jensen"),
        ("send", "Perlegade 12, 6400 Sønderborg"),
        ("send", "20 30 40 50"),
        ("send", "formand@besogsvenner.dk"),
        ("press", "Driftstilskud"),
        ("send", "Vi besøger ensomme ældre i hjemmet."),
        ("press", "Ældre"),
        ("press", "Færdig"),
        ("send", "Mange ældre sidder alene og har ingen familie tæt på."),
        ("send", "25"),
        ("send", "60"),
        ("send", "Kaffe og kage: 2.500 kr"),
        ("press", "Færdig med budgettet"),
        ("send", "2.500 kr"),
        ("press", "Spring over"),
    )


async def grant_application(chat: ChatUser, seed: int) -> None:
    await chat.press("§ 18")
    for _ in range(7):
        await chat.press("Ja")
    for how, what in grant_form(seed):
        await (chat.send(what) if how == "send" else chat.press(what))
    await chat.send_update(document(chat.user, "BQACAgStatutes", "vedtaegter.pdf", 90_000))
    await chat.send_update(document(chat.user, "BQACAgAccounts", "regnskab.pdf", 80_000))
    await chat.press("Videre til erklæringen")
    await chat.press("Ja, det erklærer jeg")


def terminate_connections(url: str) -> int:
    """pg_terminate_backend for every other connection to `url`'s database; how many."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        count = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    engine.dispose()
    return int(count or 0)
