"""A refusal as staff read it on the paper pages: the control it belongs to, the page's own
words in the reader's language, and the service's words (English) as the exact detail."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from pbengine.formats.validation_errors import first_error
from pbengine.pages.ballot_form import MESSAGES as BALLOT_MESSAGES
from pbengine.pages.ballot_form import message as ballot_message
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.service.errors import ServiceError
from pbengine.service.paper_replies import BatchView
from pbengine.service.rounds import RoundView

Refusal = ServiceError | ValidationError


@dataclass(frozen=True)
class Refused:
    field: str
    """The control it belongs to on the page (its id), or `form` for the page as a whole."""
    message: str
    """In the reader's language."""
    detail: str
    """The service's own words (English), or empty."""
    status: int


FORM = "form"

# The control a service's field belongs to (a ballot's limits belong to its projects).
CONTROLS = {"authorization": "voter_code", "max_outcomes": "outcomes", "ballot": "projects"}
PAGE_FIELDS = ("voter_code", "projects", "outcomes", "label", "papers", "note", "choice")

MESSAGES = {
    "label": N_("Give the batch a name staff can find it by, such as the label on its box."),
    "label-taken": N_("This round already has a batch with this name: give this one another."),
    "papers": N_("Write the number of papers as a whole number, such as 120, or leave it empty."),
    "voter_code": N_(
        "This voter code was not issued in this round. Check the paper and type it again."
    ),
    "voter_code-used": N_("This voter code has already voted: this paper cannot count as it is."),
    "no_code": N_("Type the voter code printed on the paper."),
    "blank": N_(
        "Nothing is ticked: tick what the paper ticks. A blank paper is not entered; "
        "put it with the spoilt papers."
    ),
    "full": N_(
        "Your pass already holds every paper of this batch. If one is wrong, correct it "
        "from the list below."
    ),
    "note": N_("Say what the paper shows: the note is kept in the round's record."),
    "choice": N_("Choose what counts for this paper."),
    "typed": N_("Type the ballot as the paper reads, or choose another answer."),
    "phase": N_(
        "Paper ballots are entered while voting is open; this round is in the phase: %(phase)s."
    ),
    "counted": N_("This batch is counted and closed: nothing in it can change any more."),
    "busy": N_(
        "Another change to this batch arrived at the same moment; nothing was stored. "
        "Send it again."
    ),
    "count": N_("The batch cannot count yet: what stops it is listed beside the button."),
    "not_yours": N_(
        "You have entered no pass of this batch: a pass is corrected only by the staff "
        "member who entered it."
    ),
    "own_other_pass": N_(
        "You are entering pass %(mine)s of this batch. The other pass must be entered by "
        "another staff member, so that two people read every paper."
    ),
    "pass_taken": N_(
        "Pass %(n)s is being entered by %(name)s. This screen now enters the pass that is "
        "free: check the ballot and save it again."
    ),
    "passes_taken": N_(
        "Both passes of this batch are taken (pass 1 by %(first)s, pass 2 by %(second)s). "
        "You can decide its disagreements on the batch's page."
    ),
    "unexplained": N_("This was refused."),
}


def refused(
    error: Refusal,
    language: Language,
    round_view: RoundView,
    batch: BatchView | None = None,
    me: str = "",
    *,
    counting: bool = False,
) -> Refused:
    """The refusal in words, for the page that shows the current state of `batch`."""
    if isinstance(error, ValidationError):
        field, detail = first_error(error, FORM)
        status, kind = 422, ""
    else:
        field, detail, status = error.field or FORM, error.problem, error.status
        kind = type(error).__name__
    field = field.split(".")[0]
    if field == "pass_number" and batch is not None and status == 409:
        return Refused(FORM, _pass_message(batch, me, language), detail, status)
    key = _key(field, kind, status, batch, counting)
    if key in MESSAGES:
        phase = language.translate(PHASES[round_view.phase])
        return Refused(
            _control(field), language.translate(MESSAGES[key], phase=phase), detail, status
        )
    if field in BALLOT_MESSAGES:
        words = ballot_message(field, round_view.config, language, "")
        return Refused(_control(field), words, detail, status)
    return Refused(_control(field), language.translate(MESSAGES["unexplained"]), detail, status)


def own(field: str, key: str, language: Language) -> Refused:
    """A refusal the page makes itself, before asking the service."""
    return Refused(field, language.translate(MESSAGES[key]), "", 422)


def _key(field: str, kind: str, status: int, batch: BatchView | None, counting: bool) -> str:
    if field == "label" and status == 409:
        return "label-taken"
    if field == "voter_code" and status == 409:
        return "voter_code-used"
    if field == "position" and status == 409:
        return "full"
    if field == "pass_number" or kind == "ForbiddenError":
        return "not_yours"
    if field == "ballot":
        return "typed"
    if field == "batch":
        if batch is not None and batch.status == "counted":
            return "counted"
        return "count" if counting else "busy"
    return field


def _control(field: str) -> str:
    field = CONTROLS.get(field, field)
    if field in PAGE_FIELDS:
        return field
    return "projects" if field in BALLOT_MESSAGES or field in ("points",) else FORM


def _pass_message(batch: BatchView, me: str, language: Language) -> str:
    takers = {p.pass_number: p.staff for p in batch.passes}
    if batch.your_pass is not None:
        return language.translate(MESSAGES["own_other_pass"], mine=batch.your_pass)
    taken = [n for n, name in takers.items() if name not in (None, me)]
    if len(taken) == 2:
        return language.translate(
            MESSAGES["passes_taken"], first=takers[1] or "", second=takers[2] or ""
        )
    n = taken[0] if taken else 1
    return language.translate(MESSAGES["pass_taken"], n=n, name=takers.get(n) or "")
