"""A clock a test controls, to put in place of `Services.clock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.base import utcnow


class FakeClock:
    """Stands still at an aware UTC instant until the test sets or advances it.

    Called like `Services.clock` (no arguments, returns an aware datetime in UTC, as `utcnow`
    does in production). Starts at the real time of its creation unless given `now`. An aware
    time in another zone is kept as the same instant in UTC; a naive one raises ValueError (it
    names no instant).
    """

    def __init__(self, now: datetime | None = None) -> None:
        self._now = utcnow()
        if now is not None:
            self.set(now)

    def __call__(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> datetime:
        """Stop the clock at the instant `now` (aware); returns it in UTC."""
        if now.utcoffset() is None:
            raise ValueError(f"a naive time names no instant: {now!r}")
        self._now = now.astimezone(UTC)
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock on by `delta` (back, if negative); returns the new time."""
        self._now += delta
        return self._now
