"""A local fake of Telegram's Bot API: a real HTTP server on 127.0.0.1 that PTB talks to.

It records every request (method and parameters) so tests assert on what the bot sent, serves
`getUpdates` from a queue for long polling, serves files a test registered (`add_file`) through
`getFile` and the file download URL, and can be told to fail: 429 with `retry_after`, 403 for a
blocked user, 500, or a dropped connection, per chat or for the next N calls. With `rate_cap` it
holds the bot to Telegram's per-bot message rate, answering 429 above it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.delivery.budget import counts

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Frivillig",
    "username": "frivillig_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None
    #: When the request reached the handler (`time.monotonic`), before the simulated `latency`:
    #: `at` is after it, so a busy event loop's late wake-ups from that sleep move `at`.
    received: float | None = None

    @property
    def message_id(self) -> int | None:
        if isinstance(self.result, dict):
            return int(self.result["message_id"])
        return None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def keyboard(self) -> list[list[dict[str, str]]]:
        """The inline keyboard as Telegram received it: rows of button objects."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return []
        rows: list[list[dict[str, str]]] = markup.get("inline_keyboard", [])
        return rows

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        return [(b["text"], b.get("callback_data", "")) for row in self.keyboard for b in row]

    @property
    def parse_mode(self) -> str | None:
        """How Telegram was told to read the text ("HTML"), or None for plain text."""
        value = self.params.get("parse_mode")
        return str(value) if value is not None else None

    @property
    def edited_message_id(self) -> int | None:
        """The message an `editMessageText` changes (None for any other call)."""
        if self.method != "editMessageText" or self.params.get("message_id") is None:
            return None
        return int(self.params["message_id"])

    @property
    def alert(self) -> bool:
        """Whether an `answerCallbackQuery` shows its text as an alert the user must close
        (PTB sends the flag form-encoded, as "true")."""
        return self.params.get("show_alert") in (True, "true")

    @property
    def document_name(self) -> str | None:
        """The file name of a document uploaded with `sendDocument` (None if sent by file id)."""
        document = self.params.get("document")
        return str(document["filename"]) if isinstance(document, dict) else None

    @property
    def document_content(self) -> bytes | None:
        """The bytes of a document uploaded with `sendDocument` (None if sent by file id)."""
        document = self.params.get("document")
        return bytes(document["content"]) if isinstance(document, dict) else None

    @property
    def document_file_id(self) -> str | None:
        """The Telegram file id a `sendDocument` re-sends (None for an upload)."""
        document = self.params.get("document")
        return document if isinstance(document, str) else None

    @property
    def commands(self) -> list[dict[str, str]]:
        """The commands a `setMyCommands` registers: {"command", "description"} each (PTB
        sends them form-encoded as a JSON string)."""
        value = self.params.get("commands") or []
        commands: list[dict[str, str]] = json.loads(value) if isinstance(value, str) else value
        return commands


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    drop_connection: bool = False


