"""The bot's client for the Rasa NLU service: the only code that knows Rasa's wire format.

It turns ``POST /model/parse`` answers into :class:`NluResult` values that use the NLU contract
of DESIGN.md (20 intents; ``area``/``availability``/``activity`` with canonical values, ``location``
and ``amount`` as written) and never raises for network, HTTP or JSON trouble: the conversation core
gets ``UNAVAILABLE`` and falls back to buttons and commands.

A circuit breaker keeps a dead Rasa from costing every message a full timeout: after
``failure_threshold`` consecutive failures the client stops calling Rasa for ``reset_after``
seconds, then lets one trial call through (half-open); a success closes the breaker again.
Only failures of the server count: an error that one message causes (a 4xx, or a 5xx for that text
while ``GET /`` answers fine) is that message's "not understood", so one user's odd input never
switches free text off for everyone.
"""

from __future__ import annotations

import enum
import logging
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from bot.validation.amounts import Ambiguous, read_amount
from bot.validation.errors import InvalidInput
from nlu.fuzzy import Vocabulary

__all__ = [
    "ACTIVITIES",
    "AREAS",
    "AVAILABILITIES",
    "INTENTS",
    "Entity",
    "NluResult",
    "NluStatus",
    "PlaceResolver",
    "RasaNluClient",
    "is_blank",
]

log = logging.getLogger(__name__)

INTENTS: Final = frozenset(
    {
        "greet", "goodbye", "thanks", "help", "affirm", "deny", "cancel", "bot_challenge",
        "out_of_scope", "find_opportunity", "volunteer_faq", "apply_grant", "grant_faq",
        "grant_status", "meeting_info", "meeting_signup", "human_handoff", "change_language",
        "privacy", "award_nomination", "consultation_answer", "company_register",
    }
)  # fmt: skip
AREAS: Final = frozenset(
    {
        "elderly", "children", "youth", "families", "disability", "mental_health", "homelessness",
        "refugees", "health", "addiction", "loneliness",
    }
)  # fmt: skip
AVAILABILITIES: Final = frozenset(
    {"weekday", "weekend", "daytime", "evening", "one_off", "regular"}
)
ACTIVITIES: Final = frozenset(
    {
        "visiting", "driving", "cooking", "tutoring", "it_help", "walking", "counselling", "events",
        "shopping",
    }
)  # fmt: skip
# Entities whose value must be one of a closed set; "location" and "amount" are free text.
_CANONICAL: Final[Mapping[str, frozenset[str]]] = {
    "area": AREAS,
    "availability": AVAILABILITIES,
    "activity": ACTIVITIES,
}
_FREE_TEXT: Final = frozenset({"location", "amount"})
_FALLBACK_INTENT: Final = "nlu_fallback"  # what Rasa's FallbackClassifier answers when unsure
# Telegram allows 4096 characters; nobody states an intent in more than a few sentences, and long
# texts only make Rasa slower (character n-grams).
MAX_TEXT_CHARS: Final = 1000


class NluStatus(enum.Enum):
    """How far the bot can trust a result."""

    UNDERSTOOD = "understood"
    UNSURE = "unsure"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Entity:
    """One entity of the contract, already normalised."""

    name: str  # "area", "availability", "activity", "location", "amount"
    value: str  # canonical value (after synonym mapping) or the text as written
    text: str  # the surface text
    amount: int | None = None  # for "amount": whole kroner, e.g. 12000
    town: str | None = None  # for "location": canonical town name if known
    municipality: str | None = None  # for "location": municipality slug if known


@dataclass(frozen=True)
class NluResult:
    """What the NLU made of one message."""

    status: NluStatus
    intent: str | None  # None when UNAVAILABLE; the best guess when UNSURE
    confidence: float
    entities: tuple[Entity, ...] = ()

    def values(self, name: str) -> list[str]:
        """Canonical values of one entity kind, de-duplicated, in the order they were written."""
        return list(dict.fromkeys(e.value for e in self.entities if e.name == name))


