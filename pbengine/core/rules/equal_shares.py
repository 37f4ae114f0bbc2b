"""The Method of Equal Shares (Peters & Skowron 2020; Peters, Pierczyński & Skowron 2021).

One exact run of MES for approval ballots, with cost utilities (as deployed
in Wieliczka, Świecie and Assen: a voter's utility is the cost of the approved
projects funded) or cardinality utilities (the number of them).

Every voter starts with the same money `b`. In each round, a candidate whose
supporters hold less than its cost is dropped for good; for the others we find
the smallest equal payment rho such that those who cannot pay rho pay all they
have and the rest pay rho. The candidate with the lowest rho per unit of
utility is funded (cost utilities: the highest effective vote count
cost/rho), ties broken by the tie-breaking order.

Exactness and speed. Voters who hold the same money form a *class*; classes
split only when a project is funded, so a round costs time in the number of
classes, not voters. All money is an integer over one common denominator,
rescaled whenever a payment introduces a new one, so no comparison is ever
rounded. Each amount is also tracked as an affine function of `b`; every
comparison the run makes is then a sign test of an affine function, and the
run reports the *horizon*: the smallest budget above `b` at which any of those
signs could change. Below the horizon the outcome is provably the same, which
lets the add1 completion skip straight to it instead of rerunning MES for every
currency unit (an idea from Kraiczy, Robinson & Elkind, "Streamlining Equal
Shares", 2025). A `Runner` goes further: it keeps the state at the start of
every round, and a run at a higher budget resumes from the last round whose
earlier tests all keep their sign there, since everything before it is
provably the same; the indexes that do not depend on the budget are built once.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares_horizon import Horizon
from pbengine.core.rules.equal_shares_state import Amount, Index, State


@dataclass(frozen=True)
class Funded:
    project: int
    round: int
    rho: Fraction
    """The equal payment, in currency."""
    paid_in_full: int
    """Supporters who could not pay rho and paid all they had."""


@dataclass(frozen=True)
class Dropped:
    project: int
    round: int
    money_left: Fraction
    """What its supporters held when it was dropped, in currency."""


class Run:
    """One run's outcome. The payments, in currency, are worked out when first asked
    for: the add1 completions look at most runs only for what they select."""

    def __init__(self, state: State) -> None:
        self.per_voter: Fraction = state.base
        """The starting money of every voter, in currency."""
        self.horizon: Fraction | None = _limit(state)
        """Smallest per-voter budget above `per_voter` where the outcome may change;
        None: never."""
        self.selected: tuple[int, ...] = tuple(f[0] for f in state.funded)
        self._profile, self._funded, self._dropped = state.profile, state.funded, state.dropped

    @cached_property
    def funded(self) -> tuple[Funded, ...]:
        money = self._money
        return tuple(Funded(c, r, money(rho), poor) for c, r, rho, poor in self._funded)

    @cached_property
    def dropped(self) -> tuple[Dropped, ...]:
        money = self._money
        return tuple(Dropped(c, r, money(left)) for c, r, left in self._dropped)

    def _money(self, amount: Amount) -> Fraction:
        value, slope, denominator, base = amount
        raise_ = self.per_voter - base
        exact = Fraction(value * raise_.denominator + slope * raise_.numerator, denominator)
        return self._profile.money(exact / raise_.denominator)


def run(
    profile: Profile,
    per_voter: Fraction,
    ranks: tuple[int, ...],
    *,
    cost_utility: bool = True,
    track_horizon: bool = False,
) -> Run:
    """One fresh run of MES in which every voter starts with `per_voter` (in currency)."""
    state = State(profile, ranks, Index(profile, cost_utility))
    state.rebase(per_voter)
    state.horizon = Horizon() if track_horizon else None
    while state.bound:
        state.round_no += 1
        choice = state.choose()
        if choice is None:
            break
        state.fund(choice[0], choice[2])
    return _result(state)


class Runner:
    """Runs of MES on one profile at rising budgets, each resuming where the last may differ."""

    def __init__(self, profile: Profile, ranks: tuple[int, ...], *, cost_utility: bool) -> None:
        start = State(profile, ranks, Index(profile, cost_utility))
        # (state at the start of a round, the budget from which the rounds before may differ)
        self._snapshots: list[tuple[State, Fraction | None]] = [(start, None)]
        self.rounds = 0
        """Rounds computed so far, over all runs: the work done."""

    def run(self, per_voter: Fraction) -> Run:
        keep = 0
        for i, (snapshot, limit) in enumerate(self._snapshots):
            if snapshot.base > per_voter or (limit is not None and limit <= per_voter):
                break
            keep = i
        snapshots = self._snapshots[: keep + 1]
        state, limit = snapshots[keep][0].clone(), snapshots[keep][1]
        state.rebase(per_voter)
        state.horizon = Horizon(None if limit is None else limit - per_voter)
        while state.bound:
            if state.round_no > snapshots[-1][0].round_no and _worth_keeping(state.round_no):
                snapshots.append((state.clone(), _limit(state)))
            state.round_no += 1
            self.rounds += 1
            choice = state.choose()
            if choice is None:
                break
            state.fund(choice[0], choice[2])
        self._snapshots = snapshots
        return _result(state)


def _worth_keeping(round_no: int) -> bool:
    """Keep the states before rounds 1-4, 6, 8, 12, 16, 24, 32, ...: raises mostly change
    early rounds, and a copy costs a third of a round, so later ones are kept sparsely."""
    shift = max(0, round_no.bit_length() - 2)
    return (round_no >> shift) << shift == round_no


def _limit(state: State) -> Fraction | None:
    delta = None if state.horizon is None else state.horizon.delta
    return None if delta is None else state.base + delta


def _result(state: State) -> Run:
    return Run(state)
