"""`frivillig scheduler`: the one scheduler process beside several webhook workers.

APScheduler's job store must not be shared by two running schedulers, so with several workers none
of them runs one; this process does, and writes a heartbeat every 30 s that /healthz reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import build_services, prepare_database
from bot.config import Settings
from bot.webhook.heartbeat import SCHEDULER, beat_forever
from scheduler.jobs import register_jobs
from scheduler.setup import build_scheduler

log = logging.getLogger(__name__)


async def run_scheduler(settings: Settings) -> None:
    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory)
    scheduler = build_scheduler(services)
    register_jobs(scheduler)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    log.info("scheduler.started", extra={"jobs": len(scheduler.get_jobs())})
    heart = asyncio.create_task(
        beat_forever(services.db, SCHEDULER, services.clock, lambda: bool(scheduler.running))
    )
    try:
        await stop.wait()
    finally:
        heart.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heart
        scheduler.shutdown(wait=True)
        services.db.dispose()
        log.info("scheduler.stopped")