# text -> (canonical town, municipality slug), or None when the place is not one of ours.
PlaceResolver = Callable[[str], tuple[str, str] | None]

_UNAVAILABLE: Final = NluResult(NluStatus.UNAVAILABLE, None, 0.0)
#: What a message that Rasa cannot parse gets: "not understood", not "NLU is down".
_NOT_UNDERSTOOD: Final = NluResult(NluStatus.UNSURE, None, 0.0)
# Characters that render as nothing although Python does not count them as whitespace: Hangul
# fillers (a common trick to send an "empty" Telegram message) and the braille blank.
_INVISIBLE: Final = frozenset("\u3164\u115f\u1160\uffa0\u2800")


def is_blank(text: str) -> bool:
    """True when `text` shows nothing: whitespace, zero-width and format characters, fillers."""
    return all(
        char.isspace() or char in _INVISIBLE or unicodedata.category(char) in ("Cf", "Cc")
        for char in text
    )


class _BadResponse(Exception):
    """Rasa answered, but not with a parse result we can read."""


class RasaNluClient:
    """Async client for ``rasa run --enable-api``; create once, share, ``aclose()`` at shutdown."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 2.0,
        threshold: float = 0.4,  # bot.config nlu_confidence_threshold (nlu/README.md)
        resolve_place: PlaceResolver | None = None,
        vocabulary: Vocabulary | None = None,
        failure_threshold: int = 3,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._threshold = threshold
        self._resolve_place = resolve_place
        self._vocabulary = vocabulary
        self._failure_threshold = failure_threshold
        self._reset_after = reset_after
        self._clock = clock
        self._timeout = timeout
        # Building the client opens no connection; the first request does.
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=httpx.Timeout(timeout), transport=transport
        )
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    async def parse(self, text: str) -> NluResult:
        """Intent and entities of ``text``; ``UNAVAILABLE`` (never an exception) when Rasa fails."""
        text = text[:MAX_TEXT_CHARS]
        if is_blank(text):
            return _NOT_UNDERSTOOD
        if not self._may_call():
            log.debug("nlu.parse outcome=breaker_open")
            return _UNAVAILABLE
        started = self._clock()
        try:
            return await self._call(text, started)
        finally:
            # Also when the caller is cancelled mid-call: a stuck "trial in flight" would keep the
            # breaker open for good.
            self._trial_in_flight = False

    async def _call(self, text: str, started: float) -> NluResult:
        try:
            response = await self._http.post("/model/parse", json={"text": text})
            if response.status_code >= 500 and await self.healthy():
                # The server is up and failed on this text only (a pipeline component choking
                # on odd input): that message is not understood, nobody else is affected.
                log.warning("nlu.parse outcome=text_failed status=%d", response.status_code)
                return _NOT_UNDERSTOOD
            if response.status_code >= 500:
                raise _BadResponse(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                # Our request was refused (e.g. too large); Rasa itself is fine, so the breaker
                # neither opens nor closes, and the message is simply not understood.
                log.warning("nlu.parse outcome=refused status=%d", response.status_code)
                return _NOT_UNDERSTOOD
            result = self._read(response.json(), text)
        except (httpx.HTTPError, ValueError, _BadResponse) as exc:
            # httpx.HTTPError covers timeouts and connection errors; ValueError covers bad JSON.
            self._record_failure()
            log.warning(
                "nlu.parse outcome=failed error=%s failures=%d", type(exc).__name__, self._failures
            )
            return _UNAVAILABLE
        self._record_success()
        log.debug(
            "nlu.parse outcome=%s intent=%s confidence=%.2f ms=%.0f",
            result.status.value,
            result.intent,
            result.confidence,
            (self._clock() - started) * 1000,
        )
        return result

    async def healthy(self) -> bool:
        """True when the Rasa server answers ``GET /`` within a short timeout."""
        try:
            response = await self._http.get("/", timeout=min(self._timeout, 1.0))
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ----------------------------------------------------------------- circuit breaker

    def _may_call(self) -> bool:
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self._reset_after or self._trial_in_flight:
            return False
        self._trial_in_flight = True  # half-open: exactly one trial call
        return True

    def _record_failure(self) -> None:
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._failure_threshold:
            if self._opened_at is None:
                log.warning("nlu.breaker state=open failures=%d", self._failures)
            self._opened_at = self._clock()  # (re)open: a failed trial waits a full period again

    def _record_success(self) -> None:
        if self._opened_at is not None:
            log.info("nlu.breaker state=closed")
        self._failures = 0
        self._opened_at = None

    # ----------------------------------------------------------------- Rasa's JSON

    def _read(self, body: Any, text: str) -> NluResult:
        if not isinstance(body, dict) or not isinstance(body.get("intent"), dict):
            raise _BadResponse("no intent object")
        name, confidence = _intent(body["intent"])
        unsure = name == _FALLBACK_INTENT or (name is not None and name not in INTENTS)
        if unsure:
            name, confidence = _best_ranked(body.get("intent_ranking"))
        raw = body.get("entities")
        if self._vocabulary is not None and isinstance(raw, list):
            # Typos mapped to canonical values, and what a search said that Rasa missed.
            raw = self._vocabulary.resolve([e for e in raw if isinstance(e, dict)], text, name)
        entities = self._entities(raw, text)
        if unsure or name is None or confidence < self._threshold:
            return NluResult(NluStatus.UNSURE, name, confidence, entities)
        return NluResult(NluStatus.UNDERSTOOD, name, confidence, entities)

    def _entities(self, raw: Any, text: str) -> tuple[Entity, ...]:
        if not isinstance(raw, list):
            return ()
        seen: set[tuple[str, str, int, int]] = set()
        out: list[Entity] = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            entity = self._entity(item, text)
            if entity is None:
                continue
            key = (entity.name, entity.value, _int(item.get("start")), _int(item.get("end")))
            if key not in seen:  # several extractors may report the same span
                seen.add(key)
                out.append(entity)
        return tuple(out)

    def _entity(self, item: Mapping[str, Any], text: str) -> Entity | None:
        name, value = item.get("entity"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str | int | float):
            return None
        value = str(value).strip()
        start, end = _int(item.get("start")), _int(item.get("end"))
        surface = text[start:end] if 0 <= start < end <= len(text) else value
        if name in _CANONICAL:
            return Entity(name, value, surface) if value in _CANONICAL[name] else None
        if name not in _FREE_TEXT or not value:
            return None
        if name == "amount":
            try:
                reading = read_amount(value)
            except InvalidInput:
                return None
            # Two readings ("12.50") or a negative: no suggestion; the amount question asks.
            if isinstance(reading, Ambiguous) or reading <= 0:
                return None
            return Entity(name, value, surface, amount=_kroner(reading))
        place = self._resolve_place(value) if self._resolve_place else None
        town, municipality = place if place else (None, None)
        return Entity(name, value, surface, town=town, municipality=municipality)


def _intent(raw: Mapping[str, Any]) -> tuple[str | None, float]:
    name, confidence = raw.get("name"), raw.get("confidence")
    if name is not None and not isinstance(name, str):
        raise _BadResponse("intent name is not a string")
    if name is None:
        return None, 0.0
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        raise _BadResponse("intent confidence is not a number")
    return name, float(confidence)


def _best_ranked(ranking: Any) -> tuple[str | None, float]:
    """The most confident contract intent in ``intent_ranking`` (whether or not Rasa sorted it)."""
    best: tuple[str | None, float] = (None, 0.0)
    if not isinstance(ranking, list):
        return best
    for item in ranking:
        if not isinstance(item, dict):
            continue
        name, confidence = item.get("name"), item.get("confidence")
        if name in INTENTS and isinstance(confidence, int | float) and confidence > best[1]:
            best = (str(name), float(confidence))
    return best


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _kroner(ore: int) -> int:
    """Whole kroner: øre are dropped (a grant is never decided on 50 øre)."""
    return ore // 100
