"""The money released by cancelled or cheaper projects: what the round's declared rule (or
another) would fund with it now, and applying the declared rule, once.

A what-if is logged by the service (it is part of the round's record), so it is asked for
with a button, never computed on merely loading the page.
"""

from __future__ import annotations

from pydantic import ValidationError

from pbengine.pages.aftervote.common import FORM
from pbengine.pages.council.refusals import in_phase, message_for, raise_unless_shown
from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.pages.staff.session import Staff
from pbengine.service.errors import ServiceError
from pbengine.service.reallocation import ReallocationOut, ReallocationService, ReallocationWhatIf
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

RULES = {
    "next-in-order": N_(
        "Next in order: the projects not funded are taken in the order of the vote, and "
        "each one the released money still covers is funded."
    ),
    "rerun": N_(
        "Run again: the round's own allocation rule runs again on the projects not funded, "
        "with the released money as the budget."
    ),
    "carry": N_("Carry over: nothing is funded now; the money goes to the council's next round."),
}
NAMES = {
    "next-in-order": N_("Next in order"),
    "rerun": N_("Run again"),
    "carry": N_("Carry over"),
}
"""Each rule's short name, where the sentence above would not fit (a list, a heading)."""
RULE_ID = "rule-whatif"
CONFIRM_ID = "confirm-reallocate"
CHOOSE_RULE = N_("Choose one of the rules in the list.")
CONFIRM = N_("Tick the box to confirm: the reallocation is applied once and cannot be undone.")
ALREADY = N_(
    "The released money has already been reallocated: it is done once. Money released "
    "later is carried to the council's next round."
)
NOT_IN_DELIVERY = N_(
    "Released money is reallocated while the round is in the delivery phase; this round is "
    "in the phase: %(phase)s."
)


def what_if(
    uow: UnitOfWork, staff: Staff, round_id: int, rule: str, language: Language
) -> tuple[ReallocationOut | None, int, dict[str, str]]:
    """What `rule` would fund with the money released so far: (the answer, status, errors)."""
    try:
        ask = ReallocationWhatIf.model_validate({"rule": rule})
        return ReallocationService(uow).what_if(staff.principal, round_id, ask), 200, {}
    except ValidationError:
        return None, 422, {RULE_ID: language.translate(CHOOSE_RULE)}
    except ServiceError as exc:
        status, errors = _refused(exc, uow, staff, round_id, language)
        return None, status, errors


def apply(
    uow: UnitOfWork, staff: Staff, round_id: int, confirmed: bool, language: Language
) -> tuple[int, dict[str, str]]:
    """Reallocate by the round's declared rule, once: (status, errors), none if it held."""
    if not confirmed:
        return 422, {CONFIRM_ID: language.translate(CONFIRM)}
    try:
        ReallocationService(uow).apply(staff.principal, round_id)
    except ServiceError as exc:
        return _refused(exc, uow, staff, round_id, language)
    return 200, {}


def _refused(
    exc: ServiceError, uow: UnitOfWork, staff: Staff, round_id: int, language: Language
) -> tuple[int, dict[str, str]]:
    raise_unless_shown(exc)
    if exc.field == "phase":
        view = RoundService(uow).own_view(staff.principal, round_id)
        return exc.status, {FORM: in_phase(NOT_IN_DELIVERY, view, language)}
    if exc.status == 409:
        return exc.status, {FORM: language.translate(ALREADY)}
    return exc.status, {FORM: message_for(None, exc.problem, {}, language)}
