"""Send-time checks: a queued message about something that can change is sent only if it still
applies when its turn comes (a reminder for an RSVP withdrawn since it was queued is not sent).

An outbox row names what it is about with `kind` (``"<feature>:<what>"``, e.g.
``"meetings:reminder"``) and `subject_id` (e.g. the meeting's id). The feature registers one check
per kind in its module ``bot/<feature>/send_checks.py``; the dispatcher's claim calls it, in the
claim's transaction, for every row with a kind. The module is imported the first time a kind of
its feature is seen, so every process that sends (the bot, `frivillig dispatcher`) has the checks
without wiring. A row without a kind, or of a kind no module answers for, is sent as before.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: (session, chat_id of the row, subject_id of the row, now in UTC) → True when still to be sent.
SendCheck = Callable[[Session, int, int | None, datetime], bool]

_CHECKS: dict[str, SendCheck] = {}
_LOADED: set[str] = set()


def register_check(kind: str, check: SendCheck) -> None:
    """Add (or replace) the check of `kind`; `kind` is ``"<feature>:<what>"``."""
    _CHECKS[kind] = check


def _load(kind: str) -> None:
    feature = kind.split(":", 1)[0]
    if feature in _LOADED:
        return
    _LOADED.add(feature)
    try:
        importlib.import_module(f"bot.{feature}.send_checks")
    except ImportError:
        log.warning("delivery.no_send_checks", extra={"kind": kind})


def still_applies(
    session: Session, kind: str | None, chat_id: int, subject_id: int | None, now: datetime
) -> bool:
    """True when the row should be sent now: no kind, no check for it, or its check agrees."""
    if kind is None:
        return True
    if kind not in _CHECKS:
        _load(kind)
    check = _CHECKS.get(kind)
    return True if check is None else check(session, chat_id, subject_id, now)
