"""The NLU client against a fake Rasa (httpx.MockTransport): no network, no Rasa."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.directory import Directory
from nlu.client import Entity, NluResult, NluStatus, RasaNluClient
from nlu.fuzzy import Vocabulary

Handler = Callable[[httpx.Request], httpx.Response]

TOWNS = {"sonderborg": ("Sønderborg", "sonderborg"), "sønderborg": ("Sønderborg", "sonderborg")}


def resolve(text: str) -> tuple[str, str] | None:
    return TOWNS.get(text.lower())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeRasa:
    """Records every request and answers with the next canned handler (the last one repeats)."""

    def __init__(self, *handlers: Handler) -> None:
        self.handlers = list(handlers)
        self.requests: list[httpx.Request] = []
        self.last: Handler | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path != "/model/parse" and self.last is not None:
            return self.last(request)  # the health check sees the server as the parse did
        handler = self.handlers.pop(0) if len(self.handlers) > 1 else self.handlers[0]
        self.last = handler
        return handler(request)

    @property
    def calls(self) -> int:
        """Parse requests (a 5xx also makes the client check `GET /`, not counted here)."""
        return len([r for r in self.requests if r.url.path == "/model/parse"])


def parse_answer(
    intent: str,
    confidence: float,
    entities: list[dict[str, Any]] | None = None,
    ranking: list[tuple[str, float]] | None = None,
) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        return httpx.Response(
            200,
            json={
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": entities or [],
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or []],
            },
        )

    return handler


def status(code: int) -> Handler:
    return lambda request: httpx.Response(code, text="boom")


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("too slow", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def entity(name: str, value: str, text: str, phrase: str) -> dict[str, Any]:
    start = phrase.index(text)
    return {"entity": name, "value": value, "start": start, "end": start + len(text)}


def make_client(rasa: FakeRasa, clock: FakeClock | None = None, **kwargs: Any) -> RasaNluClient:
    return RasaNluClient(
        "http://rasa.test",
        transport=httpx.MockTransport(rasa),
        resolve_place=resolve,
        clock=clock or FakeClock(),
        **kwargs,
    )


async def test_understood_intent_with_canonical_entities() -> None:
    text = "jeg vil gerne hjælpe aeldre i weekenden i Sønderborg"
    rasa = FakeRasa(
        parse_answer(
            "find_opportunity",
            0.93,
            [
                entity("area", "elderly", "aeldre", text),
                entity("availability", "weekend", "weekenden", text),
                entity("location", "Sønderborg", "Sønderborg", text),
            ],
        )
    )
    client = make_client(rasa)

    result = await client.parse(text)

    assert result.status is NluStatus.UNDERSTOOD
    assert result.intent == "find_opportunity"
    assert result.confidence == pytest.approx(0.93)
    assert result.values("area") == ["elderly"]
    assert result.values("availability") == ["weekend"]
    assert result.entities[0] == Entity("area", "elderly", "aeldre")
    assert result.entities[2].town == "Sønderborg"
    assert result.entities[2].municipality == "sonderborg"
    assert rasa.requests[0].url.path == "/model/parse"
    assert json.loads(rasa.requests[0].content) == {"text": text}
    await client.aclose()


async def test_low_confidence_is_unsure_with_the_guess() -> None:
    client = make_client(FakeRasa(parse_answer("grant_faq", 0.41)), threshold=0.6)

    result = await client.parse("fristen?")

    assert (result.status, result.intent) == (NluStatus.UNSURE, "grant_faq")
    assert result.confidence == pytest.approx(0.41)


async def test_nlu_fallback_is_unsure_with_best_real_intent() -> None:
    rasa = FakeRasa(
        parse_answer(
            "nlu_fallback",
            0.4,
            ranking=[("nlu_fallback", 0.4), ("meeting_signup", 0.35), ("meeting_info", 0.33)],
        )
    )
    result = await make_client(rasa).parse("mødet?")

    assert result.status is NluStatus.UNSURE
    assert result.intent == "meeting_signup"
    assert result.confidence == pytest.approx(0.35)


async def test_amount_is_normalised_to_whole_kroner() -> None:
    text = "vi vil søge 12.000 kr til en udflugt og 12.500,50 kr. til bus"
    rasa = FakeRasa(
        parse_answer(
            "apply_grant",
            0.9,
            [
                entity("amount", "12.000 kr", "12.000 kr", text),
                entity("amount", "12.500,50 kr", "12.500,50 kr", text),
                entity("amount", "10k", "10k", "10k"),
            ],
        )
    )
    result = await make_client(rasa).parse(text)

    assert [e.amount for e in result.entities] == [12000, 12500, 10000]
    assert result.entities[0].text == "12.000 kr"


async def test_place_is_resolved_through_the_resolver_but_kept_as_written() -> None:
    text = "frivillig i Sonderborg eller Atlantis"
    rasa = FakeRasa(
        parse_answer(
            "find_opportunity",
            0.9,
            [
                entity("location", "Sonderborg", "Sonderborg", text),
                entity("location", "Atlantis", "Atlantis", text),
            ],
        )
    )
    result = await make_client(rasa).parse(text)

    sonderborg, atlantis = result.entities
    assert (sonderborg.value, sonderborg.town, sonderborg.municipality) == (
        "Sonderborg",
        "Sønderborg",
        "sonderborg",
    )
    assert (atlantis.value, atlantis.town, atlantis.municipality) == ("Atlantis", None, None)


async def test_entities_outside_the_contract_are_dropped() -> None:
    text = "hjælp børn med lektier, noget med katte, søg mange penge"
    rasa = FakeRasa(
        parse_answer(
            "find_opportunity",
            0.9,
            [
                entity("area", "children", "børn", text),
                entity("area", "katte", "katte", text),  # not a canonical area
                entity("pet", "cat", "katte", text),  # unknown entity
                entity("amount", "mange penge", "mange penge", text),  # not an amount
                entity("activity", "tutoring", "lektier", text),
                entity("activity", "tutoring", "lektier", text),  # same span twice
            ],
        )
    )
    result = await make_client(rasa).parse(text)

    assert [(e.name, e.value) for e in result.entities] == [
        ("area", "children"),
        ("activity", "tutoring"),
    ]


async def test_unknown_intent_is_not_understood() -> None:
    rasa = FakeRasa(
        parse_answer("order_pizza", 0.99, ranking=[("order_pizza", 0.99), ("help", 0.01)])
    )

    result = await make_client(rasa).parse("pizza")

    assert result.status is NluStatus.UNSURE
    assert result.intent == "help"


async def test_long_text_is_truncated_before_sending() -> None:
    rasa = FakeRasa(parse_answer("help", 0.9))

    await make_client(rasa).parse("hjælp " * 1000)

    assert len(json.loads(rasa.requests[0].content)["text"]) == 1000


async def test_blank_text_never_reaches_rasa() -> None:
    rasa = FakeRasa(parse_answer("help", 0.9))

    result = await make_client(rasa).parse("   ")

    assert result.status is NluStatus.UNSURE
    assert rasa.calls == 0


@pytest.mark.parametrize(
    "handler",
    [
        timeout,
        refused,
        status(500),
        status(503),
        lambda request: httpx.Response(200, text="<html>not json</html>"),
        lambda request: httpx.Response(200, json={"text": "x", "intent": "greet"}),
        lambda request: httpx.Response(200, json=["not", "a", "parse"]),
    ],
    ids=["timeout", "connect-error", "500", "503", "not-json", "bad-intent", "not-an-object"],
)
async def test_failures_are_unavailable_never_exceptions(handler: Handler) -> None:
    result = await make_client(FakeRasa(handler)).parse("hej")

    assert result == NluResult(NluStatus.UNAVAILABLE, None, 0.0)


async def test_breaker_opens_after_consecutive_failures_and_stops_calling() -> None:
    rasa = FakeRasa(status(500))
    clock = FakeClock()
    client = make_client(rasa, clock, failure_threshold=3, reset_after=30.0)

    for _ in range(3):
        assert (await client.parse("hej")).status is NluStatus.UNAVAILABLE
    assert rasa.calls == 3

    clock.now += 29.0
    for _ in range(5):
        assert (await client.parse("hej")).status is NluStatus.UNAVAILABLE
    assert rasa.calls == 3  # open: no network call at all


async def test_success_resets_the_failure_count() -> None:
    rasa = FakeRasa(status(500), status(500), parse_answer("greet", 0.9), status(500), status(500))
    client = make_client(rasa, failure_threshold=3)

    for _ in range(5):
        await client.parse("hej")
    await client.parse("hej")  # the last handler repeats: a 500, the 3rd failure in a row

    assert rasa.calls == 6
    await client.parse("hej")
    assert rasa.calls == 6  # now open


async def test_half_open_trial_success_closes_the_breaker() -> None:
    rasa = FakeRasa(status(500), status(500), parse_answer("greet", 0.95))
    clock = FakeClock()
    client = make_client(rasa, clock, failure_threshold=2, reset_after=30.0)
    await client.parse("hej")
    await client.parse("hej")
    assert (await client.parse("hej")).status is NluStatus.UNAVAILABLE
    assert rasa.calls == 2

    clock.now += 30.0
    trial = await client.parse("hej")

    assert trial.status is NluStatus.UNDERSTOOD
    assert rasa.calls == 3
    assert (await client.parse("hej")).intent == "greet"
    assert rasa.calls == 4  # closed again: every message goes to Rasa


async def test_half_open_trial_failure_reopens_for_a_full_period() -> None:
    rasa = FakeRasa(refused)
    clock = FakeClock()
    client = make_client(rasa, clock, failure_threshold=1, reset_after=30.0)
    await client.parse("hej")
    assert rasa.calls == 1

    clock.now += 31.0
    assert (await client.parse("hej")).status is NluStatus.UNAVAILABLE
    assert rasa.calls == 2  # the trial call

    clock.now += 29.0
    await client.parse("hej")
    assert rasa.calls == 2  # reopened at the trial, so still waiting


async def test_client_error_does_not_open_the_breaker() -> None:
    rasa = FakeRasa(status(413))
    client = make_client(rasa, failure_threshold=1)

    assert (await client.parse("hej")).status is NluStatus.UNSURE  # "not understood", not "down"
    await client.parse("hej")

    assert rasa.calls == 2


def by_path(parse: Handler, root: Handler) -> Handler:
    """`POST /model/parse` answered by `parse`, the health check `GET /` by `root`."""
    return lambda request: parse(request) if request.url.path == "/model/parse" else root(request)


HEALTHY = status(200)


async def test_a_5xx_for_one_text_while_the_server_is_healthy_does_not_count() -> None:
    def choke_on_odd_text(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["text"] == "\u0000odd":
            return httpx.Response(500, text="tokenizer crashed")
        return parse_answer("greet", 0.95)(request)

    rasa = FakeRasa(by_path(choke_on_odd_text, HEALTHY))
    client = make_client(rasa, failure_threshold=2)

    for _ in range(5):  # one user repeating an odd message
        assert (await client.parse("\u0000odd")).status is NluStatus.UNSURE

    assert (await client.parse("hej")).intent == "greet"  # everyone else is still understood


async def test_a_5xx_while_the_server_is_unhealthy_counts_towards_the_breaker() -> None:
    rasa = FakeRasa(by_path(status(503), status(503)))
    client = make_client(rasa, failure_threshold=2)

    for _ in range(2):
        assert (await client.parse("hej")).status is NluStatus.UNAVAILABLE
    await client.parse("hej")

    assert rasa.calls == 2  # open: a dead server costs nobody a timeout


async def test_4xx_for_many_texts_never_opens_the_breaker() -> None:
    rasa = FakeRasa(by_path(status(400), HEALTHY))
    client = make_client(rasa, failure_threshold=1)

    for _ in range(10):
        assert (await client.parse("hej")).status is NluStatus.UNSURE

    assert rasa.calls == 10  # every message still reaches Rasa


@pytest.mark.parametrize("text", ["   ", "\n\t", "\u200b", "\u3164", "\u2800 \u200d"])
async def test_invisible_text_never_reaches_rasa(text: str) -> None:
    rasa = FakeRasa(parse_answer("help", 0.9))

    assert (await make_client(rasa).parse(text)).status is NluStatus.UNSURE
    assert rasa.calls == 0


async def test_healthy_reflects_the_server() -> None:
    up = make_client(FakeRasa(lambda request: httpx.Response(200, text="Hello from Rasa: 3.6.21")))
    down = make_client(FakeRasa(refused))

    assert await up.healthy() is True
    assert await down.healthy() is False


def test_values_are_deduplicated_in_order() -> None:
    result = NluResult(
        NluStatus.UNDERSTOOD,
        "find_opportunity",
        0.9,
        (
            Entity("area", "elderly", "ældre"),
            Entity("area", "children", "børn"),
            Entity("area", "elderly", "seniorer"),
            Entity("activity", "visiting", "besøgsven"),
        ),
    )

    assert result.values("area") == ["elderly", "children"]
    assert result.values("location") == []


async def test_cancelled_trial_does_not_keep_the_breaker_open() -> None:
    calls: list[int] = []

    async def slow_then_ok(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/model/parse":  # the health check after the first 500: down
            return httpx.Response(503)
        calls.append(1)
        if len(calls) == 2:  # the half-open trial hangs and is cancelled by the caller
            await asyncio.sleep(60)
        if len(calls) == 1:
            return httpx.Response(500)
        return httpx.Response(200, json={"intent": {"name": "greet", "confidence": 0.9}})

    clock = FakeClock()
    client = RasaNluClient(
        "http://rasa.test",
        transport=httpx.MockTransport(slow_then_ok),
        clock=clock,
        failure_threshold=1,
        reset_after=10.0,
    )
    await client.parse("hej")  # opens
    clock.now += 10.0
    trial = asyncio.create_task(client.parse("hej"))
    await asyncio.sleep(0.01)
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial

    assert (await client.parse("hej")).status is NluStatus.UNDERSTOOD
    assert len(calls) == 3


async def test_typos_in_a_search_keep_area_time_and_town() -> None:
    """Issue 12 §3: Rasa tags »ældere« but cannot map it, and misses »weeknden« and »Sønderbrog«;
    with the vocabulary the client still hands the search all three (town resolved too)."""
    directory = Directory.load(PROJECT_ROOT / "data")
    text = "jeg vil gærne hjælpe ældere i weeknden i Sønderbrog"
    rasa = FakeRasa(
        parse_answer("find_opportunity", 0.91, [entity("area", "ældere", "ældere", text)])
    )
    client = RasaNluClient(
        "http://rasa.test",
        transport=httpx.MockTransport(rasa),
        resolve_place=directory.closest_place,
        vocabulary=Vocabulary.load(places=directory.place_names()),
    )

    result = await client.parse(text)

    assert result.status is NluStatus.UNDERSTOOD
    assert result.values("area") == ["elderly"]
    assert result.values("availability") == ["weekend"]
    place = next(e for e in result.entities if e.name == "location")
    assert (place.text, place.town, place.municipality) == (
        "Sønderbrog",
        "Sønderborg",
        "sonderborg",
    )
    await client.aclose()


async def test_without_a_vocabulary_a_typo_is_dropped_as_before() -> None:
    text = "jeg vil gærne hjælpe ældere"
    rasa = FakeRasa(
        parse_answer("find_opportunity", 0.91, [entity("area", "ældere", "ældere", text)])
    )
    client = make_client(rasa)

    result = await client.parse(text)

    assert result.entities == ()
    await client.aclose()


def test_the_client_knows_every_intent_the_model_is_trained_on() -> None:
    """An intent in `nlu/domain.yml` that the client does not know is treated as »unsure«: the
    bot would never act on it (company_register was missed this way)."""
    import yaml

    from bot.config import PROJECT_ROOT
    from nlu.client import INTENTS

    domain = yaml.safe_load((PROJECT_ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))
    trained = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert trained - {"nlu_fallback"} <= INTENTS, sorted(trained - INTENTS)
