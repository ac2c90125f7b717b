"""Send-time checks of company messages (`bot.delivery.checks`): an offer passed on to an
association is not sent when the company withdrew its registration meanwhile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.companies.service import REFERRAL_KIND, referral_applies
from bot.delivery.checks import register_check


def _referral(session: Session, chat_id: int, referral_id: int | None, now: datetime) -> bool:
    return referral_applies(session, referral_id)


register_check(REFERRAL_KIND, _referral)
