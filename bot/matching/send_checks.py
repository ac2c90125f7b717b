"""Send-time checks of matching messages (`bot.delivery.checks`): no digest for a saved search
stopped meanwhile (or to someone who withdrew consent), no notice to an association of an
interest withdrawn meanwhile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.checks import register_check
from bot.matching.alerts import DIGEST_KIND, digest_applies
from bot.matching.interests import NOTICE_KIND, is_active
from bot.matching.models import SavedSearch
from bot.store.models import User


def digest_still_applies(
    session: Session, chat_id: int, search_id: int | None, now: datetime
) -> bool:
    search = session.get(SavedSearch, search_id) if search_id is not None else None
    user = session.scalars(select(User).where(User.telegram_id == chat_id)).one_or_none()
    return digest_applies(search, user)


def interest_notice_applies(
    session: Session, chat_id: int, interest_id: int | None, now: datetime
) -> bool:
    return is_active(session, interest_id)


register_check(DIGEST_KIND, digest_still_applies)
register_check(NOTICE_KIND, interest_notice_applies)
