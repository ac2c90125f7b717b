"""The webhook workers serve the dashboard under /staff beside /telegram, /healthz, /metrics."""

from __future__ import annotations

import httpx
from telegram.ext import Application

from bot.core.services import Services
from bot.web.app import build_web_app
from bot.webhook.asgi import WebhookApp


async def test_staff_pages_and_the_webhook_routes_share_one_app(
    telegram_app: Application,  # type: ignore[type-arg]
    services: Services,
) -> None:
    app = WebhookApp(telegram_app, services, secret="s3cret", web=build_web_app(services))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        staff = await http.get("/staff/")
        assert staff.status_code == 401 and "Log ind" in staff.text
        assert (await http.get("/staff/static/style.css")).status_code == 200
        assert (await http.get("/metrics")).status_code == 200
        assert (await http.post("/telegram", content=b"{}")).status_code == 403  # no secret
        assert (await http.get("/nowhere")).status_code == 404
