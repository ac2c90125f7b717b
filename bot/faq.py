"""Frequently asked questions per municipality (`data/faq/<slug>.yaml`), answered from text.

A question is matched to a topic by its keywords (folded like place names, so "børneattest",
"boerneattest" and "borneattest" all match); the NLU decides whether it is a volunteer or a grant
question, this decides which one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.directory import fold


@dataclass(frozen=True)
class FaqTopic:
    key: str
    intent: str
    keywords: tuple[str, ...]
    question: dict[str, str]
    answer: dict[str, str]

    def text(self, field: dict[str, str], language: str) -> str:
        return field.get(language) or field.get("da") or next(iter(field.values()), "")


class Faq:
    def __init__(self, topics: dict[str, list[FaqTopic]]) -> None:
        self._topics = topics

    @classmethod
    def load(cls, data_dir: Path) -> Faq:
        topics: dict[str, list[FaqTopic]] = {}
        for path in sorted((data_dir / "faq").glob("*.yaml")):
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            topics[path.stem] = [
                FaqTopic(
                    key=str(item["key"]),
                    intent=str(item["intent"]),
                    keywords=tuple(fold(str(k)) for k in item.get("keywords") or ()),
                    question={str(k): str(v) for k, v in item["question"].items()},
                    answer={str(k): str(v) for k, v in item["answer"].items()},
                )
                for item in raw
            ]
        return cls(topics)

    def topics(self, municipality: str | None, intent: str | None = None) -> list[FaqTopic]:
        return [
            topic
            for topic in self._topics.get(municipality or "", [])
            if intent is None or topic.intent == intent
        ]

    def topic(self, municipality: str | None, key: str) -> FaqTopic | None:
        return next((t for t in self.topics(municipality) if t.key == key), None)

    def best_match(self, municipality: str | None, intent: str, text: str) -> FaqTopic | None:
        """The topic of `intent` whose keywords occur most in `text`; None when none occur."""
        words = fold(text)
        best: tuple[int, FaqTopic] | None = None
        for topic in self.topics(municipality, intent):
            score = sum(1 for k in topic.keywords if k and re.search(rf"\b{re.escape(k)}", words))
            if score and (best is None or score > best[0]):
                best = (score, topic)
        return best[1] if best else None
