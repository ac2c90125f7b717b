"""What the applicant is told when staff decide or ask, whichever channel staff used.

The message goes through the outbox in the decision's own transaction (sent by the dispatcher,
never directly), in the applicant's language, with a button to open or answer the application.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime

from babel.dates import format_date
from sqlalchemy.orm import Session

from bot.directory import terms_for
from bot.grants.fields import babel_locale, format_amount
from bot.grants.models import GrantApplication, Status
from bot.i18n import t
from bot.store.models import OutboxMessage

#: The municipality's own words for a language (`Directory.terms`): »NemKonto« or a bank account.
Terms = Callable[[str | None, str], Mapping[str, str]]


def notify_applicant(
    session: Session, app: GrantApplication, now: datetime, terms: Terms | None = None
) -> None:
    """Queue the notice of `app`'s new status (approved, rejected, more information wanted).

    Queued as due at `now` (UTC, the decision's time). Nobody is told when the applicant had
    their data erased (`app.user` is None). A reason given with an approval (a partial amount,
    say) is added below the approval.
    """
    user = app.user
    if user is None:
        return
    lang = user.language or app.language or "da"
    words = terms(app.municipality_slug, lang) if terms is not None else terms_for(None, lang)
    reference = html.escape(app.reference or "")
    button_key, action = "grants.button.open", "open"
    if app.status == Status.APPROVED.value:
        due = app.report_due
        text = t(
            lang,
            "grants.notify.approved",
            reference=reference,
            amount=format_amount(app.amount_granted or 0, lang),
            report_due=format_date(due, format="long", locale=babel_locale(lang)) if due else "",
            **words,
        )
        if app.decision_reason:
            text += "\n" + t(lang, "grants.notify.reason", reason=html.escape(app.decision_reason))
    elif app.status == Status.REJECTED.value:
        text = t(
            lang,
            "grants.notify.rejected",
            reference=reference,
            reason=html.escape(app.decision_reason or ""),
        )
    else:
        question = next(
            (m["text"] for m in reversed(app.messages or []) if m.get("by") == "staff"), ""
        )
        text = t(
            lang,
            "grants.notify.info_requested",
            reference=reference,
            question=html.escape(question),
        )
        button_key, action = "grants.button.answer", "answer"
    session.add(
        OutboxMessage(
            chat_id=user.telegram_id,
            text=text,
            buttons=[[{"label": t(lang, button_key), "payload": f"g:grants:{action}:{app.id}"}]],
            created_at=now,
            next_attempt_at=now,
        )
    )
