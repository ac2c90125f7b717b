"""A notice (news, a consultation's announcement, a theme day) as staff write it: its kinds, the
rules for each field, and the audit kind of a send-out.

The chat's notice wizard (`bot.meetings.staff.notices`) and the dashboard's »Nyheder« page
(`bot.web.pages.notices`) both read a notice through `read_field`, and `service.send_notice` checks
it again, so a notice is held to the same rules whichever channel sends it.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.meetings.audiences import AUDIENCES
from bot.validation.errors import InvalidInput

#: What a notice can be, in the order the chat offers them (``meetings.notice.kind.<kind>``).
NOTICE_KINDS = ("news", "consultation", "theme_day")
#: The fields of a notice, in the order the chat asks them.
NOTICE_FIELDS = ("kind", "title", "body", "audience")
#: `AuditEntry.subject_kind` of a notice's send-out; the subject id is the broadcast's id.
AUDIT_KIND = "notice"
#: The audit action of a notice sent (``web.audit.action.notice_sent``).
SENT = "notice_sent"


def _length(low: int, high: int) -> Callable[[str], bool]:
    return lambda text: low <= len(text) <= high


#: Field → (the test a stripped answer must pass, the catalog key saying what is expected).
#: Title 3-200 characters and body up to 3,500: a Telegram message holds 4,096, and the heading,
#: the kind and the municipality's name take the rest.
RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "kind": (lambda text: text in NOTICE_KINDS, "web.notices.error.kind"),
    "title": (_length(3, 200), "meetings.error.notice_title"),
    "body": (_length(1, 3500), "meetings.error.notice_body"),
    "audience": (lambda text: text in AUDIENCES, "web.notices.error.audience"),
}


def read_field(field: str, text: str) -> str:
    """The kept value of one answer for `field` (the text stripped).

    Raises `InvalidInput` with the field's catalog key when the answer breaks its rule, and
    `LookupError` for a field a notice does not have (a bug, not something a user can cause).
    """
    if field not in RULES:
        raise LookupError(f"no rule for notice field {field!r}")
    valid, error = RULES[field]
    value = text.strip()
    if not valid(value):
        raise InvalidInput(error)
    return value


def read_notice(texts: dict[str, str]) -> tuple[dict[str, str], dict[str, InvalidInput]]:
    """(values, problems) of a whole notice typed at once (the dashboard's form), field by
    field as `read_field` reads them."""
    values: dict[str, str] = {}
    problems: dict[str, InvalidInput] = {}
    for field in NOTICE_FIELDS:
        try:
            values[field] = read_field(field, texts.get(field, ""))
        except InvalidInput as problem:
            problems[field] = problem
    return values, problems
