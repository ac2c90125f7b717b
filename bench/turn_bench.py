"""Turn benchmark: latency of a text turn through the core, throughput against a bare echo bot,
and the memory of one bot process after 10,000 users.

Self-contained: a temporary SQLite database (migrated and seeded), the local fake Bot API from
`tests/fakes/bot_api.py`, an NLU fake answering at a fixed latency. stdout carries only
`name=value` lines; everything else goes to stderr.

    turn_p50_ms, turn_p99_ms      a free-text turn (NLU at 5 ms) through `Conversation.handle`
    turn_throughput_ratio_vs_echo  updates/s of our bot / updates/s of a python-telegram-bot echo
                                   bot, both fed the same text updates through `process_update`
                                   against the same fake Bot API in this run (target ≥ 0.5); the
                                   median over ROUNDS interleaved rounds, each round's ratio
                                   taken from back-to-back runs so both see the same machine
    turn_throughput_ratio_vs_echo_buttons  the same for menu-button presses (no NLU call)
    turn_throughput_ratio_vs_echo_moves    the same for presses that move the chat each time
                                   (menu → settings → menu), so every turn saves the state
    rss_mb_10k_users              resident memory after 10,000 different users each wrote once
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.app import build_conversation, build_services, prepare_database  # noqa: E402
from bot.channels.telegram import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.events import Event  # noqa: E402
from nlu.client import NluResult, NluStatus  # noqa: E402
from tests.fakes.bot_api import FakeBotApi, TelegramUser  # noqa: E402

NLU_LATENCY_S = 0.005
LATENCY_TURNS = 400
THROUGHPUT_UPDATES = 400
#: Interleaved rounds of (echo, ours) runs; the figure is the median of the rounds' ratios.
ROUNDS = 7
#: Updates in flight at once, the same for both bots: as many as the bot's default
#: CONCURRENT_UPDATES (each chat is still served in order; the updates come from 100 chats).
CONCURRENCY = 16
MEMORY_USERS = 10_000
TOKEN = "123456:BENCH-TOKEN"


class FixedLatencyNlu:
    """Rasa at a steady 5 ms, always unsure (the core then shows the menu)."""

    async def parse(self, text: str) -> NluResult:
        await asyncio.sleep(NLU_LATENCY_S)
        return NluResult(NluStatus.UNSURE, "out_of_scope", 0.2)


def _settings(folder: Path, api: FakeBotApi | None = None) -> Settings:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,
        database_url=f"sqlite:///{folder / 'bench.db'}",
        data_dir=ROOT / "data",
    )
    if api is not None:
        settings.telegram_api_base_url = api.base_url
    if hasattr(settings, "flood_max_events"):  # a benchmark is one very fast user, not a flood
        settings.flood_max_events = 10**9
    return settings


def _conversation(settings: Settings) -> Conversation:
    services = build_services(settings, nlu=FixedLatencyNlu())
    prepare_database(services.db, services.directory)
    return build_conversation(services)


async def _onboard(conversation: Conversation, user_id: int) -> None:
    for text in ("/start", "dansk", "Sønderborg", "ja"):
        await conversation.handle(Event.from_text(user_id, user_id, text, language_code="da"))


async def turn_latency(folder: Path) -> tuple[float, float]:
    conversation = _conversation(_settings(folder))
    await _onboard(conversation, 1)
    timings = []
    for index in range(LATENCY_TURNS + 20):
        event = Event.from_text(1, 1, f"hvad sker der i weekenden {index}", language_code="da")
        started = time.perf_counter()
        await conversation.handle(event)
        if index >= 20:  # warm-up
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


async def _feed(app: Application, updates: list[dict[str, Any]]) -> float:  # type: ignore[type-arg]
    """Updates per second through `process_update`, CONCURRENCY at a time."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)

    async def worker() -> None:
        while not queue.empty():
            await app.process_update(Update.de_json(queue.get_nowait(), app.bot))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(updates) / (time.perf_counter() - started)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


async def throughput_ratios(folder: Path) -> dict[str, float]:
    """Our updates/s over the echo bot's, per kind of update: the median of ROUNDS rounds."""
    api = await FakeBotApi().start()
    try:
        settings = _settings(folder, api)
        conversation = _conversation(settings)
        users = [TelegramUser(10_000 + n) for n in range(THROUGHPUT_UPDATES // 4)]
        for user in users:
            await _onboard(conversation, user.user_id)
        texts = [user.text(f"kan jeg hjælpe ældre {n}") for n in range(4) for user in users]
        workloads = {
            # Free text that the NLU is unsure of: the menu again (the chat does not move).
            "text": texts,
            # The menu button: what most updates of this bot are (no NLU; an edit of the message).
            "buttons": [user.callback("g:menu", 1) for _ in range(4) for user in users],
            # Settings and back: every press moves the chat, so every turn writes its state.
            "moves": [
                user.callback(data, 1) for data in ("g:go:settings", "g:menu") * 2 for user in users
            ],
        }
        ours = build_application(settings, conversation, rate_limiter=False)
        echo = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{api.base_url}/bot")
            .base_file_url(f"{api.base_url}/file/bot")
            .build()
        )
        echo.add_handler(MessageHandler(filters.TEXT, _echo))
        ratios: dict[str, list[float]] = {name: [] for name in workloads}
        async with ours, echo:
            await _feed(echo, texts)  # warm-up: connections, caches
            await _feed(ours, texts)
            for _ in range(ROUNDS):
                for name, updates in workloads.items():
                    # Back to back, so a moment of the machine doing something else hits one
                    # round's pair rather than one bot's whole figure.
                    echo_rate = await _feed(echo, texts)
                    ratios[name].append(await _feed(ours, updates) / echo_rate)
        print(f"ratios per round {ratios}", file=sys.stderr)
        return {name: statistics.median(values) for name, values in ratios.items()}
    finally:
        await api.stop()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


async def memory_with_users(folder: Path) -> float:
    conversation = _conversation(_settings(folder))
    # This phase measures memory, not time: skipping fsync only makes it finish sooner.
    engine = conversation.services.db.engine
    engine.dispose()
    event.listen(engine, "connect", _no_fsync)
    for user_id in range(1_000_000, 1_000_000 + MEMORY_USERS):
        await conversation.handle(Event.from_text(user_id, user_id, "/start", language_code="da"))
    return _rss_mb()


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / name for name in ("latency", "throughput", "memory")]
        for folder in folders:
            folder.mkdir()
        # Memory first: what the other phases leave on the heap is not the users' memory.
        rss = await memory_with_users(folders[2])
        p50, p99 = await turn_latency(folders[0])
        print(f"turn_p50_ms={p50:.2f}", flush=True)
        print(f"turn_p99_ms={p99:.2f}", flush=True)
        ratios = await throughput_ratios(folders[1])
        print(f"turn_throughput_ratio_vs_echo={ratios['text']:.2f}", flush=True)
        print(f"turn_throughput_ratio_vs_echo_buttons={ratios['buttons']:.2f}", flush=True)
        print(f"turn_throughput_ratio_vs_echo_moves={ratios['moves']:.2f}", flush=True)
        print(f"rss_mb_10k_users={rss:.0f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
