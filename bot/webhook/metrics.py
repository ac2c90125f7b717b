"""Prometheus metrics of one bot process, on a registry of its own (nothing global)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from bot.store.database import Database
from bot.store.models import OutboxMessage
from nlu.client import NluStatus

#: Update kinds we label by; anything else is counted as "other" (labels must stay few).
UPDATE_KINDS = frozenset(
    {"message", "edited_message", "callback_query", "channel_post", "my_chat_member"}
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "frivillig_updates",
            "Telegram updates accepted, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "frivillig_update_duplicates",
            "Updates Telegram delivered again, not handled twice",
            registry=self.registry,
        )
        self.rejected = Counter(
            "frivillig_updates_rejected",
            "Requests to the webhook refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "frivillig_turn_seconds",
            "Time to handle one update, replies sent included",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.nlu_failures = Counter(
            "frivillig_nlu_failures",
            "NLU parses that failed (Rasa down, timed out or answered nonsense)",
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "frivillig_outbox_backlog",
            "Outbox messages waiting to be sent",
            registry=self.registry,
        )

    def count_update(self, kind: str) -> None:
        self.updates.labels(kind=kind if kind in UPDATE_KINDS else "other").inc()

    def render(self, db: Database) -> bytes:
        """The text exposition format; gauges read from the database are refreshed first."""
        with db.unit_of_work() as uow:
            pending = uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        self.outbox_backlog.set(pending or 0)
        return generate_latest(self.registry)


class CountingNlu:
    """Wraps the NLU client and counts its failures; otherwise exactly the client."""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def parse(self, text: str) -> Any:
        result = await self.inner.parse(text)
        if result.status is NluStatus.UNAVAILABLE:
            self.metrics.nlu_failures.inc()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
