"""The per-user flood limit: a flooding user is slowed down, everyone else is not."""

from __future__ import annotations

from bot.core.flood import FloodLimit, FloodVerdict
from tests.fakes.chat import ChatDriver, text_of


def test_thirty_messages_in_ten_seconds_are_slowed_after_the_limit() -> None:
    now = [0.0]
    limit = FloodLimit(max_events=20, window_seconds=10, clock=lambda: now[0])
    verdicts = []
    for _ in range(30):
        verdicts.append(limit.check(1))
        now[0] += 0.3
    assert verdicts[:20] == [FloodVerdict.ALLOW] * 20
    assert verdicts[20] is FloodVerdict.WARN  # told once
    assert set(verdicts[21:]) == {FloodVerdict.DROP}
    assert limit.check(2) is FloodVerdict.ALLOW  # another user is not affected
    now[0] += 11
    assert limit.check(1) is FloodVerdict.ALLOW  # and the flooder recovers


def test_memory_stays_bounded() -> None:
    now = [0.0]
    limit = FloodLimit(max_users=100, clock=lambda: now[0])
    for user in range(1000):
        limit.check(user)
        now[0] += 1
    assert len(limit._events) <= 101


async def test_a_flooding_user_gets_one_notice_and_no_database_work(
    onboarded_chat: ChatDriver,
) -> None:
    onboarded_chat.conversation.flood = FloodLimit(max_events=3, window_seconds=60)
    answers = [await onboarded_chat.send("/help") for _ in range(6)]
    assert all(answers[:3])
    assert "hurtigere, end jeg kan følge med" in text_of(answers[3])
    assert answers[4] == [] and answers[5] == []
