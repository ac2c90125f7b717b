"""The Telegram channel's per-chat locks: one chat in order, other chats not held up."""

from __future__ import annotations

import asyncio

from bot.channels.telegram import ChatLocks


async def test_one_chat_is_served_in_order_and_others_are_not_held_up() -> None:
    locks = ChatLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def slow_turn() -> None:
        async with locks.hold(1):
            order.append("chat1-first-start")
            await release.wait()  # e.g. waiting for the NLU
            order.append("chat1-first-end")

    async def turn(chat: int, name: str) -> None:
        async with locks.hold(chat):
            order.append(name)

    first = asyncio.create_task(slow_turn())
    await asyncio.sleep(0)
    second = asyncio.create_task(turn(1, "chat1-second"))
    other = asyncio.create_task(turn(2, "chat2"))
    await other
    assert order == ["chat1-first-start", "chat2"]  # chat 2 did not wait for chat 1
    release.set()
    await asyncio.gather(first, second)
    assert order[2:] == ["chat1-first-end", "chat1-second"]  # chat 1 stayed in order
    assert len(locks) == 0  # nothing kept once nobody holds or waits
