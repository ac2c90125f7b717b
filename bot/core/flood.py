"""A per-user flood limit: one user sending dozens of messages a second is slowed, not the bot.

A sliding window per user, in memory (per process: with several webhook workers each enforces
its own share, which is still enough to keep one user from starving the others). Over the limit
the update is not handled at all — no database work — and the user is told once per window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class FloodVerdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first update over the limit: say "slow down" once
    DROP = "drop"  # further updates in the same window: silently ignored


class FloodLimit:
    def __init__(
        self,
        max_events: int = 20,
        window_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 100_000,
    ) -> None:
        self.max_events = max_events
        self.window = window_seconds
        self.clock = clock
        self.max_users = max_users
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int) -> FloodVerdict:
        now = self.clock()
        events = self._events.get(user_id)
        if events is None:
            if len(self._events) >= self.max_users:
                self._forget_idle(now)
            events = self._events[user_id] = deque()
        while events and now - events[0] > self.window:
            events.popleft()
        if len(events) < self.max_events:
            events.append(now)
            self._warned.pop(user_id, None)
            return FloodVerdict.ALLOW
        warned_at = self._warned.get(user_id)
        if warned_at is None or now - warned_at > self.window:
            self._warned[user_id] = now
            return FloodVerdict.WARN
        return FloodVerdict.DROP

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: drop users with nothing in their window."""
        for user_id in [u for u, e in self._events.items() if not e or now - e[-1] > self.window]:
            del self._events[user_id]
            self._warned.pop(user_id, None)
