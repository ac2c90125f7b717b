"""Helpers shared by the grant tests: where the schemes live, and valid sample answers."""

from __future__ import annotations

from pathlib import Path

from bot.grants.fields import Attachment, Raw
from bot.grants.schemes import FieldSpec, FieldType

DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "grants"
SLUGS = ("sermersooq", "sonderborg", "jammerbugt", "tonder", "solrod")


def sample_input(spec: FieldSpec) -> Raw:
    """A valid chat answer for `spec`, as a user would type or send it."""
    match spec.type:
        case FieldType.TEXT:
            return "Nuuk Suppekøkken"
        case FieldType.LONG_TEXT:
            return "Vi laver mad sammen med ensomme ældre hver tirsdag."
        case FieldType.CVR:
            return "DK 12 34 56 74"
        case FieldType.EMAIL:
            return "Formand@Forening.DK"
        case FieldType.PHONE:
            return "+45 20 30 40 50"
        case FieldType.AMOUNT:
            return "12.500 kr"
        case FieldType.INTEGER:
            return "12"
        case FieldType.DATE:
            return "15. marts 2027"
        case FieldType.DATE_RANGE:
            return "1/4-2027 – 30/6-2027"
        case FieldType.CHOICE | FieldType.MULTI_CHOICE:
            return spec.choices[0].label.get("da")
        case FieldType.YES_NO:
            return "ja"
        case FieldType.BUDGET_LINES:
            return "Leje af bus: 4.500 kr"
        case FieldType.ATTACHMENT:
            return Attachment("file-1", "vedtaegter.pdf", "application/pdf", 250_000)
