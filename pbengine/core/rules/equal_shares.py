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
Shares", 2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.rules.approval_profile import Profile


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


@dataclass(frozen=True)
class Run:
    per_voter: Fraction
    """The starting money of every voter, in currency."""
    funded: tuple[Funded, ...]
    dropped: tuple[Dropped, ...]
    horizon: Fraction | None
    """Smallest per-voter budget above `per_voter` where the outcome may change; None: never."""

    @property
    def selected(self) -> tuple[int, ...]:
        return tuple(f.project for f in self.funded)


class _Horizon:
    """Collects sign tests of affine functions of the per-voter budget.

    Keeps the smallest raise t > 0 (or t = 0 for a test that is zero now) at
    which some tested function could change sign, as the fraction num/den.
    """

    __slots__ = ("den", "num")

    def __init__(self) -> None:
        self.num, self.den = -1, 1  # num < 0: no limit yet

    def test(self, value: int, slope: int) -> None:
        # Each test's branch is its sign class: >= 0 or < 0 (every test puts the
        # boundary case, zero, in the >= 0 branch). value + slope * t stays >= 0
        # for all t >= 0 when value and slope are >= 0, and stays < 0 when both
        # are <= 0 with value < 0. Otherwise the branch can change from
        # t = -value/slope on (t = 0 for a zero that starts falling).
        if (value >= 0 and slope >= 0) or (value < 0 and slope <= 0):
            return
        num, den = (-value, slope) if slope > 0 else (value, -slope)
        if self.num < 0 or num * self.den < self.num * den:
            self.num, self.den = num, den

    @property
    def delta(self) -> Fraction | None:
        return None if self.num < 0 else Fraction(self.num, self.den)


Rate = tuple[int, int, int]
"""A payment per unit of utility as (value, slope, denominator): (value + slope*t) / denominator."""


def run(
    profile: Profile,
    per_voter: Fraction,
    ranks: tuple[int, ...],
    *,
    cost_utility: bool = True,
    track_horizon: bool = False,
) -> Run:
    """One run of MES in which every voter starts with `per_voter` (in currency)."""
    state = _State(profile, per_voter, ranks, cost_utility, _Horizon() if track_horizon else None)
    while state.bound:
        state.round_no += 1
        choice = state.choose()
        if choice is None:
            break
        state.fund(*choice)
    delta = None if state.horizon is None else state.horizon.delta
    return Run(
        per_voter=per_voter,
        funded=tuple(state.funded),
        dropped=tuple(state.dropped),
        horizon=None if delta is None else per_voter + delta,
    )


