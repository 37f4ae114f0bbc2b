"""One change to a funded project's delivery, as the delivery desk's small forms post it:
a milestone added or updated, money spent, a link, or the project cancelled.

Each form's controls have ids of their own (`amount-spend-<project>`), so that a refusal is
shown beside the control at fault on a page that holds every project's forms.
"""

from __future__ import annotations

from pydantic import ValidationError

from pbengine.pages.aftervote.common import FORM, anchor, first_field, shown, whole
from pbengine.pages.council.refusals import in_phase, raise_unless_shown
from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.pages.staff.session import Staff
from pbengine.service.delivery import DeliveryService
from pbengine.service.delivery_replies import CancelIn, DeliveryOut, LinkIn, MilestoneIn, SpendIn
from pbengine.service.errors import ServiceError
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

FIELDS = (
    *("action", "project", "number", "title", "planned", "actual", "status", "reason"),
    *("amount", "on", "note", "url", "confirm", "rule"),
)
CONTROLS = {
    "milestone": ("title", "planned", "actual", "status", "reason"),
    "update": ("actual", "status", "reason"),
    "spend": ("amount", "on", "note"),
    "link": ("title", "url"),
    "cancel": ("reason", "confirm"),
}
"""The controls of each form: a refusal naming another field is shown at the top."""

MESSAGES = {
    "title": N_("Write a title, in up to 200 characters."),
    "planned": N_("Write the planned date as a date, such as 2027-06-30."),
    "actual": N_("Write the date it was done, such as 2027-06-30: a delivered milestone needs it."),
    "status": N_("Choose one of the statuses in the list."),
    "reason": N_(
        "Write the reason residents will read, in up to 1,000 characters: a delayed or "
        "cancelled milestone needs one."
    ),
    "amount": N_(
        "Write the money spent as an exact amount above zero, such as 1500.50: digits, "
        "with a dot before the cents."
    ),
    "on": N_("Write the date the money was spent, such as 2027-06-30."),
    "note": N_("Write a note of up to 1,000 characters."),
    "url": N_(
        "Write the full address of the photo or document: it begins with http:// or https:// "
        "and the name of the site."
    ),
}
CANCEL_MESSAGES = {
    **MESSAGES,
    "reason": N_(
        "Write why the project will not be delivered, in up to 1,000 characters: residents "
        "read it on the delivery page."
    ),
}
CONFIRM_CANCEL = N_("Tick the box to confirm that this project will not be delivered.")
CANCELLED_ALREADY = N_("This project is cancelled: its delivery takes no further change.")
UNKNOWN_FORM = N_("This form is not one of this page's: load the page again and use its forms.")
NOT_IN_DELIVERY = N_(
    "Delivery is recorded while the round is in the delivery phase; this round is in the "
    "phase: %(phase)s."
)


def form_id(posted: dict[str, str]) -> str:
    """Which of a project's forms was posted: an update is one per milestone."""
    return f"m{posted['number']}" if posted["action"] == "update" else posted["action"]


def control_id(field: str, form: str, project: str) -> str:
    return f"{field}-{form}-{anchor(project)}"


def change(
    uow: UnitOfWork, staff: Staff, round_id: int, posted: dict[str, str], language: Language
) -> tuple[int, dict[str, str]]:
    """Make the change the form asks for: (status, errors by control id), none if it held."""
    action, project, form = posted["action"], posted["project"], form_id(posted)
    ids = {f: control_id(f, form, project) for f in CONTROLS.get(action, ())}
    messages = CANCEL_MESSAGES if action == "cancel" else MESSAGES
    if action not in CONTROLS:
        return 422, {FORM: language.translate(UNKNOWN_FORM)}
    if action == "cancel" and posted["confirm"] != "yes":
        return 422, {ids["confirm"]: language.translate(CONFIRM_CANCEL)}
    try:
        _apply(DeliveryService(uow), staff, round_id, posted)
    except ValidationError as exc:
        field = first_field(exc)
        return 422, shown(field, str(exc), fields=ids, messages=messages, language=language)
    except ServiceError as exc:
        raise_unless_shown(exc)
        if exc.field == "phase":
            view = RoundService(uow).own_view(staff.principal, round_id)
            return exc.status, {FORM: in_phase(NOT_IN_DELIVERY, view, language)}
        if exc.field == "project":
            return exc.status, {FORM: language.translate(CANCELLED_ALREADY)}
        return exc.status, shown(
            exc.field, exc.problem, fields=ids, messages=messages, language=language
        )
    return 200, {}


def _apply(service: DeliveryService, staff: Staff, round_id: int, posted: dict[str, str]) -> None:
    who, project, action = staff.principal, posted["project"], posted["action"]
    if action == "milestone":
        milestone = MilestoneIn.model_validate(_milestone(posted, posted["title"], None))
        service.milestone(who, round_id, project, milestone)
    elif action == "update":
        number = whole(posted["number"])
        title, planned = _current(service.view(round_id), project, number)
        milestone = MilestoneIn.model_validate(_milestone(posted, title, planned))
        # A number the project lacks: the service refuses it (404), as for the API.
        service.milestone(who, round_id, project, milestone, number=number)
    elif action == "spend":
        amount = posted["amount"].replace(" ", "")
        spend = SpendIn(amount=amount, on=posted["on"], note=posted["note"])
        service.spend(who, round_id, project, spend)
    elif action == "link":
        service.link(who, round_id, project, LinkIn(url=posted["url"], title=posted["title"]))
    else:
        service.cancel(who, round_id, project, CancelIn(reason=posted["reason"] or None))


def _milestone(posted: dict[str, str], title: str, planned: str | None) -> dict[str, object]:
    return {
        "title": title,
        "planned": planned if posted["action"] == "update" else posted["planned"] or None,
        "actual": posted["actual"] or None,
        "status": posted["status"] or "planned",
        "reason": posted["reason"] or None,
    }


def _current(delivery: DeliveryOut, project: str, number: int) -> tuple[str, str | None]:
    """An updated milestone keeps its title and planned date: the form changes the rest."""
    for found in delivery.projects:
        if found.project == project:
            for m in found.milestones:
                if m.number == number:
                    return m.title, m.planned
    return "?", None
