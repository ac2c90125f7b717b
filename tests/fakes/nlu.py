"""A fake NLU for tests: answers from a table, or plays dead. In-process (`FakeNlu.parse`, the
port the core calls) or, for processes of their own (tests/system), over HTTP in Rasa's wire
format (`FakeRasa`), so the workers' real `RasaNluClient` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from nlu.client import Entity, NluResult, NluStatus


@dataclass
class FakeNlu:
    answers: dict[str, NluResult] = field(default_factory=dict)
    down: bool = False
    calls: list[str] = field(default_factory=list)

    def understand(
        self, text: str, intent: str, *entities: Entity, confidence: float = 0.95
    ) -> None:
        self.answers[text] = NluResult(NluStatus.UNDERSTOOD, intent, confidence, tuple(entities))

    async def parse(self, text: str) -> NluResult:
        self.calls.append(text)
        if self.down:
            return NluResult(NluStatus.UNAVAILABLE, None, 0.0)
        return self.answers.get(text) or NluResult(NluStatus.UNSURE, "out_of_scope", 0.2)


def rasa_body(text: str, result: NluResult) -> dict[str, Any]:
    """`result` as Rasa's `POST /model/parse` answers it (intent, entities with their span)."""
    entities = []
    for entity in result.entities:
        start = text.find(entity.text)
        entities.append(
            {
                "entity": entity.name,
                "value": entity.value,
                "start": start,
                "end": start + len(entity.text) if start >= 0 else -1,
                "extractor": "fake",
            }
        )
    intent = {"name": result.intent, "confidence": result.confidence}
    return {"text": text, "intent": intent, "entities": entities, "intent_ranking": [intent]}


class FakeRasa:
    """`FakeNlu`'s table served as a Rasa NLU server on 127.0.0.1 (`GET /`, `POST
    /model/parse`); `down` answers 503."""

    def __init__(self, nlu: FakeNlu) -> None:
        self.nlu = nlu
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_get("/", self._hello)
        app.router.add_post("/model/parse", self._parse)
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
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _hello(self, _request: web.Request) -> web.Response:
        if self.nlu.down:
            return web.Response(status=503)
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def _parse(self, request: web.Request) -> web.Response:
        text = str((await request.json()).get("text", ""))
        result = await self.nlu.parse(text)
        if result.status is NluStatus.UNAVAILABLE:
            return web.Response(status=503)
        return web.json_response(rasa_body(text, result))
