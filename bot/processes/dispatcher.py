"""`frivillig dispatcher`: the dispatcher as its own process (several of them on PostgreSQL).

SIGTERM and Ctrl-C stop it gracefully (sends under way finish and are recorded); SIGKILL loses at
most the rows in flight, which another dispatcher takes back after the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram import api_urls
from bot.config import Settings
from bot.delivery.dispatcher import run_dispatcher
from bot.store.database import Database


def make_bot(settings: Settings, *, connections: int) -> Bot:
    token = settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    request = HTTPXRequest(connection_pool_size=connections, pool_timeout=30.0)
    if settings.telegram_api_base_url:
        base_url, file_url = api_urls(settings.telegram_api_base_url)
        return Bot(token, base_url=base_url, base_file_url=file_url, request=request)
    return Bot(token, request=request)


def _skip_sniffio_probe() -> None:
    """httpcore tries `import sniffio` on every request; it is not installed, and a failed import
    searches sys.path each time (about 0.3 ms a message). Mapping it to None makes the import
    fail at once, which httpcore already handles (it then assumes asyncio, which is right)."""
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


async def serve(settings: Settings, *, rate: float, concurrency: int, lease_seconds: float) -> None:
    db = Database(settings.database_url)
    bot = make_bot(settings, connections=concurrency + 2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(signum, stop.set)
    try:
        async with bot:
            await run_dispatcher(
                bot,
                db,
                rate=rate,
                stop_event=stop,
                concurrency=concurrency,
                lease_seconds=lease_seconds,
            )
    finally:
        db.dispose()


def main(settings: Settings, *, rate: float | None, concurrency: int, lease_seconds: float) -> int:
    _skip_sniffio_probe()
    asyncio.run(
        serve(
            settings,
            rate=rate or settings.broadcast_rate_per_second,
            concurrency=concurrency,
            lease_seconds=lease_seconds,
        )
    )
    return 0
