"""The bot's Bot API client (aiohttp under PTB's `BaseRequest`): what PTB's own client did, the
same on the wire and in its errors. Through a real PTB `Bot` against the fake Bot API."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.channels.telegram_http import AiohttpRequest
from tests.fakes.bot_api import Failure, FakeBotApi

TOKEN = "123456:HTTP-TEST"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


def _bot(base: str, request: AiohttpRequest | None = None) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request or AiohttpRequest(),
    )


async def test_a_message_with_keyboard_arrives_as_sent(api: FakeBotApi) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Jeg kommer", callback_data="g:rsvp:1")]])
    async with _bot(api.base_url) as bot:
        message = await bot.send_message(42, "Hej «Ålborg» & co", reply_markup=markup)
    [call] = api.sent(42, "sendMessage")
    assert call.text == "Hej «Ålborg» & co"
    assert call.buttons == [("Jeg kommer", "g:rsvp:1")]
    assert message.message_id == call.message_id


async def test_an_upload_arrives_with_its_name_and_bytes(api: FakeBotApi) -> None:
    content = "Kvittering æøå\n".encode() * 1000
    async with _bot(api.base_url) as bot:
        await bot.send_document(7, InputFile(content, filename="kvittering.pdf"), caption="Tak")
    [call] = api.sent(7, "sendDocument")
    assert call.document_name == "kvittering.pdf"
    assert call.document_content == content
    assert call.params.get("caption") == "Tak"


async def test_a_file_users_sent_downloads(api: FakeBotApi) -> None:
    api.add_file("file-1", b"navn;email\nAnna;a@example.org\n", name="liste.csv")
    async with _bot(api.base_url) as bot:
        file = await bot.get_file("file-1")
        data = await file.download_as_bytearray()
    assert bytes(data) == b"navn;email\nAnna;a@example.org\n"


async def test_a_refusal_is_ptbs_error(api: FakeBotApi) -> None:
    async with _bot(api.base_url) as bot:
        api.fail_next(Failure(400, "Bad Request: message is not modified"))
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("x", chat_id=1, message_id=1)


async def test_no_answer_within_the_read_timeout_is_timed_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        request = AiohttpRequest(read_timeout=0.2)
        await request.initialize()
        try:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
        finally:
            await request.shutdown()
    finally:
        await runner.cleanup()


async def test_nothing_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
