"""Pacing for Telegram's limits: a global rate, a gap per chat, and pauses after a 429.

Both pacers hand out *slots* in time instead of counting tokens in a window, so there is never a
burst above the configured rate (a token bucket with a full bucket would start with one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most `rate` acquisitions per second across every caller, one slot every 1/rate s.

    `pause(seconds)` holds everyone (a 429 that looks global: Telegram says "retry after N").
    """

    def __init__(
        self, rate: float, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self.paused_until = 0.0

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            if self.paused_until > now:
                await self._sleep(self.paused_until - now)
                continue
            slot = max(self._next, now)
            self._next = slot + self.interval
            if slot > now:
                await self._sleep(slot - now)
            if self.paused_until <= self._clock():
                return
            # A pause began while we waited for our slot: wait it out and take a new slot.

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self._clock() + seconds)


class ChatSpacing:
    """At most one message per `interval` to one chat (Telegram: about one a second)."""

    def __init__(
        self, interval: float = 1.0, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self._clock()
        slot = max(self._next.get(chat_id, 0.0), now)
        self._next[chat_id] = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)

    def mark(self, chat_id: int) -> None:
        """A message to `chat_id` goes out now (later than its slot, when the global budget made
        it wait): the next one waits a full interval from now."""
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), self._clock() + self.interval)

    def pause(self, chat_id: int, seconds: float) -> None:
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), self._clock() + seconds)

    def forget_idle(self) -> None:
        """Drop chats whose gap has passed, so memory stays small over a long run."""
        now = self._clock()
        self._next = {chat: at for chat, at in self._next.items() if at > now}


class FloodDetector:
    """Tells a global flood from one busy chat: 429s from two chats within `window` seconds."""

    def __init__(self, window: float = 2.0, *, clock: Clock = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._recent: list[tuple[float, int]] = []

    def is_global(self, chat_id: int) -> bool:
        now = self._clock()
        self._recent = [(at, chat) for at, chat in self._recent if now - at <= self.window]
        self._recent.append((now, chat_id))
        return len({chat for _, chat in self._recent}) >= 2
