"""The webhook as a bare ASGI app: POST /telegram, GET /healthz, GET /metrics, and /staff/….

With `internal_port` (production: `WEBHOOK_INTERNAL_PORT`) the server listens on two ports and
the app tells them apart by the port a request came in on: /telegram only on the public one,
/healthz and /metrics only on the internal one, so neither is reachable from the internet where
the worker listens on 0.0.0.0. Their SQL, and the update claim, run in a worker thread: a slow
query holds up that request, not every update of the process.

No web framework here: three routes do not need one, and uvicorn serves any ASGI callable. The
staff dashboard (a Starlette app, `bot.web.app`) is handed every request under /staff, so one
worker serves Telegram and the dashboard from one entry point.

POST /telegram checks Telegram's secret header, claims the update id in the database, hands the
update to the PTB Application and answers 200 once it has been handled (replies sent, state
saved). A worker killed before that never answers, so the update is delivered again and another
worker takes it over when the claim's lease has run out (`bot.webhook.dedupe`); meanwhile a
re-delivery is answered 503, and a re-delivery of a handled update 200 and dropped. Updates of
one chat are handled in arrival order inside this process (the Telegram channel's lock per chat);
across processes the core's row lock on the dialogue state serialises them (several workers need
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
from bot.webhook.dedupe import (
    KEEP_HOURS,
    LEASE_SECONDS,
    claim_update,
    finish_update,
    prune_processed,
    update_done,
)
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
        internal_port: int | None = None,
        lease_seconds: float = LEASE_SECONDS,
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
        self.internal_port = internal_port
        self.lease_seconds = lease_seconds
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
        routes = self._routes(scope)
        if (
            self.web is not None
            and self.path in routes
            and (path == "/staff" or path.startswith("/staff/"))
        ):
            # The dashboard is served where Telegram's updates are (the public port), never on
            # the internal port of /healthz and /metrics.
            await self.web(scope, receive, send)
        elif path not in routes:
            await _respond(send, 404, b"not found")
        elif path == self.path and method == "POST":
            await self._telegram(scope, receive, send)
        elif path == "/healthz" and method == "GET":
            status, health = await check_health(self.services)
            await _respond(send, status, json.dumps(health).encode(), "application/json")
        elif path == "/metrics" and method == "GET":
            try:
                metrics = await asyncio.to_thread(self.metrics.render, self.services.db)
            except Exception:
                log.warning("webhook.metrics_failed", exc_info=True)
                await _respond(send, 503, b"database unavailable")
                return
            await _respond(send, 200, metrics, "text/plain; version=0.0.4; charset=utf-8")
        elif path in (self.path, "/healthz", "/metrics"):
            await _respond(send, 405, b"method not allowed")
        else:
            await _respond(send, 404, b"not found")

    def _routes(self, scope: Scope) -> tuple[str, ...]:
        """The paths served on the port this request came in on."""
        if self.internal_port is None:
            return (self.path, "/healthz", "/metrics")
        server = scope.get("server") or (None, None)
        if server[1] == self.internal_port:
            return ("/healthz", "/metrics")
        return (self.path,)

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
        db = self.services.db
        try:
            mine = await asyncio.to_thread(claim_update, db, update_id, now, self.lease_seconds)
            done = False if mine else await asyncio.to_thread(update_done, db, update_id)
        except Exception:
            # Not acknowledged: Telegram delivers it again (to this worker or another).
            log.warning("webhook.claim_failed", extra={"update_id": update_id}, exc_info=True)
            await _respond(send, 503, b"database unavailable")
            return
        if not mine:
            self.metrics.duplicates.inc()
            log.info("webhook.duplicate", extra={"update_id": update_id, "done": done})
            # Handled: acknowledge. Still being handled elsewhere (or its worker died and the
            # lease has not run out): not yet, so it comes again.
            await _respond(send, 200 if done else 503, b"ok" if done else b"in progress")
            return
        kind = next((key for key in data if key != "update_id"), "other")
        self.metrics.count_update(kind)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:
            # Acknowledged all the same: Telegram would only send the same shape again.
            self.metrics.rejected.labels(reason="unreadable").inc()
            log.warning("webhook.unreadable", extra={"update_id": update_id}, exc_info=True)
            await self._finish(update_id)
            await _respond(send, 200, b"ok")
            return
        task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)
        if not await self._finish(update_id):
            await _respond(send, 503, b"database unavailable")
            return
        await _respond(send, 200, b"ok")
        self._maybe_prune()

    async def _finish(self, update_id: int) -> bool:
        try:
            now = self.services.clock()
            await asyncio.to_thread(finish_update, self.services.db, update_id, now)
        except Exception:
            # Handled but not marked: a re-delivery is handled again once the lease runs out.
            log.warning("webhook.finish_failed", extra={"update_id": update_id}, exc_info=True)
            return False
        return True

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
        task = asyncio.create_task(self._prune(), name="prune-processed")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _prune(self) -> None:
        older_than = self.services.clock() - timedelta(hours=KEEP_HOURS)
        try:
            await asyncio.to_thread(prune_processed, self.services.db, older_than)
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
