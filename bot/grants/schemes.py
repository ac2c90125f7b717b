"""Grant schemes (one YAML file per municipality under ``data/grants/``) and their validation.

A scheme holds everything a municipality decides about its § 18 pool: name, kinds of grant, rounds
and deadlines (or open all year), the maximum amount, what cannot be funded, the eligibility
questions and the ordered application form. `load_scheme` refuses a broken file loudly, naming the
file and the offending field, so that a typo never reaches a user half-way through a form.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    model_validator,
)

from bot.grants.references import MUNICIPALITY_CODES

#: Telegram's Bot API will not let a bot download files larger than this, whatever the form says.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1000 * 1000
_KEY = r"^[a-z][a-z0-9_]*$"

JsonScalar = bool | int | str


#: Criteria of voluntary social work that every scheme must ask about (by question key); the
#: eligibility test (`bot.grants.eligibility`) reads the answers.
REQUIRED_CRITERIA: frozenset[str] = frozenset(
    {"voluntary", "unpaid", "for_others", "non_profit", "organised", "social_purpose"}
)


class SchemeError(ValueError):
    """A grant scheme file that cannot be used; the message names the file and the field."""


class FieldType(StrEnum):
    """The kinds of answer a form field takes."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    CVR = "cvr"
    EMAIL = "email"
    PHONE = "phone"
    AMOUNT = "amount"
    INTEGER = "integer"
    DATE = "date"
    DATE_RANGE = "date_range"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    BUDGET_LINES = "budget_lines"
    ATTACHMENT = "attachment"


_CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})
_NUMBER_TYPES = frozenset({FieldType.AMOUNT, FieldType.INTEGER})
_TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.LONG_TEXT, FieldType.BUDGET_LINES})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Localised(RootModel[dict[str, str]]):
    """One text per language; Danish and English are required, Kalaallisut falls back to Danish."""

    @model_validator(mode="after")
    def _needs_da_and_en(self) -> Self:
        missing = [lang for lang in ("da", "en") if not self.root.get(lang, "").strip()]
        if missing:
            raise ValueError(f"missing text in {', '.join(missing)}")
        return self

    def get(self, language: str | None) -> str:
        """The text in `language`, else Danish (the municipalities' working language)."""
        return self.root.get(language or "da") or self.root["da"]


class Choice(_Strict):
    """One option of a choice field, or one kind of grant."""

    key: str = Field(pattern=_KEY)
    label: Localised


