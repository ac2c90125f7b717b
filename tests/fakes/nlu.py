"""A fake NLU for tests: answers from a table, or plays dead."""

from __future__ import annotations

from dataclasses import dataclass, field

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
