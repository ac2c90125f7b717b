"""Send-time check of the award reminder (`bot.delivery.checks`): not sent when the round closed,
its deadline passed, or the recipient nominated someone meanwhile or said no to notices."""

from __future__ import annotations

from bot.award.service import REMINDER_KIND, reminder_applies
from bot.delivery.checks import register_check

register_check(REMINDER_KIND, reminder_applies)
