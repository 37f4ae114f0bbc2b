"""Refusals next to the control they are about: a message in the reader's language, and the
service's own words (English) about what exactly is wrong.

The service and its models name a field by its path in the configuration
("districts.1.population", "ballot.max_length", "fairness.document.districts.floors.X");
each path belongs to one control of the set-up form.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.pages.setup.choices import LIMITS, SCHEDULED
from pbengine.service.errors import ForbiddenError, ServiceError

LINES = ("districts", "categories", "outcomes")
"""Controls written one item a line: a problem there names its line."""

MESSAGES = {
    "title": N_("Give the round a title of up to 200 characters."),
    "description": N_("Write a description of at most 10,000 characters."),
    "budget": N_("Write the budget as an amount above zero, such as 250000 or 1500.50."),
    "currency": N_("Write the currency as its three-letter code, such as EUR or PLN."),
    "districts": N_(
        "Write one district a line: its name, then its population, and if it has one its "
        "own budget, separated by commas."
    ),
    "categories": N_("Write one category a line, each once, without commas or semicolons."),
    "outcomes": N_(
        "Write one outcome priority a line: a short key (lower-case letters, digits and "
        "hyphens), a comma, then its title."
    ),
    "ballot": N_("These ballot settings do not fit together."),
    "ballot-type": N_("Choose one of the ballot types in the list."),
    "outcome_vote": N_("Choose how residents vote on the outcome priorities."),
    "rule": N_("Choose one of the allocation rules in the list."),
    "revote": N_("Choose whether residents may vote again."),
    "fairness": N_("These fairness rules do not fit the round's other settings."),
    "schedule": N_("Give dates as the calendar shows them, in the order the phases run."),
    "reason": N_("Say why the round is void: the reason is published with it."),
    "form": N_("This change was refused."),
}
LIMIT_MESSAGE = N_("Write a number, or leave it empty.")
FROZEN = N_("Voting has opened: this setting is frozen and cannot change.")
STILL_USED = N_("A project still names what this change removes: keep it, or change the project.")
FORBIDDEN = N_("Only council staff can set up and change rounds.")


@dataclass(frozen=True)
class FieldError:
    message: str
    """In the reader's language."""
    detail: str
    """The service's words (English): what exactly is wrong."""


Errors = dict[str, FieldError]


def control(path: tuple[str | int, ...]) -> tuple[str, str]:
    """The form control a configuration path belongs to, and where in it ("line 2")."""
    head = str(path[0]) if path else "form"
    rest = path[1:]
    if head in LINES:
        line = f"line {rest[0] + 1}" if rest and isinstance(rest[0], int) else ""
        return head, line
    if head == "ballot":
        known = {field for field, _, _ in LIMITS} | {"type", "outcome_vote"}
        if rest and rest[0] in known:
            name = "outcome_vote" if rest[0] == "outcome_vote" else f"ballot-{rest[0]}"
            return name, ""
        return "ballot", ""
    if head == "schedule":
        phases = {str(p) for p in SCHEDULED}
        return (f"schedule-{rest[0]}", "") if rest and rest[0] in phases else ("schedule", "")
    if head in MESSAGES:
        return head, ""
    return "form", ""


def from_validation(exc: ValidationError, language: Language) -> Errors:
    """Every problem the models found, the first one for each control."""
    errors: Errors = {}
    for error in exc.errors():
        name, where = control(tuple(error["loc"]))
        problem = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(name, _error(name, f"{where}: {problem}" if where else problem, language))
    return errors


def from_service(exc: ServiceError, language: Language) -> Errors:
    if isinstance(exc, ForbiddenError):
        return {"form": FieldError(language.translate(FORBIDDEN), exc.problem)}
    path = tuple(int(p) if p.isdigit() else p for p in (exc.field or "").split(".") if p)
    name, where = control(path)
    return {name: _error(name, f"{where}: {exc.problem}" if where else exc.problem, language)}


def on_page(errors: Errors, frozen: bool) -> Errors:
    """Once settings are frozen their controls are gone: what is about them goes on top."""
    if not frozen:
        return errors
    shown: Errors = {}
    for name, error in errors.items():
        editable = name in ("title", "description", "schedule") or name.startswith("schedule-")
        shown.setdefault(name if editable else "form", error)
    return shown


def refused_change(exc: ServiceError, frozen: bool, language: Language) -> Errors:
    """A change the service refused as a conflict: a frozen setting (no control shows it
    any more), or a district, category or outcome priority a project still names."""
    if frozen:
        return {"form": FieldError(language.translate(FROZEN), exc.problem)}
    name = next(iter(from_service(exc, language)))
    return {name: FieldError(language.translate(STILL_USED), exc.problem)}


def _error(name: str, detail: str, language: Language) -> FieldError:
    if name.startswith("ballot-") and name != "ballot-type":
        message = LIMIT_MESSAGE
    elif name.startswith("schedule-"):
        message = MESSAGES["schedule"]
    else:
        message = MESSAGES.get(name, MESSAGES["form"])
    return FieldError(language.translate(message), detail)
