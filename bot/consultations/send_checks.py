"""Send-time check of the consultation reminder (`bot.delivery.checks`): not sent when the
recipient answered since it was queued, or the deadline passed."""

from __future__ import annotations

from bot.consultations.service import REMINDER_KIND, reminder_applies
from bot.delivery.checks import register_check

register_check(REMINDER_KIND, reminder_applies)
