"""`frivillig run --webhook`: the bot as an HTTPS webhook behind a load balancer, served by uvicorn.

Run as many of these as needed (one per container or host); they share the database. Each one
calls setWebhook at start-up (idempotent: the same URL and secret), so any of them may be first.
The scheduler runs in exactly one other process (`frivillig scheduler`).
"""

from __future__ import annotations

import asyncio
import logging
import socket

import uvicorn

from bot.app import build_conversation, build_services, prepare_database
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    build_application,
    register_commands,
    remember_bot_username,
)
from bot.config import Settings
from bot.delivery.dispatcher import run_dispatcher
from bot.web.app import build_web_app
from bot.webhook.asgi import WebhookApp
from bot.webhook.metrics import CountingNlu, Metrics

log = logging.getLogger(__name__)


class WebhookConfigError(ValueError):
    """A setting webhook mode needs is missing; the message names it."""


def check_settings(settings: Settings) -> tuple[str, str, str]:
    """(token, public URL, secret), or the error naming what is missing."""
    missing = [
        name
        for name, value in (
            ("TELEGRAM_BOT_TOKEN", settings.token),
            ("WEBHOOK_URL", settings.webhook_url),
            ("TELEGRAM_WEBHOOK_SECRET", settings.telegram_webhook_secret),
        )
        if not value
    ]
    if missing:
        raise WebhookConfigError(f"webhook mode needs {', '.join(missing)}")
    assert settings.token and settings.webhook_url and settings.telegram_webhook_secret
    return settings.token, settings.webhook_url, settings.telegram_webhook_secret.get_secret_value()


def build_webhook_app(settings: Settings) -> WebhookApp:
    """The ASGI app with everything wired: services, conversation, PTB Application, metrics."""
    _, url, secret = check_settings(settings)
    metrics = Metrics()
    services = build_services(settings)
    if services.nlu is not None:
        services.nlu = CountingNlu(services.nlu, metrics)
    prepare_database(services.db, services.directory)
    conversation = build_conversation(services)
    application = build_application(settings, conversation)
    # Each worker sends from the outbox too: on PostgreSQL they share it (FOR UPDATE SKIP LOCKED).
    stop_dispatcher = asyncio.Event()
    dispatcher: asyncio.Task[None] | None = None

    async def startup() -> None:
        nonlocal dispatcher
        await application.initialize()
        remember_bot_username(application, conversation)
        await register_commands(application)
        dispatcher = asyncio.create_task(
            run_dispatcher(
                application.bot,
                services.db,
                rate=settings.broadcast_rate_per_second,
                stop_event=stop_dispatcher,
                budget=services.budget,
            )
        )
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=40
        )
        log.info("webhook.ready", extra={"port": settings.webhook_port})

    async def shutdown() -> None:
        # The webhook stays set: the other workers keep serving it.
        stop_dispatcher.set()
        if dispatcher is not None:
            await dispatcher
        await application.shutdown()
        close = getattr(services.nlu, "aclose", None)
        if close is not None:
            await close()
        services.db.dispose()

    return WebhookApp(
        application,
        services,
        secret=secret,
        metrics=metrics,
        on_startup=startup,
        on_shutdown=shutdown,
        web=build_web_app(services),
    )


def listening_sockets(settings: Settings) -> list[socket.socket]:
    """The public socket (WEBHOOK_LISTEN:WEBHOOK_PORT, /telegram) and the internal one
    (WEBHOOK_INTERNAL_LISTEN:WEBHOOK_INTERNAL_PORT, /healthz and /metrics). Raises OSError when
    a port is taken, and WebhookConfigError when both are the same port."""
    if settings.webhook_port == settings.webhook_internal_port:
        raise WebhookConfigError("WEBHOOK_INTERNAL_PORT must differ from WEBHOOK_PORT")
    return [
        socket.create_server((settings.webhook_listen, settings.webhook_port)),
        socket.create_server((settings.webhook_internal_listen, settings.webhook_internal_port)),
    ]


def run_webhook(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn handles both and shuts down gracefully)."""
    app = build_webhook_app(settings)
    sockets = listening_sockets(settings)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,  # keep our structured logging
        access_log=False,  # each update is logged by the core, by id
        proxy_headers=True,
    )
    uvicorn.Server(config).run(sockets=sockets)
