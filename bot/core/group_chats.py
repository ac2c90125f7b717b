"""Group chats: frivillig is a one-to-one assistant and keeps nothing in a group.

A message, command or button press in a group, supergroup or channel never reaches a flow: no
user is created, no dialogue state is kept (the state is keyed by chat, so every member would
share one place), and nothing personal is shown there. The first command anyone addresses to
the bot in a group gets one short note with a link to a private chat; after that the group gets
no answer at all, so the bot cannot be made to spam it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core.events import Event, EventKind
from bot.core.links import private_chat_link
from bot.core.replies import Button, ButtonScope, Reply
from bot.i18n import normalise_language, t
from bot.store.database import Database
from bot.store.models import GroupChatNotice

log = logging.getLogger(__name__)


def first_notice(db: Database, chat_id: int, now: datetime) -> bool:
    """Record that group `chat_id` has had its note; True only the first time (ever).

    Two workers handling two commands of one group at once: the primary key lets one insert
    win, and the other gets False.
    """
    with db.unit_of_work() as uow:
        session = uow.session
        if session.scalars(
            select(GroupChatNotice.chat_id).where(GroupChatNotice.chat_id == chat_id)
        ).first():
            return False
        session.add(GroupChatNotice(chat_id=chat_id, noted_at=now))
        try:
            uow.commit()
        except IntegrityError:
            return False
    return True


def group_chat_replies(
    event: Event,
    *,
    db: Database,
    now: datetime,
    bot_username: str | None,
    journeys: Mapping[str, str],
) -> list[Reply]:
    """What frivillig answers to `event` from a group chat: at most one note, ever, per group.

    Only a command (`/start@bot`, `/mydata@bot` …) is answered, since only a command is clearly
    addressed to the bot; plain messages and service messages (the bot being added) stay
    unanswered. The note's link opens the journey the command named (`journeys`: command →
    journey), except the privacy commands, which open the menu: a link in a group must not start
    anything about a person's data.
    """
    if event.kind is not EventKind.COMMAND:
        return []
    if not first_notice(db, event.chat_id, now):
        log.info("group.silent", extra={"update_id": event.update_id})
        return []
    log.info("group.noted", extra={"update_id": event.update_id})
    language = normalise_language(event.language_code)
    start = journeys.get(event.command or "", "")
    link = private_chat_link(bot_username, "" if start == "privacy" else start)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if link is not None:
        label = t(language, "core.group.open_private")
        buttons = ((Button(label, "", ButtonScope.GLOBAL, url=link),),)
    # No dialogue state, so no version to stamp: the one button is a link.
    return [Reply(t(language, "core.group.private_only"), buttons).with_payloads(0)]
