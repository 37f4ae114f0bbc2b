"""Delivery events checked on replay with the very fold the service checked them with.

A change is taken only in phase delivery, only for a project the round's last
allocation funded (or a reallocation funded since), and only if
`core.delivery.apply` accepts it on the delivery folded so far (so no spending on a
cancelled project, no milestone numbered out of turn, no delayed milestone without its
reason). A reallocation, and a reallocation what-if, are recomputed from the delivery so
far with the service's own `reallocation_payload`, and must match what the log says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pbengine.core import delivery as core
from pbengine.core.audit.result import first_difference
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase
from pbengine.service.reallocation import WHAT_IF, reallocation_payload
from pbengine.service.replay.errors import RecordError

if TYPE_CHECKING:
    from pbengine.service.replay.rebuild import RebuiltRound

Handler = Callable[["RebuiltRound", Mapping[str, Any], str, Mapping[str, Any]], None]


def delivery_change(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    delivery = _delivery(state, label)
    try:
        core.apply(delivery, str(event["type"]), p)
    except core.DeliveryError as exc:
        raise RecordError(f"{label}: {exc.problem}") from None


def reallocated(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    delivery = _delivery(state, label)
    applied = event["type"] == core.REALLOCATED
    if applied:
        declared = state.config.get("reallocation", "carry")
        if p["rule"] != declared:
            raise RecordError(f"{label}: applies {p['rule']!r}, not the round's {declared!r}")
        if state.after_vote.get("reallocated"):
            raise RecordError(f"{label}: the round's released money was reallocated before")
    assert state.last_result is not None  # _delivery checked the round was published
    election = state.election()
    outcome = Outcome(
        rule=str(state.last_result["rule"]),
        budget=election.budget,
        selected=tuple(_selected(state)),
        decisions=(),
    )
    recomputed = reallocation_payload(election, outcome, delivery, str(p["rule"]))
    differs = first_difference(recomputed, dict(p), "reallocation")
    if differs:
        raise RecordError(f"{label}: the reallocation recomputes differently at {differs}")
    if applied:
        core.apply(delivery, core.REALLOCATED, p)
        state.after_vote["reallocated"] = dict(p)


def codelivery(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    """A sign-up names a project still to be delivered, in published or delivery; a
    took-part mark names a volunteer who signed up."""
    volunteers: set[int] = state.after_vote.setdefault("volunteers", set())
    if event["type"] == core.SIGNED_UP:
        if state.phase not in (Phase.PUBLISHED, Phase.DELIVERY):
            raise RecordError(f"{label}: a volunteer signed up while the round is in {state.phase}")
        project = str(p["project"])
        if state.delivery is None:
            to_deliver = project in _selected(state)
        else:
            found = state.delivery.get(project)
            to_deliver = found is not None and found.cancelled is None
        if not to_deliver:
            raise RecordError(f"{label}: a volunteer for project {project!r}, not to be delivered")
        if p["kind"] not in ("resident", "organisation") or set(p) != {
            "volunteer",
            "project",
            "kind",
        }:
            raise RecordError(f"{label}: a sign-up records only its number, project and kind")
        volunteers.add(int(p["volunteer"]))
    elif int(p["volunteer"]) not in volunteers or not isinstance(p["took_part"], bool):
        raise RecordError(f"{label}: marks a volunteer who never signed up")


def _selected(state: RebuiltRound) -> list[str]:
    return list(state.last_result["selected"]) if state.last_result else []


def _delivery(state: RebuiltRound, label: str) -> core.Delivery:
    if state.phase is not Phase.DELIVERY:
        raise RecordError(f"{label}: delivery recorded while the round is in {state.phase}")
    if state.last_result is None:
        raise RecordError(f"{label}: delivery of a round that was never allocated")
    if state.delivery is None:
        state.delivery = core.start(
            {pid: Fraction(str(state.projects[pid]["cost"])) for pid in _selected(state)}
        )
    return state.delivery


DELIVERY_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(core.KINDS, delivery_change),
    core.REALLOCATED: reallocated,
    WHAT_IF: reallocated,
    core.SIGNED_UP: codelivery,
    core.TOOK_PART: codelivery,
}
