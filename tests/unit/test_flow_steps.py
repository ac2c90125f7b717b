"""Every flow's steps are named, each has a screen, each screen is reachable, and every step string
a saved dialogue state may hold still maps to a step."""

from __future__ import annotations

import ast
from collections import defaultdict
from enum import StrEnum
from pathlib import Path

import pytest

from bot.app import build_flows
from bot.config import PROJECT_ROOT
from bot.core.flows.base import Flow

FLOWS: dict[str, Flow] = dict(build_flows())

#: Step strings that dialogue states saved by earlier versions hold, per journey. A state in the
#: database must keep working after an upgrade, so each must still name a step.
SAVED_STEPS: dict[str, set[str]] = {
    "onboarding": {"language", "municipality", "consent"},
    "menu": {"main"},
    "settings": {"main", "municipality"},
    "volunteer": {"area", "time", "place", "results", "alert_consent"},
    "grants": {
        "resume",
        "restart",
        "elig",
        "elig_failed",
        "closed",
        "field",
        "summary",
        "declare",
        "mine",
        "view",
        "info_answer",
        "report_done",
        "report_spent",
        "report_left",
    },
    "staff_grants": {"list", "app", "approve_amount", "reject_reason", "ask_info"},
    "staff_opportunities": {
        "main",
        "list",
        "op",
        "import",
        "edit_title",
        "edit_description",
        "edit_spots",
        "new_title",
        "new_association",
        "new_town",
        "new_area",
        "new_time",
        "new_description",
        "new_spots",
    },
    "meetings": {"list", "detail", "association", "question"},
    "staff_meetings": {
        "home",
        "meeting",
        "cancel",
        "m:kind",
        "m:title",
        "m:starts_at",
        "m:ends_at",
        "m:place",
        "m:address",
        "m:agenda",
        "m:capacity",
        "m:per_association",
        "m:rsvp_deadline",
        "m:audience",
        "m:questions_enabled",
        "m:preview",
        "m:fix",
        "e:pick",
        "e:title",
        "e:starts_at",
        "e:ends_at",
        "e:place",
        "e:address",
        "e:agenda",
        "n:kind",
        "n:title",
        "n:body",
        "n:audience",
        "n:preview",
        "discard",
    },
    "staff": {"pick", "sections"},
    "companies": {
        "home",
        "name",
        "register_number",
        "contact_name",
        "contact",
        "offers",
        "share",
        "preview",
        "fix",
        "withdraw",
    },
    "staff_companies": {"list", "company", "refer"},
    "privacy": {"choose", "confirm_delete"},
    "award": {"intro", "kind", "nominee", "reason", "name", "contact", "consent", "summary", "fix"},
    "staff_award": {
        "home",
        "new_title",
        "new_deadline",
        "list",
        "nomination",
        "announce_text",
        "announce_preview",
        "delete",
    },
    "consultations": {"list", "detail", "answer"},
    "staff_consultations": {
        "home",
        "title",
        "summary",
        "document",
        "deadline",
        "audience",
        "preview",
        "view",
    },
}


def named_flows() -> list[Flow]:
    return [flow for flow in FLOWS.values() if flow.Step is not None]


def test_every_flow_names_its_steps() -> None:
    unnamed = {journey for journey, flow in FLOWS.items() if flow.Step is None}
    assert unnamed == set(), f"flows without a Step enum: {sorted(unnamed)}"


@pytest.mark.parametrize("flow", named_flows(), ids=lambda flow: flow.journey)
def test_every_step_has_a_screen_and_every_screen_is_a_step(flow: Flow) -> None:
    assert flow.Step is not None
    screens = flow.screens()
    assert all(isinstance(step, flow.Step) for step in screens), "screen keys must be Step members"
    assert set(screens) == set(flow.Step)


@pytest.mark.parametrize("journey", sorted(SAVED_STEPS))
def test_every_saved_step_still_maps(journey: str) -> None:
    flow = FLOWS[journey]
    assert flow.Step is not None
    for saved in SAVED_STEPS[journey]:
        step = flow.Step(saved)  # raises ValueError when a saved value no longer maps
        assert flow.screen(saved) is not None, f"{journey}: {step!r} has no screen"


def _step_references() -> dict[str, set[str]]:
    """Enum name → members named where the chat is moved: `goto(…, XStep.MEMBER …)`, `step=`
    keywords (a new dialogue state), and module-level tables named `…_STEPS` (steps chosen at
    run time, e.g. one per form field)."""
    found: dict[str, set[str]] = defaultdict(set)

    def note(node: ast.AST) -> None:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                found[inner.value.id].add(inner.attr)

    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "goto":
                    for arg in node.args[1:2]:
                        note(arg)
                for keyword in node.keywords:
                    if keyword.arg == "step":
                        note(keyword.value)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                named = any(isinstance(t, ast.Name) and t.id.endswith("_STEPS") for t in targets)
                if named and node.value is not None:
                    note(node.value)
    return found


@pytest.mark.parametrize("flow", named_flows(), ids=lambda flow: flow.journey)
def test_every_screen_is_reachable(flow: Flow) -> None:
    """A step nothing moves the chat to is a screen nobody can see: dead code, or a lost link."""
    assert flow.Step is not None
    references = _step_references()[flow.Step.__name__]
    entry = _entry_steps(flow)
    unreachable = {step.name for step in flow.Step} - references - entry
    assert not unreachable, f"{flow.journey}: no goto reaches {sorted(unreachable)}"


def _entry_steps(flow: Flow) -> set[str]:
    """The step a new dialogue state starts at (the core creates it without a goto)."""
    if flow.journey == "onboarding":
        return {"LANGUAGE"}
    if flow.journey == "menu":
        return {"MAIN"}
    return set()


def test_steps_are_str_enums_whose_values_fit_the_column() -> None:
    for flow in named_flows():
        assert flow.Step is not None and issubclass(flow.Step, StrEnum)
        assert all(len(step.value) <= 60 for step in flow.Step)  # DialogueState.step String(60)
