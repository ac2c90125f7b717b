"""The eligibility test: is this voluntary social work the scheme can support?

The definition shared by the policies (Sermersooq, Jammerbugt, Solrød, Tønder): the work is
voluntary, unpaid apart from expenses, done for others than oneself and one's family, non-profit,
formally organised, and in the social or health field. Each scheme phrases these as yes/no
questions in its YAML (Sermersooq's "organised" question also admits self-organised groups; Solrød
asks sports and leisure clubs whether the activity has a clear social purpose). This module holds
the criteria every scheme must cover and decides pass or fail from the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.grants.schemes import REQUIRED_CRITERIA, EligibilityQuestion, GrantScheme

__all__ = ["REQUIRED_CRITERIA", "EligibilityOutcome", "applicable_questions", "evaluate"]


@dataclass(frozen=True)
class EligibilityOutcome:
    """Where the test stands: `passed` once every question is answered and none failed.

    `failed` is the first question answered the wrong way; its `explanation` is the kind text to
    show. `pending` is the next question to ask (None when failed or finished).
    """

    passed: bool
    failed: EligibilityQuestion | None
    pending: EligibilityQuestion | None

    @property
    def failed_key(self) -> str | None:
        """The key of the failing question ("unpaid"), for logging and statistics."""
        return self.failed.key if self.failed else None

    def explanation(self, language: str | None) -> str | None:
        """The failing question's explanation in `language`, or None when nothing failed."""
        if self.failed is None or self.failed.explanation is None:
            return None
        return self.failed.explanation.get(language)


def applicable_questions(
    scheme: GrantScheme, answers: Mapping[str, bool]
) -> list[EligibilityQuestion]:
    """The questions to ask, in order, given the answers so far (follow-ups only when relevant)."""
    return [
        q
        for q in scheme.eligibility
        if q.show_if is None or q.show_if.holds(answers.get(q.show_if.field))
    ]


def evaluate(scheme: GrantScheme, answers: Mapping[str, bool]) -> EligibilityOutcome:
    """Pass, fail (stopping at the first failing question, so nobody answers in vain) or pending."""
    for question in applicable_questions(scheme, answers):
        answer = answers.get(question.key)
        if answer is None:
            return EligibilityOutcome(passed=False, failed=None, pending=question)
        if question.passes_with is not None and answer is not question.passes_with:
            return EligibilityOutcome(passed=False, failed=question, pending=None)
    return EligibilityOutcome(passed=True, failed=None, pending=None)
