"""The webhook as a bare ASGI app: POST /telegram, GET /healthz, GET /metrics, and /staff/….

No web framework here: three routes do not need one, and uvicorn serves any ASGI callable. The
staff dashboard (a Starlette app, `bot.web.app`) is handed every request under /staff, so one
worker serves Telegram and the dashboard from one entry point.

POST /telegram answers within milliseconds: it checks Telegram's secret header, claims the update
id in the database (a re-delivered update is acknowledged and dropped, whichever worker took it
first), and hands the update to the PTB Application in a background task. Updates of one chat are
handled in arrival order inside this process (the Telegram channel's lock per chat); across
processes the core's row lock on the dialogue state serialises them (several workers need
PostgreSQL).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.services import Services
from bot.webhook.dedupe import KEEP_HOURS, claim_update, prune_processed
from bot.webhook.health import check_health
from bot.webhook.metrics import Metrics

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]

SECRET_HEADER = b"x-telegram-bot-api-secret-token"
#: Telegram's updates are a few kB; anything much larger is not from Telegram.
MAX_BODY_BYTES = 1024 * 1024
PRUNE_EVERY_SECONDS = 3600.0


class WebhookApp:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        services: Services,
        *,
        secret: str,
        metrics: Metrics | None = None,
        path: str = "/telegram",
        on_startup: Hook | None = None,
        on_shutdown: Hook | None = None,
        web: Any = None,
    ) -> None:
        if not secret:
            raise ValueError("the webhook needs a secret token")
        self.application = application
        self.services = services
        self.secret = secret.encode()
        self.metrics = metrics or Metrics()
        self.path = path
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown
        #: The staff dashboard (an ASGI app, `bot.web.app`): every /staff request goes to it.
        self.web = web
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_prune = 0.0

    # --- ASGI -----------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if self.web is not None and (path == "/staff" or path.startswith("/staff/")):
            await self.web(scope, receive, send)
        elif path == self.path and method == "POST":
            await self._telegram(scope, receive, send)
        elif path == "/healthz" and method == "GET":
            status, health = await check_health(self.services)
            await _respond(send, status, json.dumps(health).encode(), "application/json")
        elif path == "/metrics" and method == "GET":
            metrics = self.metrics.render(self.services.db)
            await _respond(send, 200, metrics, "text/plain; version=0.0.4; charset=utf-8")
        elif path in (self.path, "/healthz", "/metrics"):
            await _respond(send, 405, b"method not allowed")
        else:
            await _respond(send, 404, b"not found")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self.on_startup is not None:
                        await self.on_startup()
                except Exception as error:
                    log.exception("webhook.startup_failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.drain()
                if self.on_shutdown is not None:
                    await self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- POST /telegram -------------------------------------------------------------------------
    async def _telegram(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        given = headers.get(SECRET_HEADER, b"")
        if not hmac.compare_digest(given, self.secret):
            self.metrics.rejected.labels(reason="secret").inc()
            log.warning("webhook.bad_secret")
            await _respond(send, 403, b"forbidden")
            return
        body = await _read_body(receive)
        if body is None:
            self.metrics.rejected.labels(reason="too_large").inc()
            await _respond(send, 413, b"too large")
            return
        try:
            data = json.loads(body)
            update_id = int(data["update_id"])
        except (ValueError, TypeError, KeyError):
            self.metrics.rejected.labels(reason="malformed").inc()
            await _respond(send, 400, b"not a Telegram update")
            return
        now = self.services.clock()
        if not claim_update(self.services.db, update_id, now):
            self.metrics.duplicates.inc()
            log.info("webhook.duplicate", extra={"update_id": update_id})
            await _respond(send, 200, b"ok")
            return
        kind = next((key for key in data if key != "update_id"), "other")
        self.metrics.count_update(kind)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:
            # Acknowledged all the same: Telegram would only send the same shape again.
            self.metrics.rejected.labels(reason="unreadable").inc()
            log.warning("webhook.unreadable", extra={"update_id": update_id}, exc_info=True)
            await _respond(send, 200, b"ok")
            return
        task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await _respond(send, 200, b"ok")
        self._maybe_prune()

    async def _handle(self, update: Update) -> None:
        # Updates of one chat keep their order inside the Telegram channel (its ChatLocks); with
        # several workers on PostgreSQL the core's row lock on the dialogue state does the same.
        started = time.perf_counter()
        try:
            await self.application.process_update(update)
        except Exception:
            log.exception("webhook.update_failed", extra={"update_id": update.update_id})
        finally:
            self.metrics.turn_seconds.observe(time.perf_counter() - started)

    def _maybe_prune(self) -> None:
        moment = time.monotonic()
        if moment - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = moment
        try:
            prune_processed(self.services.db, self.services.clock() - timedelta(hours=KEEP_HOURS))
        except Exception:
            log.warning("webhook.prune_failed", exc_info=True)

    async def drain(self) -> None:
        """Wait until every accepted update has been handled (tests; graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
