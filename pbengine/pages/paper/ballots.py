"""A paper ballot between the entry form and the service: the vote form's names (ballot_form),
read into what the service takes, and a ballot of a pass shown in the form again."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import FormMultiDict

from pbengine.pages.ballot_form import BallotForm, read_ballot
from pbengine.service.config import RoundConfig
from pbengine.service.paper_entries import PaperBallotIn, PaperEntryIn
from pbengine.service.paper_replies import PaperBallotOut


@dataclass(frozen=True)
class Places:
    """How many ranked places the form shows, where the ballot ranks."""

    projects: int
    outcomes: int
    ranked_outcomes: bool


def places(config: RoundConfig, projects: int) -> Places:
    most = config.limits().max_length or projects
    outcomes = len(config.outcomes)
    return Places(
        projects=min(most, projects),
        outcomes=min(config.ballot.max_outcomes or outcomes, outcomes),
        ranked_outcomes=config.ballot.outcome_vote == "ranking",
    )


def paper_ballot(form: FormMultiDict, config: RoundConfig) -> PaperBallotIn:
    """What the form says, as the service takes a ballot typed from the paper."""
    read = read_ballot(form)
    points = config.vote_type.has_points
    return PaperBallotIn(
        voter_code=read.voter_code,
        projects=None if points else read.projects,
        points=dict(read.points) if points else None,
        outcomes=read.outcomes,
    )


def paper_entry(form: FormMultiDict, config: RoundConfig) -> PaperEntryIn:
    """The next ballot of a pass: the pass the screen showed goes with it, so that a
    ballot never lands in another pass than the one the clerk read on the screen."""
    shown = str(form.get("pass_number") or "")
    return PaperEntryIn(
        **paper_ballot(form, config).model_dump(),
        pass_number=int(shown) if shown in ("1", "2") else None,
    )


def missing(form: FormMultiDict) -> str | None:
    """What the form lacks before the service is asked: the code, or any choice."""
    read = read_ballot(form)
    if not read.voter_code:
        return "no_code"
    return "blank" if read.empty else None


def as_form(ballot: PaperBallotOut) -> BallotForm:
    """A ballot of a pass in the form's terms, to correct it (the code is typed again)."""
    if ballot.points is not None:
        points = dict(zip(ballot.projects, ballot.points, strict=True))
        return BallotForm(points=points, outcomes=list(ballot.outcomes))
    return BallotForm(projects=list(ballot.projects), outcomes=list(ballot.outcomes))
