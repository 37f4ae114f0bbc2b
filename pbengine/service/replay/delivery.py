"""Delivery events checked on replay with the very fold the service checked them with.

A change is taken only in phase delivery, only for a project the round's last
allocation funded, and only if `core.delivery.apply` accepts it on the delivery
folded so far (so no spending on a cancelled project, no milestone numbered out of
turn, no delayed milestone without its reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pbengine.core import delivery as core
from pbengine.core.phases import Phase
from pbengine.service.replay.errors import RecordError

if TYPE_CHECKING:
    from pbengine.service.replay.rebuild import RebuiltRound


def delivery_change(
    state: RebuiltRound, p: Mapping[str, Any], label: str, event: Mapping[str, Any]
) -> None:
    if state.phase is not Phase.DELIVERY:
        raise RecordError(f"{label}: delivery recorded while the round is in {state.phase}")
    if state.delivery is None:
        selected = state.last_result["selected"] if state.last_result else []
        state.delivery = core.start(
            {pid: Fraction(str(state.projects[pid]["cost"])) for pid in selected}
        )
    try:
        core.apply(state.delivery, str(event["type"]), p)
    except core.DeliveryError as exc:
        raise RecordError(f"{label}: {exc.problem}") from None


DELIVERY_HANDLERS: dict[
    str, Callable[[RebuiltRound, Mapping[str, Any], str, Mapping[str, Any]], None]
] = dict.fromkeys(core.KINDS, delivery_change)