class _State:
    """MES in progress. Money of class k is (value[k] + slope[k] * t) / denom,
    where t is the raise of the per-voter budget."""

    ZERO = 1  # the class of voters with nothing left

    def __init__(
        self,
        profile: Profile,
        per_voter: Fraction,
        ranks: tuple[int, ...],
        cost_utility: bool,
        horizon: _Horizon | None,
    ) -> None:
        start = per_voter * profile.scale
        self.profile, self.ranks, self.horizon = profile, ranks, horizon
        self.denom = start.denominator
        self.value = [start.numerator, 0]
        self.slope = [self.denom * profile.scale, 0]
        costs, counts = profile.costs, profile.supporters
        n = len(costs)
        self.group_class = [0] * len(profile.groups)
        self.supporters_of: list[list[int]] = [[] for _ in range(n)]
        for g, (_, key) in enumerate(profile.groups):
            for i in key:
                self.supporters_of[i].append(g)
        self.alive = [costs[i] > 0 and counts[i] > 0 for i in range(n)]
        # weight of each money class among the supporters of each live project
        self.held: list[dict[int, int]] = [
            {0: counts[i]} if self.alive[i] else {} for i in range(n)
        ]
        self.total_v = [counts[i] * self.value[0] for i in range(n)]
        self.total_s = [counts[i] * self.slope[0] for i in range(n)]
        self.utility = [costs[i] if cost_utility else 1 for i in range(n)]
        # A lower bound on each candidate's rate: rates only rise as money is spent.
        self.bound: dict[int, Rate] = {
            i: (costs[i], 0, counts[i] * self.utility[i]) for i in range(n) if self.alive[i]
        }
        self.round_no = 0
        self.funded: list[Funded] = []
        self.dropped: list[Dropped] = []

    def choose(self) -> tuple[int, Rate, tuple[int, int, int, int]] | None:
        """The best candidate this round, dropping the unaffordable ones met on the way.

        Candidates are visited cheapest bound first, ordered by a float only
        for speed: whether a candidate is skipped is decided by the exact
        comparison of its bound with the best rate found, in any order.
        """
        bound, ranks, horizon = self.bound, self.ranks, self.horizon
        order = sorted(bound, key=lambda i: (bound[i][0] / bound[i][2], ranks[i]))
        best: tuple[int, Rate, tuple[int, int, int, int]] | None = None
        visited: list[tuple[int, Rate]] = []
        skipped: list[int] = []
        for c in order:
            if best is not None and _beats(best[1], ranks[best[0]], bound[c], ranks[c]):
                skipped.append(c)
                continue
            cost_d = self.profile.costs[c] * self.denom
            if horizon is not None:
                horizon.test(self.total_v[c] - cost_d, self.total_s[c])
            if self.total_v[c] < cost_d:
                left = self.profile.money(Fraction(self.total_v[c], self.denom))
                self.dropped.append(Dropped(c, self.round_no, left))
                del bound[c]
                self.alive[c] = False
                continue
            split = self._equal_payment(c, cost_d)
            rate = (split[0], split[1], split[2] * self.utility[c] * self.denom)
            bound[c] = rate
            visited.append((c, rate))
            if best is None or _beats(rate, ranks[c], best[1], ranks[best[0]]):
                best = (c, rate, split)
        if best is not None and horizon is not None:
            # Beaten by an earlier best means beaten by the final one: the order is total.
            for c in skipped:
                _compare(horizon, bound[c], best[1])
            for c, rate in visited:
                if c != best[0]:
                    _compare(horizon, rate, best[1])
        return best

    def _equal_payment(self, c: int, cost_d: int) -> tuple[int, int, int, int]:
        """Smallest equal payment for c: (remaining value, slope, rich weight, poor voters).

        rho = remaining / (denom * rich): the poorer supporters pay all they have,
        the `rich` others pay rho each.
        """
        held, value, slope = self.held[c], self.value, self.slope
        classes = sorted(held, key=value.__getitem__)
        rich = sum(held.values())
        remaining_v, remaining_s, poor = cost_d, 0, 0
        for k in classes:
            if value[k] * rich >= remaining_v:
                break
            w = held[k]
            remaining_v -= w * value[k]
            remaining_s -= w * slope[k]
            rich -= w
            poor += w
        if self.horizon is not None:
            for k in classes:
                self.horizon.test(value[k] * rich - remaining_v, slope[k] * rich - remaining_s)
        return remaining_v, remaining_s, rich, poor

    def fund(self, best: int, rate: Rate, split: tuple[int, int, int, int]) -> None:
        del rate
        rho_v, rho_s, rich, paid_in_full = split
        rho = self.profile.money(Fraction(rho_v, self.denom * rich))
        self.funded.append(Funded(best, self.round_no, rho, paid_in_full))
        del self.bound[best]
        self.alive[best] = False
        self._rescale(rich)
        new_class: dict[int, int] = {}
        for k in self.held[best]:
            # Poor supporters (less than rho, the same test as in _equal_payment) pay all
            # they have, whatever the budget in this piece. A supporter holding exactly
            # rho pays rho and keeps money - rho, which grows again if the budget does.
            poor = self.value[k] < rho_v
            if poor or (self.value[k] == rho_v and self.slope[k] == rho_s):
                new_class[k] = self.ZERO
            else:
                new_class[k] = len(self.value)
                self.value.append(self.value[k] - rho_v)
                self.slope.append(self.slope[k] - rho_s)
        self.held[best] = {}
        self._move_supporters(best, new_class)

    def _rescale(self, factor: int) -> None:
        """Multiply the common denominator so that money minus the new payment stays integral."""
        self.denom *= factor
        self.value = [v * factor for v in self.value]
        self.slope = [s * factor for s in self.slope]
        self.total_v = [v * factor for v in self.total_v]
        self.total_s = [s * factor for s in self.total_s]

    def _move_supporters(self, funded: int, new_class: dict[int, int]) -> None:
        """Move the funded project's supporters to their new money classes, keeping
        every live project's class weights and money totals. The hot loop of MES."""
        value, slope, alive, held_by = self.value, self.slope, self.alive, self.held
        total_v, total_s, group_class = self.total_v, self.total_s, self.group_class
        groups = self.profile.groups
        for g in self.supporters_of[funded]:
            old = group_class[g]
            new = new_class[old]
            group_class[g] = new
            weight, approved = groups[g]
            dv = (value[new] - value[old]) * weight
            ds = (slope[new] - slope[old]) * weight
            for c in approved:
                if alive[c]:
                    held = held_by[c]
                    left = held[old] - weight
                    if left:
                        held[old] = left
                    else:
                        del held[old]
                    held[new] = held.get(new, 0) + weight
                    total_v[c] += dv
                    total_s[c] += ds


def _beats(q: Rate, rank_q: int, r: Rate, rank_r: int) -> bool:
    """Is rate q strictly better than r (lower, or equal and earlier in the tie order)?"""
    left, right = q[0] * r[2], r[0] * q[2]
    return left < right or (left == right and rank_q < rank_r)


def _compare(horizon: _Horizon, q: Rate, best: Rate) -> None:
    # the sign of q - best, scaled by the positive q[2] * best[2]
    horizon.test(q[0] * best[2] - best[0] * q[2], q[1] * best[2] - best[1] * q[2])
