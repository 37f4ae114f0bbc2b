"""What a reallocation starts from (a Release) and what it returns (a Reallocation).

Released money, exactly:

    released = sum over cancelled projects of (allocated cost - spent on it so far)
             + sum over projects delivered cheaper of (allocated cost - actual cost)

The allocated cost is the project's cost in the election, the amount the vote
funded. The original result's own leftover (the budget minus what it funded)
is *not* released money: it was there when the votes were counted and the
round's rule chose not to spend it (nothing else fitted, or, under Equal
Shares, no group of voters could afford anything more). Adding it now would
reopen the vote's result with money the rule already declined, and under
Equal Shares, whose leftover can be large, would amount to a completion step
the round never declared. It is reported in a note, never spent.

A cancelled project is never funded again; money spent on it before the
cancellation is gone and is not released. An overrun (an actual cost above
the allocated one) is not released money either and is refused here: it is a
delivery fact, not a reallocation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.money import readable
from pbengine.core.outcome import Decision, Outcome


class ReallocationError(ValueError):
    pass


@dataclass(frozen=True)
class Release:
    """Money freed after the vote, and the result it was freed from."""

    election: Election
    outcome: Outcome
    """The round's original result; the projects it funded are `outcome.selected`."""
    cancelled: tuple[str, ...] = ()
    """Funded projects that will not be delivered."""
    spent: Mapping[str, Fraction] = field(default_factory=dict)
    """Money already spent on a cancelled project (0 when not listed); not released."""
    actual_costs: Mapping[str, Fraction] = field(default_factory=dict)
    """Funded projects delivered for less than allocated: project -> actual cost."""

    def __post_init__(self) -> None:
        _check(self)

    @property
    def released(self) -> Fraction:
        costs = self.election.costs()
        freed = Fraction(0)
        for pid in self.election.project_ids:
            if pid in self.cancelled:
                freed += costs[pid] - self.spent.get(pid, Fraction(0))
            elif pid in self.actual_costs:
                freed += costs[pid] - self.actual_costs[pid]
        return freed

    @property
    def kept(self) -> tuple[str, ...]:
        """Funded by the vote and not cancelled, in the order the rule funded them."""
        return tuple(pid for pid in self.outcome.selected if pid not in self.cancelled)

    @property
    def unfunded(self) -> tuple[str, ...]:
        """Projects the vote did not fund, in the election's order: the only ones money can
        go to now (a cancelled project was funded by the vote, so it is never among them)."""
        funded = set(self.outcome.selected)
        return tuple(pid for pid in self.election.project_ids if pid not in funded)

    def money_in(self, pid: str) -> Fraction:
        """What a funded project takes from the budget after the release: its actual cost
        when delivered cheaper, what was spent on it when cancelled, else its cost."""
        if pid in self.cancelled:
            return self.spent.get(pid, Fraction(0))
        if pid in self.actual_costs:
            return self.actual_costs[pid]
        return self.election.project(pid).cost


def _check(release: Release) -> None:
    election, funded = release.election, set(release.outcome.selected)
    known = set(election.project_ids)
    if not funded <= known:
        raise ReallocationError("the outcome funds projects the election does not have")
    if len(set(release.cancelled)) != len(release.cancelled):
        raise ReallocationError("a project is cancelled twice")
    for pid in (*release.cancelled, *release.spent, *release.actual_costs):
        if pid not in funded:
            raise ReallocationError(f"project {pid} was not funded by the vote")
    for pid, spent in release.spent.items():
        cost = election.project(pid).cost
        if pid not in release.cancelled:
            raise ReallocationError(f"money spent is given for project {pid}, not cancelled")
        if not 0 <= spent <= cost:
            raise ReallocationError(
                f"project {pid}: spent {readable(spent)} is outside 0..{readable(cost)}"
            )
    for pid, actual in release.actual_costs.items():
        cost = election.project(pid).cost
        if pid in release.cancelled:
            raise ReallocationError(f"project {pid} is both cancelled and delivered")
        if not 0 <= actual <= cost:
            raise ReallocationError(
                f"project {pid}: actual cost {readable(actual)} is outside "
                f"0..{readable(cost)} (an overrun releases nothing)"
            )


