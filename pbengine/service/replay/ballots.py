"""Ballots on replay: each ballot.cast checked as the service checked it, and the counted
ballots' contents found, whether the log shows them or commits to them.

A live round's ballot event holds a commitment (core/audit/commitment.py). A full
record opens every counted one (`openings`, by tracker): each must open to its
commitment, name accepted projects, and no opening may be left over. A published
record lists the counted ballots' contents apart from the chain (`ballots`): there
must be exactly as many as the log counts committed ballots, each naming accepted
projects; which is whose, nobody can tell, and the allocation does not need to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pbengine.core.audit.commitment import FIELDS, opening_problem
from pbengine.core.imported_ballots import listed_ballots
from pbengine.core.phases import Phase
from pbengine.service.replay.errors import RecordError

if TYPE_CHECKING:
    from pbengine.service.replay.rebuild import RebuiltRound


@dataclass
class Ballot:
    projects: list[str]
    points: list[str] | None
    attributes: dict[str, str]
    outcomes: list[str]
    tracker: str
    commitment: str | None = None
    """Set for a ballot the log commits to; its contents are then in the record apart."""


def ballot_cast(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    voter = str(p["voter"])
    if state.imported and p["channel"] == "import":
        if voter in state.ballots:
            raise RecordError(f"{label}: a second imported ballot for voter {voter}")
    else:
        if state.phase is not Phase.VOTING:
            raise RecordError(f"{label}: a ballot while the round is in {state.phase}")
        if voter not in state.issued:
            raise RecordError(f"{label}: forged ballot: no voter code was issued for {voter}")
    earlier = state.ballots.get(voter)
    if p["replaces"] != (None if earlier is None else earlier.tracker):
        raise RecordError(f"{label}: it does not name the ballot it replaces")
    tracker = str(event["hash"])
    if "commitment" in p:
        ballot = Ballot([], None, {}, [], tracker, str(p["commitment"]))
    else:
        _check_projects(state, p["projects"], label)
        ballot = Ballot(
            list(p["projects"]), p["points"], dict(p["attributes"]), list(p["outcomes"]), tracker
        )
    # A replacement keeps the earlier ballot's place, as the store keeps its row.
    state.ballots[voter] = ballot
    state.cast.append((int(event["height"]), tracker, p))


def ballots_imported(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    """A batch of an imported election's ballots (core/imported_ballots.py): checked one by
    one as an imported ballot.cast is, and only while the imported round is closed."""
    if not state.imported or state.phase is not Phase.CLOSED:
        raise RecordError(f"{label}: imported ballots outside an imported round before its result")
    if p["first"] != len(state.ballots):
        raise RecordError(
            f"{label}: its first ballot is number {p['first']}, after {len(state.ballots)}"
        )
    on_ballot = _accepted(state)
    for n, (voter, projects, points, attributes) in enumerate(listed_ballots(p)):
        if voter in state.ballots:
            raise RecordError(f"{label}: a second imported ballot for voter {voter}")
        unknown = [pid for pid in projects if pid not in on_ballot]
        if unknown:
            raise RecordError(f"{label}: voter {voter} names projects not on the ballot: {unknown}")
        tracker = f"{event['hash']}:{n}"
        state.ballots[voter] = Ballot(list(projects), points, attributes, [], tracker)


def counted_ballots(state: RebuiltRound) -> list[tuple[str, Ballot]]:
    """Every counted ballot with its contents: shown by the log, opened, or published."""
    shown = [(v, b) for v, b in state.ballots.items() if b.commitment is None]
    sealed = [(v, b) for v, b in state.ballots.items() if b.commitment is not None]
    if not sealed:
        return shown
    if state.published is not None:
        if len(state.published) != len(sealed):
            raise RecordError(
                f"record field ballots lists {len(state.published)} ballots, and the log "
                f"counts {len(sealed)} committed ballots"
            )
        listed = [
            (f"published-{n}", _contents(state, c, f"record field ballots[{n}]"))
            for n, c in enumerate(state.published)
        ]
        return shown + listed
    if state.openings is None:
        raise RecordError(
            f"the log commits to {len(sealed)} ballots, and the record holds neither their "
            "openings nor a published list of them"
        )
    return shown + [(v, _opened(state, b)) for v, b in sealed]


def check_counted(state: RebuiltRound) -> None:
    """The counted ballots can all be found, and no opening is left over."""
    counted_ballots(state)
    if state.openings is not None:
        counted = {b.tracker for b in state.ballots.values() if b.commitment is not None}
        extra = sorted(set(state.openings) - counted)
        if extra:
            raise RecordError(f"record field openings: {extra[0]} is no counted ballot's tracker")


def _opened(state: RebuiltRound, ballot: Ballot) -> Ballot:
    assert state.openings is not None
    assert ballot.commitment is not None
    where = f"record field openings[{ballot.tracker}]"
    opening = state.openings.get(ballot.tracker)
    if opening is None:
        raise RecordError(f"{where}: the counted ballot {ballot.tracker} has no opening")
    problem = opening_problem(ballot.commitment, opening)
    if problem is not None:
        raise RecordError(f"{where}: {problem}")
    opened = _contents(state, opening["ballot"], where)
    opened.tracker, opened.commitment = ballot.tracker, ballot.commitment
    return opened


def _contents(state: RebuiltRound, contents: Any, where: str) -> Ballot:
    if not isinstance(contents, Mapping) or set(contents) != set(FIELDS):
        raise RecordError(f"{where}: a ballot holds exactly {', '.join(FIELDS)}")
    try:
        _check_projects(state, contents["projects"], where)
        points = contents["points"]
        return Ballot(
            [str(p) for p in contents["projects"]],
            None if points is None else [str(x) for x in points],
            {str(k): str(v) for k, v in dict(contents["attributes"]).items()},
            [str(o) for o in contents["outcomes"]],
            "",
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise RecordError(f"{where}: malformed ballot ({exc!r})") from None


def _accepted(state: RebuiltRound) -> set[str]:
    return {k for k, v in state.projects.items() if v["status"] == "accepted"}


def _check_projects(state: RebuiltRound, projects: Any, label: str) -> None:
    on_ballot = _accepted(state)
    unknown = [pid for pid in projects if pid not in on_ballot]
    if unknown:
        raise RecordError(f"{label}: names projects not on the ballot: {unknown}")
