"""MES bookkeeping for large profiles, counted by numpy.

In pure Python (equal_shares_moves) funding a project costs one interpreted
step per approval on its supporters' ballots, and every live project keeps
its supporters' weight per money class up to date; add1 on Łódź 2022 makes
10 million such steps, nine in ten for projects already funded or dropped.
Here each ballot's class is an array, the weight moving from each class to
each project is counted by one `bincount`, and a project's weight per class
is counted from its supporters only when a round asks for it. numpy takes
longer to import than a small election takes to run, so only large profiles
come here (equal_shares_state.BULK_FROM). Money stays in Python integers:
numpy only counts voters.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares_state import EXACT_COUNTS

if TYPE_CHECKING:
    from pbengine.core.rules.equal_shares_state import State

Ints = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float64]
"""Voter counts as floats, bincount's weights: exact below EXACT_COUNTS voters."""


class Approvals:
    """The profile's approvals as arrays, and each project's supporters' approvals."""

    def __init__(self, profile: Profile, supporters_of: list[list[int]]) -> None:
        assert profile.voters < EXACT_COUNTS
        groups = profile.groups
        self._weights = np.fromiter((w for w, _ in groups), np.int64, len(groups))
        self._lengths = np.fromiter((len(key) for _, key in groups), np.int64, len(groups))
        self._starts = np.cumsum(self._lengths) - self._lengths
        total = int(self._lengths.sum())
        self._projects = np.fromiter((c for _, key in groups for c in key), np.int64, total)
        self.supporters = [np.array(s, dtype=np.int64) for s in supporters_of]
        """The ballots approving each project."""
        self.weights = [self._weights[s].astype(np.float64) for s in self.supporters]
        """Their numbers of voters."""
        self._of: dict[int, tuple[Ints, Ints, Weights]] = {}

    def of_supporters(self, project: int) -> tuple[Ints, Ints, Weights]:
        """For each approval on the ballots supporting `project`: the ballot's place
        among those supporters, the project approved, and the ballot's voters."""
        found = self._of.get(project)
        if found is None:
            supporters = self.supporters[project]
            lengths = self._lengths[supporters]
            place = np.repeat(np.arange(len(supporters), dtype=np.int64), lengths)
            offset = (
                np.arange(int(lengths.sum()), dtype=np.int64)
                - (np.cumsum(lengths) - lengths)[place]
            )
            approved = self._projects[self._starts[supporters][place] + offset]
            found = self._of[project] = (place, approved, self.weights[project][place])
        return found


class SupporterClasses:
    """Each project's supporters' weight per money class, as State.held is in pure
    Python, but counted from the ballots' classes when a round asks for it."""

    def __init__(self, approvals: Approvals, group_class: array[int]) -> None:
        self._approvals, self._group_class = approvals, group_class
        self._counted: dict[int, dict[int, int]] = {}

    def bound_to(self, group_class: array[int]) -> SupporterClasses:
        """The same counts for a copy of the ballots' classes (State.clone)."""
        return SupporterClasses(self._approvals, group_class)

    def forget(self) -> None:
        """Ballots have moved: what was counted is stale."""
        self._counted = {}

    def __getitem__(self, project: int) -> dict[int, int]:
        counted = self._counted.get(project)
        if counted is None:
            approvals = self._approvals
            classes = np.frombuffer(self._group_class, dtype=np.int64)[
                approvals.supporters[project]
            ]
            weights = np.bincount(classes, weights=approvals.weights[project])
            at = np.flatnonzero(weights)
            counted = self._counted[project] = dict(
                zip(at.tolist(), weights[at].astype(np.int64).tolist(), strict=True)
            )
        return counted


def renumber(group_class: array[int], number: list[int]) -> None:
    """Give every ballot its class's new number (equal_shares_classes.compact)."""
    classes = np.frombuffer(group_class, dtype=np.int64)
    classes[:] = np.array(number, dtype=np.int64)[classes]


def move_supporters_in_bulk(
    state: State, approvals: Approvals, funded: int, new_class: dict[int, int], rho: tuple[int, int]
) -> None:
    """As equal_shares_moves.move_supporters: the supporters of `funded` move from each
    class to `new_class[class]`; those going to ZERO pay all they have, the others rho."""
    zero, n = state.ZERO, len(state.alive)
    group_class = np.frombuffer(state.group_class, dtype=np.int64)
    supporters = approvals.supporters[funded]
    place, approved, weight = approvals.of_supporters(funded)
    classes = group_class[supporters]
    moving = [k for k in new_class if k != zero]
    # Each approval is counted under (slot of its ballot's class, project); voters with
    # nothing left fall in the last slot, which is not read.
    slot = np.full(len(state.value), len(moving), dtype=np.int64)
    slot[moving] = np.arange(len(moving), dtype=np.int64)
    keys = slot[classes][place] * n + approved
    counted = np.bincount(keys, weights=weight, minlength=(len(moving) + 1) * n)
    by_slot = counted[: len(moving) * n].reshape(len(moving), n)
    # Projects already funded or dropped hold most of these approvals: left out here.
    by_slot[:, ~np.array(state.alive)] = 0
    targets = [new_class[k] for k in moving]
    _pay(state, by_slot, [target == zero for target in targets], moving, rho)
    remap = np.arange(len(state.value), dtype=np.int64)
    remap[moving] = targets
    group_class[supporters] = remap[classes]
    assert isinstance(state.held, SupporterClasses)
    state.held.forget()


def _pay(
    state: State,
    by_slot: npt.NDArray[np.generic],
    paying_all: list[bool],
    moving: list[int],
    rho: tuple[int, int],
) -> None:
    """Take from each project's supporters' money what the movers pay: rho each from
    those who keep some, all they have from the others (exact, in Python integers)."""
    total_v, total_s, value, slope = state.total_v, state.total_s, state.value, state.slope
    keeping = ~np.array(paying_all, dtype=bool)
    paying_rho = by_slot[keeping].sum(axis=0).astype(np.int64).tolist()
    rho_v, rho_s = rho
    for c, w in enumerate(paying_rho):
        if w:
            total_v[c] -= rho_v * w
            total_s[c] -= rho_s * w
    # Each pair (class paying all it has, project) subtracts that class's money.
    paying_all_by_slot = by_slot[~keeping]
    slots, projects = np.nonzero(paying_all_by_slot)
    weights = paying_all_by_slot[slots, projects].astype(np.int64).tolist()
    poor = [old for old, all_ in zip(moving, paying_all, strict=True) if all_]
    for i, c, w in zip(slots.tolist(), projects.tolist(), weights, strict=True):
        old = poor[i]
        total_v[c] -= value[old] * w
        total_s[c] -= slope[old] * w