@dataclass(frozen=True)
class Reallocation:
    rule: str
    """The reallocation rule applied: next-in-order, rerun or carry."""
    round_rule: str
    released: Fraction
    kept: tuple[str, ...]
    """Funded by the vote and not cancelled, in the order the round's rule funded them."""
    funded: tuple[str, ...]
    """Projects funded now with the released money, in the order they were funded."""
    spent: Fraction
    """What the projects funded now cost."""
    carried: Fraction
    """Released money not spent now: it goes to the council's next round."""
    decisions: tuple[Decision, ...]
    """One per project of the election, in its order; `funded` is whether the project is
    funded after the reallocation (kept from the vote, or funded now)."""
    notes: tuple[str, ...] = ()
    from_reserves: Fraction = Fraction(0)
    """Spent beyond the released money: only Poznań's reserve clause, when re-run, does so."""

    @property
    def selected(self) -> tuple[str, ...]:
        """What is funded after the reallocation: kept from the vote, then funded now."""
        return self.kept + self.funded

    def decision(self, project_id: str) -> Decision:
        for d in self.decisions:
            if d.project_id == project_id:
                return d
        raise KeyError(project_id)


def frame_reasons(release: Release) -> dict[str, str]:
    """Why each project the vote funded stands as it does: kept, delivered cheaper, cancelled."""
    reasons: dict[str, str] = {}
    for pid in release.outcome.selected:
        cost = release.election.project(pid).cost
        if pid in release.cancelled:
            spent = release.spent.get(pid, Fraction(0))
            done = "nothing was spent on it" if spent == 0 else f"{readable(spent)} was spent"
            reasons[pid] = (
                f"cancelled: {done}, so {readable(cost - spent)} of its {readable(cost)} is "
                "released; a cancelled project is never funded again"
            )
        elif pid in release.actual_costs:
            actual = release.actual_costs[pid]
            reasons[pid] = (
                f"still funded: delivered for {readable(actual)} of the {readable(cost)} "
                f"allocated, so {readable(cost - actual)} is released"
            )
        else:
            reasons[pid] = f"still funded: as the vote decided, for {readable(cost)}"
    return reasons


def excluded_by_kept(release: Release) -> dict[str, str]:
    """Unfunded projects that share a set of alternatives with a project still funded: at most
    one of a set may be funded (they are alternatives for one site), whatever the rule."""
    kept = release.kept
    reasons: dict[str, str] = {}
    for pid in release.unfunded:
        for group in release.election.exclusive_sets:
            rival = next((k for k in kept if k in group), None)
            if pid in group and rival is not None and pid not in reasons:
                reasons[pid] = f"not funded: it excludes project {rival}, which stays funded"
    return reasons


def release_notes(release: Release) -> tuple[str, ...]:
    costs = release.election.costs()
    leftover = release.election.budget - release.outcome.total_cost(costs)
    return (
        f"released {readable(release.released)}: {len(release.cancelled)} cancelled, "
        f"{len(release.actual_costs)} delivered for less than allocated",
        f"the vote's own leftover of {readable(leftover)} is not part of the released money",
    )


def finish(
    release: Release,
    rule: str,
    round_rule: str,
    funded: list[str],
    reasons: Mapping[str, str],
    *,
    notes: tuple[str, ...] = (),
) -> Reallocation:
    """The Reallocation, once every project has its reason; refuses an unexplained project."""
    election = release.election
    missing = [pid for pid in election.project_ids if pid not in reasons]
    if missing:
        raise AssertionError(f"reallocation {rule} left projects unexplained: {missing}")
    now = set(funded)
    kept = set(release.kept)
    decisions = tuple(
        Decision(pid, pid in now or pid in kept, reasons[pid]) for pid in election.project_ids
    )
    spent = sum((election.project(pid).cost for pid in funded), Fraction(0))
    released = release.released
    return Reallocation(
        rule=rule,
        round_rule=round_rule,
        released=released,
        kept=release.kept,
        funded=tuple(funded),
        spent=spent,
        carried=max(released - spent, Fraction(0)),
        decisions=decisions,
        notes=(*release_notes(release), *notes),
        from_reserves=max(spent - released, Fraction(0)),
    )