class FakeBotApi:
    """`await FakeBotApi().start()`; point PTB at `base_url`; inspect `calls`."""

    def __init__(self, *, latency: float = 0.0, rate_cap: int | None = None) -> None:
        self.calls: list[Call] = []
        #: Telegram's per-bot limit: with a cap, a message (`bot.delivery.budget.counts`) beyond
        #: `rate_cap` in any one second is refused with 429 "retry after 1" and not recorded.
        self.rate_cap = rate_cap
        self.too_many = 0
        self._recent: deque[float] = deque()
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.latency = latency
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        #: numbers the updates and messages of the users made by `user()`
        self._user_ids = itertools.count(1)
        self._failures: list[Failure] = []  # for the next calls, in order
        self._chat_failures: dict[int, list[Failure]] = defaultdict(list)
        self.blocked_chats: set[int] = set()
        self.inflight = 0
        self.inflight_max = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        #: file_id → (file_path, content, the size getFile reports)
        self.files: dict[str, tuple[str, bytes, int]] = {}
        #: file paths the bot downloaded, in order
        self.downloads: list[str] = []

    # --- life cycle -----------------------------------------------------------------------------
    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        # PTB downloads from `{base_file_url}{token}/{file_path}` (base_file_url ends in /file/bot).
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests arrange ---------------------------------------------------------------------
    def fail_next(self, failure: Failure, times: int = 1) -> None:
        self._failures.extend([failure] * times)

    def fail_chat(self, chat_id: int, failure: Failure, times: int = 1) -> None:
        self._chat_failures[chat_id].extend([failure] * times)

    def add_file(
        self, file_id: str, content: bytes, *, file_size: int | None = None, name: str = "file"
    ) -> str:
        """A file a user sent, for `getFile` and the download; `file_size` is what `getFile`
        reports (the real size unless given). Returns its file path."""
        path = f"documents/{file_id}/{name}"
        self.files[file_id] = (path, content, len(content) if file_size is None else file_size)
        return path

    def user(self, user_id: int, **details: Any) -> TelegramUser:
        """A person writing to the bot through this API (`details` as for `TelegramUser`). All
        users of one API draw their update and message ids from one sequence, as Telegram
        numbers a bot's updates: two users in one test never share an update id (the webhook
        drops a repeated one) nor a message id in a group they share."""
        return TelegramUser(user_id, ids=self._user_ids, **details)

    def push_update(self, update: dict[str, Any]) -> int:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.put_nowait(update)
        return int(update["update_id"])

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Messages the bot sent or edited (optionally to one chat)."""
        methods = {method} if method else {"sendMessage", "editMessageText", "sendDocument"}
        return [
            c
            for c in self.calls
            if c.method in methods and (chat_id is None or c.chat_id == chat_id)
        ]

    def clear(self) -> None:
        self.calls.clear()

    # --- the server -----------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        if request.content_type.startswith("multipart/") or request.content_type.endswith(
            "x-www-form-urlencoded"
        ):
            form = await request.post()
            params: dict[str, Any] = {}
            for key, value in form.items():
                if hasattr(value, "file"):
                    params[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    params[key] = value
            return params
        return dict(request.query)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        method = request.match_info["method"]
        params = await self._params(request)
        self.inflight += 1
        self.inflight_max = max(self.inflight_max, self.inflight)
        try:
            if method == "getUpdates":
                return web.json_response({"ok": True, "result": await self._get_updates(params)})
            if self.latency:
                await asyncio.sleep(self.latency)
            if self._over_cap(method):
                self.too_many += 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            call = Call(method, params, received=received)
            self.calls.append(call)
            failure = self._failure_for(params)
            if failure is not None:
                if failure.drop_connection:
                    assert request.transport is not None
                    request.transport.close()
                    return web.Response(status=500)
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return web.json_response(body, status=failure.status)
            if method == "getFile" and str(params.get("file_id")) not in self.files:
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                    status=400,
                )
            call.result = self._result(method, params)
            return web.json_response({"ok": True, "result": call.result})
        finally:
            self.inflight -= 1

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["file_path"]
        for file_path, content, _ in self.files.values():
            if file_path == path:
                self.downloads.append(path)
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404, text="Not Found")

    def _over_cap(self, method: str) -> bool:
        if self.rate_cap is None or not counts(method):
            return False
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_cap:
            return True
        self._recent.append(now)
        return False

    def _failure_for(self, params: dict[str, Any]) -> Failure | None:
        chat = params.get("chat_id")
        if chat is not None:
            chat_id = int(chat)
            if chat_id in self.blocked_chats:
                return Failure(403, "Forbidden: bot was blocked by the user")
            if self._chat_failures.get(chat_id):
                return self._chat_failures[chat_id].pop(0)
        if self._failures:
            return self._failures.pop(0)
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = float(params.get("timeout") or 0)
        try:
            first = await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.01))
        except TimeoutError:
            return []
        batch = [first]
        while not self.updates.empty():
            batch.append(self.updates.get_nowait())
        return batch

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            file_id = str(params["file_id"])
            path, _, size = self.files[file_id]
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": size,
                "file_path": path,
            }
        if method in ("sendMessage", "sendDocument", "editMessageText"):
            chat_id = int(params.get("chat_id", 0))
            message_id = (
                int(params["message_id"])
                if method == "editMessageText"
                else next(self._message_ids)
            )
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            }
            if method == "sendDocument":
                doc = params.get("document")
                name = doc["filename"] if isinstance(doc, dict) else "file"
                message["document"] = {
                    "file_id": f"doc{message_id}",
                    "file_unique_id": f"u{message_id}",
                    "file_name": name,
                }
            else:
                message["text"] = params.get("text", "")
            return message
        return True


class TelegramUser:
    """A person writing to the bot, producing updates the way Telegram would: in their private
    chat, or, with `group`, in a group chat (Telegram's group ids are negative).

    Update and message ids come from `ids`: a sequence of this person's own unless given one
    (`FakeBotApi.user` gives every user of one API the same, so they never collide)."""

    def __init__(
        self,
        user_id: int,
        *,
        language_code: str | None = "da",
        first_name: str = "Test",
        group: int | None = None,
        group_type: str = "supergroup",
        ids: Iterator[int] | None = None,
    ):
        self._ids = ids if ids is not None else itertools.count(1)
        self.user_id = user_id
        self.language_code = language_code
        self.first_name = first_name
        self.group = group
        self.group_type = group_type

    def in_group(self, group: int, group_type: str = "supergroup") -> TelegramUser:
        """The same person writing in group chat `group` (their ids go on in one sequence)."""
        return TelegramUser(
            self.user_id,
            language_code=self.language_code,
            first_name=self.first_name,
            group=group,
            group_type=group_type,
            ids=self._ids,
        )

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat_id(self) -> int:
        return self.group if self.group is not None else self.user_id

    def _chat(self) -> dict[str, Any]:
        if self.group is not None:
            return {"id": self.group, "type": self.group_type, "title": "Foreningens bestyrelse"}
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    def message(self, **content: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        return {
            "update_id": 10_000 + message_id,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(),
                "from": self._user(),
                **content,
            },
        }

    def edit(self, update: dict[str, Any], **content: Any) -> dict[str, Any]:
        """The `edited_message` update Telegram sends when the user edits `update`'s message."""
        message = {**update["message"], **content, "edit_date": int(time.time())}
        return {"update_id": 20_000 + next(self._ids), "edited_message": message}

    def text(self, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.message(**content)

    def document(
        self,
        file_id: str,
        file_name: str,
        *,
        mime_type: str | None = "text/csv",
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """A file sent in the chat, as Telegram reports it (register its content with
        `FakeBotApi.add_file` for the bot to download it)."""
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": file_name,
        }
        if mime_type is not None:
            document["mime_type"] = mime_type
        if file_size is not None:
            document["file_size"] = file_size
        return self.message(document=document)

    def callback(self, data: str, message_id: int) -> dict[str, Any]:
        return {
            "update_id": 20_000 + next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self._user(),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat(),
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }
