"""Serving the dashboard: alone (`frivillig web`) or as a task beside the bot (`frivillig run`,
`frivillig chat`), on `WEB_LISTEN`:`WEB_PORT` with uvicorn, sharing the bot's `Services`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

from bot.core.services import Services
from bot.web.app import build_web_app

log = logging.getLogger(__name__)


class _BesideTheBot(uvicorn.Server):
    """A server that leaves the signals to the bot it runs beside (the bot stops it)."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


def build_server(
    services: Services, server: type[uvicorn.Server] = uvicorn.Server
) -> uvicorn.Server:
    settings = services.settings
    config = uvicorn.Config(
        build_web_app(services),
        host=settings.web_listen,
        port=settings.web_port,
        lifespan="off",
        log_config=None,  # our structured logging
        access_log=False,
        proxy_headers=True,
    )
    return server(config)


async def serve_until(services: Services, stop: asyncio.Event) -> None:
    """Serve until `stop` is set; a taken port is logged and the bot goes on without the web."""
    server = build_server(services, _BesideTheBot)
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    waiter.cancel()
    try:
        await task
    except (SystemExit, OSError):
        log.warning("web.not_started", extra={"port": services.settings.web_port})


def web_task(services: Services) -> Callable[[Any], Awaitable[None]]:
    """The dashboard as a background task of the Telegram application (`build_application(...,
    background=[web_task(services)])`); it stops when the application stops."""

    async def web(application: Any) -> None:
        stop = asyncio.Event()

        async def watch() -> None:
            while not application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            while application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            stop.set()

        watcher = asyncio.create_task(watch())
        try:
            await serve_until(services, stop)
        finally:
            watcher.cancel()

    return web


def run_web(services: Services) -> None:
    """`frivillig web`: the dashboard alone until SIGINT/SIGTERM."""
    build_server(services).run()
