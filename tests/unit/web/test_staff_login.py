"""From /staff in chat to the dashboard: the one-time link (chat and Telegram), and the Mini App
button, shown only over https as Telegram requires."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.web.app import build_web_app
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chat import ChatDriver, labels_of, text_of
from tests.fakes.telegram import TelegramDriver, texts
from tests.unit.web.seed import add_staff

LINK = re.compile(r"(http\S+/staff/login/[\w-]+)")


async def test_staff_get_a_login_link_in_chat_that_opens_the_dashboard(
    onboarded_chat: ChatDriver, services: Services
) -> None:
    add_staff(services, onboarded_chat.user_id)
    replies = await onboarded_chat.send("/staff")
    assert "Log ind i browseren" in labels_of(replies)
    assert "🖥 Åbn kontrolpanel" not in labels_of(replies)  # http: no Mini App
    replies = await onboarded_chat.press("Log ind i browseren")
    assert "kan bruges én gang inden for 10 minutter" in text_of(replies)
    [url] = LINK.findall(text_of(replies))
    assert url.startswith("http://127.0.0.1:8000/staff/login/")
    path = url.removeprefix("http://127.0.0.1:8000")
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as client:
        page = client.get(path)
        csrf = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert csrf is not None
        answer = client.post(path, data={"csrftoken": csrf.group(1)})
        assert "Overblik · Sønderborg Kommune" in answer.text
        # The link is spent.
        again = client.post(path, data={"csrftoken": csrf.group(1)})
        assert again.status_code == 403 and "Linket virker ikke" in again.text


async def test_citizens_get_no_login_link(onboarded_chat: ChatDriver) -> None:
    replies = await onboarded_chat.send("/staff")
    assert "Log ind i browseren" not in labels_of(replies)


async def test_over_https_telegram_shows_the_mini_app_button(
    telegram: TelegramDriver, services: Services, bot_api: FakeBotApi, conversation: Conversation
) -> None:
    services.settings.web_base_url = "https://staff.example.dk/"
    await telegram.onboard()
    add_staff(services, telegram.user.user_id)
    calls = await telegram.send("/staff")
    keyboard = [button for call in calls for row in call.keyboard for button in row]
    [mini_app] = [b for b in keyboard if b.get("text") == "🖥 Åbn kontrolpanel"]
    assert mini_app["web_app"] == {"url": "https://staff.example.dk/staff/app"}
    calls = await telegram.press("Log ind i browseren")
    assert "https://staff.example.dk/staff/login/" in texts(calls)
