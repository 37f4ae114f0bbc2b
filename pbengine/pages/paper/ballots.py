"""A paper ballot between the entry form and the service, and in words for the batch page."""

from __future__ import annotations

from litestar.datastructures import FormMultiDict

from pbengine.pages.ballot_form import read_ballot
from pbengine.service.config import RoundConfig
from pbengine.service.paper_entries import PaperBallotIn, PaperEntryIn
from pbengine.service.paper_replies import PaperBallotOut

POINTS_TYPES = ("cumulative", "scoring")


def entry_of(form: FormMultiDict, config: RoundConfig) -> PaperEntryIn:
    """What the entry form (the vote form's names: project, points-…, rank-…, outcome…)
    says, as the service takes it."""
    read = read_ballot(form)
    points = config.ballot.type in POINTS_TYPES
    return PaperEntryIn(
        voter_code=read.voter_code.strip() or "-",
        projects=None if points else read.projects,
        points=dict(read.points) if points else None,
        outcomes=read.outcomes,
    )


def ballot_of(form: FormMultiDict, config: RoundConfig) -> PaperBallotIn:
    entry = entry_of(form, config)
    return PaperBallotIn(**entry.model_dump(exclude={"pass_number"}))


def in_words(ballot: PaperBallotOut | None, titles: dict[str, str]) -> list[str]:
    """The choices as a reader checks them against the paper: titles, points, outcomes."""
    if ballot is None:
        return []
    if ballot.points is not None:
        shown = [
            f"{titles.get(p, p)}: {points}"
            for p, points in zip(ballot.projects, ballot.points, strict=True)
        ]
    else:
        shown = [titles.get(p, p) for p in ballot.projects]
    return shown + [f"→ {titles.get(o, o)}" for o in ballot.outcomes]