class Condition(_Strict):
    """Show a field only when an earlier answer matches (exactly one operator is given).

    Against a multi_choice answer (a list), ``equals``/``in`` mean "contains"/"contains any" and
    ``not_equals`` means "does not contain". An unanswered or hidden field never satisfies a
    condition, so its dependants stay hidden too.
    """

    field: str
    equals: JsonScalar | None = None
    not_equals: JsonScalar | None = None
    in_: tuple[JsonScalar, ...] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_operator(self) -> Self:
        given = [name for name in ("equals", "not_equals", "in_") if name in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of equals, not_equals, in")
        return self

    def compared_values(self) -> tuple[JsonScalar, ...]:
        """Every value the condition mentions (for checking them against the field's choices)."""
        if self.in_ is not None:
            return self.in_
        value = self.equals if "equals" in self.model_fields_set else self.not_equals
        return () if value is None else (value,)

    def holds(self, answer: object) -> bool:
        """True when `answer` (None if unanswered) satisfies the condition."""
        if answer is None:
            return False
        values = answer if isinstance(answer, list) else [answer]
        if "equals" in self.model_fields_set:
            return any(_same(v, self.equals) for v in values)
        if "not_equals" in self.model_fields_set:
            return not any(_same(v, self.not_equals) for v in values)
        return any(_same(v, option) for v in values for option in self.in_ or ())


def _same(left: object, right: object) -> bool:
    # True == 1 in Python; a yes/no answer must not equal the integer 1.
    return type(left) is type(right) and left == right


class FieldSpec(_Strict):
    """One question of the application form."""

    key: str = Field(pattern=_KEY)
    type: FieldType
    required: bool = True
    label: Localised
    help: Localised | None = None
    max_length: int | None = Field(default=None, gt=0)
    #: Bounds for integer fields, and for amount fields in whole kroner.
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    choices: tuple[Choice, ...] = ()
    #: MIME types an attachment may have; "image/*" accepts every image type.
    accept: tuple[str, ...] = ()
    max_bytes: int | None = Field(default=None, gt=0, le=TELEGRAM_DOWNLOAD_LIMIT)
    #: For yes_no fields that must be confirmed (the declaration on honour, "tro og love").
    must_be: bool | None = None
    show_if: Condition | None = None

    @model_validator(mode="after")
    def _options_fit_type(self) -> Self:
        if (self.type in _CHOICE_TYPES) != bool(self.choices):
            raise ValueError("choices are required for choice/multi_choice and only allowed there")
        if len({c.key for c in self.choices}) != len(self.choices):
            raise ValueError("choice keys must be unique")
        is_attachment = self.type is FieldType.ATTACHMENT
        if is_attachment != bool(self.accept) or is_attachment != (self.max_bytes is not None):
            raise ValueError(
                "accept and max_bytes belong on attachments, and attachments need both"
            )
        if (self.min is not None or self.max is not None) and self.type not in _NUMBER_TYPES:
            raise ValueError("min/max are only allowed on integer and amount fields")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        if self.must_be is not None and self.type is not FieldType.YES_NO:
            raise ValueError("must_be is only allowed on yes_no fields")
        if self.max_length is not None and self.type not in _TEXT_TYPES:
            raise ValueError("max_length is only allowed on text, long_text and budget_lines")
        return self

    def choice(self, key: str) -> Choice:
        """The option with `key`; KeyError if there is none."""
        for option in self.choices:
            if option.key == key:
                return option
        raise KeyError(key)


class Round(_Strict):
    """One application round: the deadline, when the committee decides, when the report is due."""

    key: str
    deadline: date
    decision_by: date
    report_due: date

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if not self.deadline <= self.decision_by <= self.report_due:
            raise ValueError("expected deadline <= decision_by <= report_due")
        return self


class Exclusion(_Strict):
    """Something the scheme does not fund; `match` holds lower-case word beginnings to spot it."""

    key: str = Field(pattern=_KEY)
    label: Localised
    match: tuple[str, ...] = Field(min_length=1)


class EligibilityQuestion(_Strict):
    """A yes/no question of the eligibility test; `key` names the criterion it checks."""

    key: str = Field(pattern=_KEY)
    question: Localised
    #: The answer that passes; None for a question that only decides whether later ones are asked.
    passes_with: bool | None = True
    explanation: Localised | None = None
    #: Ask only when an earlier eligibility answer matches (e.g. follow-ups for sports clubs).
    show_if: Condition | None = None

    @model_validator(mode="after")
    def _explains_failure(self) -> Self:
        if self.passes_with is not None and self.explanation is None:
            raise ValueError("a question that can fail needs an explanation")
        return self


class GrantScheme(_Strict):
    """A municipality's § 18 grant scheme, as loaded from ``data/grants/<slug>.yaml``."""

    slug: str
    code: str
    name: Localised
    kinds: tuple[Choice, ...] = Field(min_length=1)
    rounds: tuple[Round, ...] = ()
    open_all_year: bool = False
    #: The largest grant one application can get, in whole kroner.
    max_amount: int = Field(gt=0)
    exclusions: tuple[Exclusion, ...] = ()
    faq: Localised
    faq_url: str | None = None
    eligibility: tuple[EligibilityQuestion, ...] = Field(min_length=1)
    #: Which form field names the applicant and which holds the amount applied for (for exports).
    applicant_field: str
    amount_field: str
    form: tuple[FieldSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if MUNICIPALITY_CODES.get(self.slug) != self.code:
            raise ValueError(f"code {self.code!r} does not belong to slug {self.slug!r}")
        if bool(self.rounds) == self.open_all_year:
            raise ValueError("give either rounds or open_all_year: true")
        if len({r.key for r in self.rounds}) != len(self.rounds):
            raise ValueError("round keys must be unique")
        criteria = {q.key for q in self.eligibility}
        if missing := sorted(REQUIRED_CRITERIA - criteria):
            raise ValueError(f"eligibility lacks the criteria {missing}")
        asked: set[str] = set()
        for question in self.eligibility:
            if question.show_if is not None and question.show_if.field not in asked:
                raise ValueError(f"eligibility {question.key!r}: show_if needs an earlier question")
            asked.add(question.key)
        self._check_form()
        return self

    def _check_form(self) -> None:
        seen: dict[str, FieldSpec] = {}
        for spec in self.form:
            if spec.key in seen:
                raise ValueError(f"form field {spec.key!r} appears twice")
            if spec.show_if is not None:
                target = seen.get(spec.show_if.field)
                if target is None:
                    raise ValueError(
                        f"field {spec.key!r}: show_if refers to {spec.show_if.field!r}, "
                        "which is not an earlier field"
                    )
                _check_condition_values(spec.key, target, spec.show_if)
            seen[spec.key] = spec
        if self.applicant_field not in seen:
            raise ValueError(f"applicant_field {self.applicant_field!r} is not a form field")
        amount = seen.get(self.amount_field)
        if amount is None or amount.type is not FieldType.AMOUNT:
            raise ValueError(f"amount_field {self.amount_field!r} is not an amount field")

    def field(self, key: str) -> FieldSpec:
        """The form field with `key`; KeyError if the form has none."""
        for spec in self.form:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def open_round(self, today: date) -> Round | None:
        """The next round whose deadline is `today` or later (None when open all year or closed)."""
        upcoming = [r for r in self.rounds if r.deadline >= today]
        return min(upcoming, key=lambda r: r.deadline) if upcoming else None

    def accepts_applications(self, today: date) -> bool:
        """True when an application sent `today` has a round (or the scheme is open all year)."""
        return self.open_all_year or self.open_round(today) is not None


def _check_condition_values(key: str, target: FieldSpec, condition: Condition) -> None:
    """A condition that can never hold is a typo; catch it at load time, not in a chat."""
    for value in condition.compared_values():
        if target.type in _CHOICE_TYPES and value not in {c.key for c in target.choices}:
            raise ValueError(
                f"field {key!r}: show_if value {value!r} is no choice of {target.key!r}"
            )
        if target.type is FieldType.YES_NO and not isinstance(value, bool):
            raise ValueError(f"field {key!r}: show_if on yes/no {target.key!r} needs true/false")


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """ "form[3] (key 'cvr').max_bytes" rather than pydantic's bare "form.3.max_bytes"."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            if isinstance(node, list) and step < len(node):
                node = node[step]
                if isinstance(node, dict) and "key" in node:
                    label += f" (key {node['key']!r})"
            parts.append(label)
            continue
        parts.append(f".{step}" if parts else str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def load_scheme(path: Path) -> GrantScheme:
    """Read and validate one scheme file; raises `SchemeError` naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SchemeError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SchemeError(f"{path}: expected a mapping at the top level")
    if raw.get("slug") != path.stem:
        slug = raw.get("slug")
        raise SchemeError(f"{path}: slug {slug!r} must match the file name {path.stem!r}")
    try:
        return GrantScheme.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_describe_location(raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        )
        raise SchemeError(f"{path}: {problems}") from exc


def load_schemes(data_dir: Path) -> dict[str, GrantScheme]:
    """Every ``<slug>.yaml`` in `data_dir`, keyed by slug; the first broken file stops the load."""
    schemes = {path.stem: load_scheme(path) for path in sorted(data_dir.glob("*.yaml"))}
    if not schemes:
        raise SchemeError(f"{data_dir}: no grant schemes found")
    return schemes
