"""The order of a visit's questions for one lead: fit questions first for a lead whose score is all behaviour, and
no questions about a company, its size, budget or timeline for someone who buys for no company (a student)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .domain import Lead, ProfileField
from .profiling import FIT_FIELDS

NO_COMPANY_SENIORITY = frozenset({"student", "none"})
"""Seniority levels (`roles.normalise_role`) of people who buy for no company: students, researchers, job seekers."""
COMPANY_FIELDS = frozenset({ProfileField.COMPANY, ProfileField.COMPANY_SIZE, ProfileField.BUDGET,
                            ProfileField.TIMELINE})
"""Questions about a company and its purchase, which such a visitor cannot answer ("I'm a student writing my thesis"
was asked how many people work at their company until stop 27, and "Which company are you with?" until stop 31)."""


def question_order(order: Sequence[ProfileField], lead: Lead) -> list[ProfileField]:
    """`order` (nurture.yml's `profiling.order`) as it applies to `lead`."""
    fields = list(order)
    if lead.seniority in NO_COMPANY_SENIORITY:
        fields = [f for f in fields if f not in COMPANY_FIELDS]
    if lead.score > 0 and not FIT_FIELDS & set(lead.profile):
        fields.sort(key=lambda f: f not in FIT_FIELDS)
    return fields


def email_first(plan: Sequence[ProfileField], *, known: Collection[ProfileField],
                refused: Collection[ProfileField]) -> list[ProfileField]:
    """The plan with the email question first, unless the email is known or was refused in this visit: the visitor
    asked to be sent something, whatever the visit's budget of questions."""
    rest: list[ProfileField] = [f for f in plan if f is not ProfileField.EMAIL]
    wanted = ProfileField.EMAIL not in known and ProfileField.EMAIL not in refused
    return [ProfileField.EMAIL, *rest] if wanted else rest
