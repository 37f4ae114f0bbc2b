"""A ballot as the vote form sends it, checked before review, and its errors in words.

The form and the review page send the same names, so one reader serves
both: `voter_code`; `project` (in order) or `rank-1`, `rank-2`... for an
ordinal ballot; `points-<project>` for points; `outcome` (in order) or
`outcome-rank-1`...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from litestar.datastructures import FormMultiDict

from pbengine.core.ballot_check import BallotError, check_ballot
from pbengine.core.money import parse_amount
from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.service.config import RoundConfig
from pbengine.service.voting import BallotIn

# Points as people write them; an exponent ("1e999999") would make a number too long to
# even print in an error.
POINTS = re.compile(r"\d{1,12}([.,]\d{1,6})?")
RANKS = 50
"""The most ranked places a form may send: more than any ballot shows."""


@dataclass
class BallotForm:
    voter_code: str = ""
    projects: list[str] = field(default_factory=list)
    points: dict[str, str] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.projects or self.points or self.outcomes)

    def ballot(self, has_points: bool) -> BallotIn:
        """The ballot to cast: the whole of what the form shows, outcomes included."""
        if has_points:
            return BallotIn(points=dict(self.points), outcomes=list(self.outcomes))
        return BallotIn(projects=list(self.projects), outcomes=list(self.outcomes))


def read_ballot(form: FormMultiDict) -> BallotForm:
    ranked = [str(form.get(f"rank-{i}") or "") for i in range(1, RANKS + 1)]
    projects = [p for p in ranked if p] or [str(p) for p in form.getall("project", []) if p]
    ranked_outcomes = [str(form.get(f"outcome-rank-{i}") or "") for i in range(1, RANKS + 1)]
    outcomes = [o for o in ranked_outcomes if o] or [
        str(o) for o in form.getall("outcome", []) if o
    ]
    points = {
        str(key).removeprefix("points-"): str(value).strip()
        for key, value in form.items()
        if str(key).startswith("points-") and str(value).strip()
    }
    return BallotForm(
        voter_code=str(form.get("voter_code") or "").strip(),
        projects=projects,
        points=points,
        outcomes=outcomes,
    )


def choice_errors(
    form: BallotForm, config: RoundConfig, costs: dict[str, Fraction], language: Language
) -> dict[str, str]:
    """What the round's ballot rules say of these choices, before anything is stored; the
    service checks it all again when the ballot is cast."""
    has_points = config.vote_type.has_points
    points: list[Fraction] | None = None
    projects = list(form.points) if has_points else form.projects
    if has_points:
        if not all(POINTS.fullmatch(v) for v in form.points.values()):
            return {"projects": language.translate(MESSAGES["points"])}
        points = [parse_amount(v) for v in form.points.values()]
    if not projects and not form.outcomes:
        return {"projects": language.translate(N_("Choose at least one project."))}
    errors: dict[str, str] = {}
    if projects or config.ballot.min_length:
        try:
            check_ballot(config.vote_type, config.limits(), costs, projects, points)
        except BallotError as exc:
            errors["projects"] = message(exc.field, config, language, exc.problem)
    most = config.ballot.max_outcomes
    if len(set(form.outcomes)) != len(form.outcomes):
        errors["outcomes"] = message("outcomes", config, language, "")
    elif most is not None and len(form.outcomes) > most:
        errors["outcomes"] = message("max_outcomes", config, language, "")
    return errors


MESSAGES: dict[str, str] = {
    "max_length": N_("Too many projects. Number of projects: at most %(n)s."),
    "min_length": N_("Too few projects. Number of projects: at least %(n)s."),
    "choose_1": N_("Choose one project."),
    "max_sum_cost": N_("Together, the projects you choose may cost at most %(amount)s."),
    "min_sum_cost": N_("Together, the projects you choose must cost at least %(amount)s."),
    "max_points": N_("Give each project at most %(n)s points."),
    "min_points": N_("Give each project you choose at least %(n)s points."),
    "max_sum_points": N_("Share out at most %(n)s points in all."),
    "min_sum_points": N_("Share out at least %(n)s points in all."),
    "points": N_("Give points as whole numbers above zero; leave a project empty to give none."),
    "projects": N_("Choose each project only once, from this round's list."),
    "max_outcomes": N_("Too many outcome priorities. At most: %(n)s."),
    "outcomes": N_("Choose each outcome priority only once."),
    "unknown_code": N_("We do not know this voter code. Check it and type it again."),
    "other_round": N_("This voter code belongs to another round."),
    "no_code": N_("Type the voter code you were given."),
    "used": N_("This voter code has already voted, and its ballot cannot be replaced online."),
    "closed": N_("Voting is not open in this round."),
}


def message(field_name: str | None, config: RoundConfig, language: Language, fallback: str) -> str:
    """The words for a refusal naming `field_name`, with the round's limit filled in."""
    if field_name is None or field_name not in MESSAGES:
        return fallback
    if field_name == "max_length" and config.ballot.type == "choose-1":
        return language.translate(MESSAGES["choose_1"])
    return language.translate(MESSAGES[field_name], **limit_values(field_name, config, language))


def limit_values(field_name: str, config: RoundConfig, language: Language) -> dict[str, Any]:
    limits = config.limits()
    if field_name in ("max_outcomes",):
        return {"n": config.ballot.max_outcomes}
    value = getattr(limits, field_name, None)
    if value is None:
        return {}
    if field_name.endswith("_cost"):
        return {"amount": language.money(value, config.currency)}
    return {"n": language.number(value)}
