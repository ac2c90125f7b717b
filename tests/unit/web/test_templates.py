"""Every catalog key the dashboard's templates use has Danish and English text (the catalog test
in tests/unit reads only Python code), and no template marks anything as safe HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.grants.models import REVIEWABLE
from bot.grants.service import TABLE_SORTS
from bot.i18n import catalog, plural_catalog

TEMPLATES = Path(__file__).resolve().parents[3] / "bot" / "web" / "templates"
STATIC_KEY = re.compile(r"""\b_n?\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")

#: Keys the templates build from a prefix and a value, with every value they can take.
DYNAMIC = {
    "web.column.": [*TABLE_SORTS, "cvr"],
    "grants.status.": [s.value for s in REVIEWABLE],
    "web.audit.action.": [
        "approve",
        "reject",
        "request_info",
        "meeting_created",
        "meeting_changed",
        "meeting_cancelled",
    ],
    "web.audit.channel.": ["chat", "web"],
    "web.history.": ["submitted", "asked", "answered", "decided"],
    "web.decision.done.": ["approve", "reject", "ask"],
    "web.meetings.state.": ["active", "past", "cancelled"],
    "web.meetings.hint.": ["starts_at", "ends_at", "rsvp_deadline", "capacity", "per_association"],
    "web.meetings.answer.": ["yes", "maybe", "no"],
    "web.broadcasts.kind.": ["invitation", "change", "cancellation", "reminder", "notice"],
    "meetings.field.": [
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "place",
        "address",
        "agenda",
        "capacity",
        "per_association",
        "rsvp_deadline",
        "audience",
    ],
    "meetings.status.": ["confirmed", "waitlist", "maybe", "no"],
    "meetings.kind.": [
        "dialogmode",
        "stormode",
        "temadag",
        "kursus",
        "fest",
        "messe",
        "koordinering",
    ],
    "meetings.audience.": ["citizens", "chairs", "volunteers", "companies"],
    "meetings.audience_name.": ["citizens", "chairs", "volunteers", "companies"],
    "matching.staff.status.": ["open", "closed"],
}


def _template_keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        keys.update(STATIC_KEY.findall(path.read_text(encoding="utf-8")))
    for prefix, values in DYNAMIC.items():
        keys.update(prefix + value for value in values)
    return keys


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_template_key_has_a_text(language: str) -> None:
    known = set(catalog(language)) | set(plural_catalog(language))
    missing = sorted(_template_keys() - known)
    assert not missing, missing
    assert len(_template_keys()) > 60  # the scan finds the keys at all


def test_no_template_turns_escaping_off() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, path.name
        assert "<script>" not in text, path.name  # scripts only from files (CSP)
