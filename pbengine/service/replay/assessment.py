"""Assessment events checked on replay with the fold the service checked them with.

Codes for the assessment are issued in delivery or assessment, each key once. An
assessment is taken only in phase assessment, only of a project the delivery folded so
far says was delivered, with answers `core.assessment.apply` accepts for the outcome
priorities the project serves, and naming the live assessment of the same assessor and
project it replaces. An assessor from an assessment code must have been issued; assessors
from voter codes are not linked to voter keys in the record (that is the point), so replay
checks only that there are no more of them than voter codes issued. A council's answer
comes in phase assessment, on a project of the delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pbengine.core import assessment as core
from pbengine.core.election_json import project_from_json
from pbengine.core.phases import Phase
from pbengine.service.replay.errors import RecordError

if TYPE_CHECKING:
    from pbengine.service.replay.rebuild import RebuiltRound

Handler = Callable[["RebuiltRound", Mapping[str, Any], str, Mapping[str, Any]], None]


def codes_issued(
    state: RebuiltRound, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]
) -> None:
    if state.phase not in (Phase.DELIVERY, Phase.ASSESSMENT):
        raise RecordError(f"{label}: assessment codes issued while the round is in {state.phase}")
    if set(p) != {"count", "district", "assessors"}:
        raise RecordError(f"{label}: issued codes record their count, district and keys only")
    keys = [str(k) for k in p["assessors"]]
    issued: set[str] = state.after_vote.setdefault("assessment_keys", set())
    if p["count"] != len(keys) or len(set(keys)) != len(keys) or issued & set(keys):
        raise RecordError(f"{label}: the count does not match new, distinct assessor keys")
    districts = [d["name"] for d in state.config.get("districts", [])]
    if p["district"] is not None and p["district"] not in districts:
        raise RecordError(f"{label}: codes for {p['district']!r}, not a district of the round")
    issued.update(keys)


def assessed(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    if state.phase is not Phase.ASSESSMENT:
        raise RecordError(f"{label}: an assessment event while the round is in {state.phase}")
    if event["type"] == core.ASSESSED:
        _check_assessor(state, p, label)
    assessments: core.Assessments = state.after_vote.setdefault("assessments", core.Assessments())
    delivery = state.delivery or {}
    funded = set(delivery) if state.delivery is not None else _selected(state)
    serves = {pid: _serves(state, pid) for pid in funded}
    assessable = {pid: serves[pid] for pid, d in delivery.items() if d.state == "delivered"}
    try:
        core.apply(
            assessments,
            str(event["type"]),
            p,
            event_hash=str(event["hash"]),
            assessable=assessable,
            funded=funded,
        )
    except core.AssessmentError as exc:
        raise RecordError(f"{label}: {exc.problem}") from None


def _check_assessor(state: RebuiltRound, p: Mapping[str, Any], label: str) -> None:
    fields = {"assessor", "source", "district", "project", "happened", "used", "helped"}
    if set(p) != fields | {"comment", "replaces"}:
        raise RecordError(f"{label}: an assessment records its pseudonym, answers and digest only")
    assessor = str(p["assessor"])
    issued: set[str] = state.after_vote.get("assessment_keys", set())
    if p["source"] == "assessment":
        if assessor not in issued:
            raise RecordError(f"{label}: no assessment code was issued for {assessor}")
    elif p["source"] == "voter" and assessor not in issued:
        voters: set[str] = state.after_vote.setdefault("voter_assessors", set())
        voters.add(assessor)
        if len(voters) > len(state.issued):
            raise RecordError(
                f"{label}: more assessors from voter codes than voter codes were issued"
            )
    else:
        raise RecordError(f"{label}: an assessor from {p['source']!r}")


def _serves(state: RebuiltRound, project: str) -> tuple[str, ...]:
    found = state.projects.get(project)
    return () if found is None else project_from_json(found).outcomes


def _selected(state: RebuiltRound) -> set[str]:
    return set(state.last_result["selected"]) if state.last_result else set()


ASSESSMENT_HANDLERS: dict[str, Handler] = {
    core.ISSUED: codes_issued,
    core.ASSESSED: assessed,
    core.ANSWERED: assessed,
}
