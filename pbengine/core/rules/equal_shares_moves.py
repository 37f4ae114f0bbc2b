"""Funding a project moves its supporters to new money classes: the hot loop of MES.

Each live project keeps the weight of each money class among its supporters
and their money in all (equal_shares_state.State); funding a project moves
its supporters' weight, in every project they approve, from their class to
the class of what they keep, or to ZERO when they pay all they have. Voters
in ZERO already are not touched. Large profiles are counted by numpy instead
(equal_shares_bulk), where a project's weight per class is not kept but
counted when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pbengine.core.rules.equal_shares_state import State


def move_supporters(
    state: State, funded: int, new_class: dict[int, int], rho: tuple[int, int]
) -> None:
    """Move the supporters of `funded` from each class to `new_class[class]`; those
    going to ZERO pay all they have, the others rho = (value, slope) each."""
    if state.index.bulk is not None:
        from pbengine.core.rules.equal_shares_bulk import move_supporters_in_bulk  # noqa: PLC0415

        move_supporters_in_bulk(state, state.index.bulk, funded, new_class, rho)
        return
    assert isinstance(state.held, list)
    state.held[funded] = {}
    # Few classes among many ballots (the early rounds): summing per class first
    # costs one addition per approval.
    classes = len(new_class) - (state.ZERO in new_class)
    if classes * len(state.alive) <= state.index.approvals_of[funded]:
        _by_class(state, funded, new_class, rho)
    else:
        _by_ballot(state, funded, new_class, rho)


def _by_ballot(state: State, funded: int, new_class: dict[int, int], rho: tuple[int, int]) -> None:
    """Ballot by ballot, each approval updating its project's class weights.

    Voters with nothing left stay so. The others pay rho each, totalled per
    project and subtracted once, or all they have (those moving to ZERO)."""
    rho_v, rho_s = rho
    alive, held_by, group_class = state.alive, state.held, state.group_class
    groups, zero = state.profile.groups, state.ZERO
    paying_rho = [0] * len(alive)
    paying_all: list[int] = []
    for g in state.index.supporters_of[funded]:
        old = group_class[g]
        if old == zero:
            continue
        new = new_class[old]
        if new == zero:
            paying_all.append(g)
            continue
        group_class[g] = new
        weight, approved = groups[g]
        for c in approved:
            if alive[c]:
                held = held_by[c]
                left = held[old] - weight
                if left:
                    held[old] = left
                else:
                    del held[old]
                held[new] = held.get(new, 0) + weight
                paying_rho[c] += weight
    total_v, total_s = state.total_v, state.total_s
    for c, weight in enumerate(paying_rho):
        if weight:
            total_v[c] -= rho_v * weight
            total_s[c] -= rho_s * weight
    _pay_all(state, paying_all)


def _by_class(state: State, funded: int, new_class: dict[int, int], rho: tuple[int, int]) -> None:
    """For few classes: the weight moving from each class is summed per project
    (one list addition per approval), then each project's class weights and money
    are updated once per class."""
    rho_v, rho_s = rho
    n, zero, group_class, groups = (
        len(state.alive),
        state.ZERO,
        state.group_class,
        state.profile.groups,
    )
    moving = {old: [0] * n for old in new_class if old != zero}
    for g in state.index.supporters_of[funded]:
        old = group_class[g]
        if old == zero:
            continue
        group_class[g] = new_class[old]
        weight, approved = groups[g]
        counts = moving[old]
        for c in approved:
            counts[c] += weight
    held_by, total_v, total_s = state.held, state.total_v, state.total_s
    live = list(state.bound)  # the live projects: often far fewer than the counts' columns
    for old, counts in moving.items():
        new = new_class[old]
        pay_v, pay_s = (state.value[old], state.slope[old]) if new == zero else (rho_v, rho_s)
        for c in live:
            weight = counts[c]
            if weight:
                held = held_by[c]
                left = held[old] - weight
                if left:
                    held[old] = left
                else:
                    del held[old]
                held[new] = held.get(new, 0) + weight
                total_v[c] -= pay_v * weight
                total_s[c] -= pay_s * weight


def _pay_all(state: State, paying: list[int]) -> None:
    """Move these ballots, whose voters pay all they have, to ZERO."""
    value, slope, alive, held_by = state.value, state.slope, state.alive, state.held
    total_v, total_s, group_class = state.total_v, state.total_s, state.group_class
    groups, zero = state.profile.groups, state.ZERO
    for g in paying:
        old = group_class[g]
        group_class[g] = zero
        weight, approved = groups[g]
        paid_v, paid_s = value[old] * weight, slope[old] * weight
        for c in approved:
            if alive[c]:
                held = held_by[c]
                left = held[old] - weight
                if left:
                    held[old] = left
                else:
                    del held[old]
                held[zero] = held.get(zero, 0) + weight
                total_v[c] -= paid_v
                total_s[c] -= paid_s
