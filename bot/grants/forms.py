"""Walking an application form: which question comes next, which are hidden, what is missing.

Everything here is a pure function of (scheme, answers), where `answers` is the JSON object the
conversation layer stores (field key → value from `bot.grants.fields`). Nothing is remembered
between calls, so a chair can stop ("Gem og fortsæt senere") and resume days later from the
stored answers.

Hidden answers are dropped: when an edit hides a field (say "Søger I som forening med CVR-nummer?"
changes to "nej"), `set_answer` removes the CVR answer too. Keeping it would send the committee a
CVR number the applicant has since said they do not have; the cost is retyping it if they change
their mind again.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.grants.fields import JsonValue
from bot.grants.schemes import FieldSpec, GrantScheme

Answers = Mapping[str, JsonValue]


class FormWalker:
    """The navigation rules of one scheme's form."""

    def __init__(self, scheme: GrantScheme) -> None:
        self.scheme = scheme
        self._fields = scheme.form
        self._index = {spec.key: i for i, spec in enumerate(scheme.form)}

    def visible_fields(self, answers: Answers) -> list[FieldSpec]:
        """The fields to ask, in form order, given the answers.

        A condition is checked against the answers of *visible* fields only, so a field that
        depends on a hidden field is hidden as well (conditions can chain).
        """
        visible: list[FieldSpec] = []
        seen: dict[str, JsonValue] = {}
        for spec in self._fields:
            condition = spec.show_if
            if condition is None or condition.holds(seen.get(condition.field)):
                visible.append(spec)
                if spec.key in answers:
                    seen[spec.key] = answers[spec.key]
        return visible

    def is_visible(self, answers: Answers, key: str) -> bool:
        """True when the field `key` is currently asked."""
        return any(spec.key == key for spec in self.visible_fields(answers))

    def first_field(self, answers: Answers | None = None) -> FieldSpec:
        """The first question (it never has a condition: there is nothing earlier to depend on)."""
        return self.visible_fields(answers or {})[0]

    def next_field(self, answers: Answers, after_key: str) -> FieldSpec | None:
        """The visible field after `after_key`, or None when `after_key` was the last one."""
        position = self._position(after_key)
        for spec in self.visible_fields(answers):
            if self._index[spec.key] > position:
                return spec
        return None

    def previous_field(self, answers: Answers, before_key: str) -> FieldSpec | None:
        """The visible field before `before_key` ("Tilbage"), or None at the first question."""
        position = self._position(before_key)
        earlier = [s for s in self.visible_fields(answers) if self._index[s.key] < position]
        return earlier[-1] if earlier else None

    def first_unanswered(self, answers: Answers) -> FieldSpec | None:
        """Where to resume: the first visible field with no answer (None when all are answered).

        A skipped optional field is stored as None and counts as answered.
        """
        for spec in self.visible_fields(answers):
            if spec.key not in answers:
                return spec
        return None

    def missing_required(self, answers: Answers) -> list[FieldSpec]:
        """Visible required fields without a value; the application cannot be sent until empty."""
        return [
            spec
            for spec in self.visible_fields(answers)
            if spec.required and answers.get(spec.key) in (None, "", [])
        ]

    def progress(self, answers: Answers, key: str) -> tuple[int, int]:
        """(number, total) for "Spørgsmål 4 af 15": 1-based position of `key` among visible fields.

        The total changes when an answer shows or hides fields; a hidden `key` raises KeyError.
        """
        visible = [spec.key for spec in self.visible_fields(answers)]
        if key not in visible:
            raise KeyError(f"field {key!r} is not visible")
        return visible.index(key) + 1, len(visible)

    def prune(self, answers: Answers) -> dict[str, JsonValue]:
        """The answers without those of hidden or unknown fields."""
        visible = {spec.key for spec in self.visible_fields(answers)}
        return {key: value for key, value in answers.items() if key in visible}

    def set_answer(self, answers: Answers, key: str, value: JsonValue) -> dict[str, JsonValue]:
        """A new answers dict with `key` set to `value` and answers of newly hidden fields dropped.

        `value` None records a skipped optional field. The input mapping is not modified.
        """
        self._position(key)
        updated = dict(answers)
        updated[key] = value
        return self.prune(updated)

    def clear_answer(self, answers: Answers, key: str) -> dict[str, JsonValue]:
        """A new answers dict without `key` (to ask it again), with dependants pruned."""
        updated = {k: v for k, v in answers.items() if k != key}
        return self.prune(updated)

    def _position(self, key: str) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"the form of {self.scheme.slug!r} has no field {key!r}") from None
