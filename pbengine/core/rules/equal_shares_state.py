"""The state of one MES run in progress, exact, as affine functions of the budget raise.

Money of class k is (value[k] + slope[k] * t) / denom, where t is the raise
of the per-voter budget above `base`. A state can be copied at the start of a
round and later moved to a higher budget (`rebase`): as long as every test the
earlier rounds made keeps its sign there, the copy *is* the state that a
fresh run at the higher budget reaches, so the run resumes from it
(equal_shares.Runner).
"""

from __future__ import annotations

from array import array
from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING

from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares_classes import compact, worth_compacting
from pbengine.core.rules.equal_shares_horizon import Horizon
from pbengine.core.rules.equal_shares_moves import move_supporters

if TYPE_CHECKING:
    from pbengine.core.rules.equal_shares_bulk import Approvals, SupporterClasses

Rate = tuple[int, int, int]
"""A payment per unit of utility as (value, slope, denominator): (value + slope*t) / denominator."""
Split = tuple[int, int, int, int]
"""An equal payment: (remaining value, remaining slope, rich weight, poor voters)."""
Amount = tuple[int, int, int, Fraction]
"""Money in internal units as (value, slope, denominator, base): at a per-voter budget
b, (value + slope * (b - base)) / denominator. What a run records stays exact when a
later run at a higher budget resumes from it."""


EXACT_COUNTS = 2**53
"""numpy counts voters in floating point (equal_shares_bulk): exactly, below this many."""

BULK_FROM = 250_000
"""Profiles whose ballots hold at least this many pairs of approvals (the sum, over
distinct ballots, of the square of their length) are counted with numpy
(equal_shares_bulk). Measured with the rule run both ways (2026-12-05, medians of 3):
numpy makes Łódź 2022 add1 (530,000 pairs) 1.7x to 2x as fast and Warszawa 2024 Ochota
add1-exhaustive (538,000) 1.1x to 1.25x; on samples of Łódź's voters it is 1.3x faster at 50%
(297,000), even at 25% (160,000), 1.6x slower at 10% (71,000); Wieliczka 2023 (80,000)
is 1.2x to 1.5x slower. Of the 17 real elections here past the threshold, four more
measured with add1: Warszawa 2017 Bemowo (265,000) 1.4x, 2020 Ursynów (1.5 million)
1.4x, 2021 Wola (1.2 million) 1.2x, 2026 (1.2 million) 1.7x faster. Loading numpy costs
more than a small election's whole run. `bench/equal_shares.py --both-ways` times a
rule both ways."""


class Index:
    """What MES needs of a profile that does not depend on the budget: built once."""

    def __init__(self, profile: Profile, cost_utility: bool) -> None:
        costs, counts = profile.costs, profile.supporters
        n = len(costs)
        self.supporters_of: list[list[int]] = [[] for _ in range(n)]
        self.approvals_of = [0] * n
        """How many approvals the ballots of each project's supporters hold in all."""
        for g, (_, key) in enumerate(profile.groups):
            for i in key:
                self.supporters_of[i].append(g)
                self.approvals_of[i] += len(key)
        self.alive = [costs[i] > 0 and counts[i] > 0 for i in range(n)]
        self.utility = [costs[i] if cost_utility else 1 for i in range(n)]
        self.bulk: Approvals | None = None
        if sum(self.approvals_of) >= BULK_FROM and profile.voters < EXACT_COUNTS:
            from pbengine.core.rules.equal_shares_bulk import Approvals  # noqa: PLC0415

            self.bulk = Approvals(profile, self.supporters_of)


class State:
    """MES in progress at budget `base` (see the module's docstring)."""

    ZERO = 1  # the class of voters with nothing left

    def __init__(self, profile: Profile, ranks: tuple[int, ...], index: Index) -> None:
        """The state before the first round, at a per-voter budget of 0."""
        self.profile, self.ranks, self.index = profile, ranks, index
        self.base = Fraction(0)
        self.horizon: Horizon | None = None
        self.denom = 1
        self.value = [0, 0]
        self.slope = [profile.scale, 0]
        self.voters_in = [sum(w for w, _ in profile.groups), 0]
        """Voters in each class; `empty` counts the classes past ZERO left with none."""
        self.empty = 0
        costs, counts, alive = profile.costs, profile.supporters, index.alive
        n = len(costs)
        # Each distinct ballot's money class, as machine integers that numpy can share.
        self.group_class = array("q", bytes(8 * len(profile.groups)))
        self.alive = list(alive)
        # weight of each money class among the supporters of each live project
        self.held: list[dict[int, int]] | SupporterClasses
        if index.bulk is None:
            self.held = [{0: counts[i]} if alive[i] else {} for i in range(n)]
        else:
            from pbengine.core.rules.equal_shares_bulk import SupporterClasses  # noqa: PLC0415

            self.held = SupporterClasses(index.bulk, self.group_class)
        # The money each project's supporters hold; kept for live projects (those in
        # `bound`) only: a funded or dropped project's entry goes stale, and is not read.
        self.total_v = [0] * n
        self.total_s = [counts[i] * profile.scale for i in range(n)]
        # A lower bound on each candidate's rate: rates only rise as money is spent.
        self.bound: dict[int, Rate] = {
            i: (costs[i], 0, counts[i] * index.utility[i]) for i in range(n) if alive[i]
        }
        self.round_no = 0
        # (project, round, rho, paid in full) and (project, round, money left)
        self.funded: list[tuple[int, int, Amount, int]] = []
        self.dropped: list[tuple[int, int, Amount]] = []

    def clone(self) -> State:
        copy = object.__new__(State)
        copy.__dict__.update(self.__dict__)
        copy.value, copy.slope, copy.voters_in = self.value[:], self.slope[:], self.voters_in[:]
        copy.group_class, copy.alive = self.group_class[:], self.alive[:]
        copy.held = (
            [dict(h) for h in self.held]
            if isinstance(self.held, list)
            else self.held.bound_to(copy.group_class)
        )
        copy.total_v, copy.total_s = self.total_v[:], self.total_s[:]
        copy.bound = dict(self.bound)
        copy.funded, copy.dropped = self.funded[:], self.dropped[:]
        copy.horizon = None
        return copy

    def rebase(self, per_voter: Fraction) -> None:
        """Move to a budget at or above `base`: t becomes per_voter - base, exactly."""
        raise_ = per_voter - self.base
        p, q = raise_.numerator, raise_.denominator
        if p:
            self.denom *= q
            self.value = [v * q + s * p for v, s in zip(self.value, self.slope, strict=True)]
            self.slope = [s * q for s in self.slope]
            total_v, total_s = self.total_v, self.total_s
            for c in self.bound:  # as in _rescale, live projects only
                total_v[c] = total_v[c] * q + total_s[c] * p
                total_s[c] *= q
            self.bound = {c: (v * q + s * p, s * q, d * q) for c, (v, s, d) in self.bound.items()}
        self.base = per_voter

    def choose(self) -> tuple[int, Rate, Split] | None:
        """The best candidate this round, dropping the unaffordable ones met on the way.

        Candidates are visited cheapest bound first, ordered by a float only
        for speed: whether a candidate is skipped is decided by the exact
        comparison of its bound with the best rate found, in any order.
        """
        self._drop_unaffordable()
        bound, ranks, horizon = self.bound, self.ranks, self.horizon
        order = sorted(bound, key=lambda i: (bound[i][0] / bound[i][2], ranks[i]))
        best: tuple[int, Rate, Split] | None = None
        visited: list[tuple[int, Rate]] = []
        skipped: list[int] = []
        for c in order:
            if best is not None and _beats(best[1], ranks[best[0]], bound[c], ranks[c]):
                skipped.append(c)
                continue
            split = self._equal_payment(c, self.profile.costs[c] * self.denom)
            rate = (split[0], split[1], split[2] * self.index.utility[c] * self.denom)
            bound[c] = rate
            visited.append((c, rate))
            if best is None or _beats(rate, ranks[c], best[1], ranks[best[0]]):
                best = (c, rate, split)
        if best is not None and horizon is not None:
            self._certify_split(horizon, best[0], best[2])
            # Beaten by an earlier best means beaten by the final one: the order is total.
            for c in skipped:
                _compare(horizon, bound[c], best[1])
            for c, rate in visited:
                if c != best[0]:
                    _compare(horizon, rate, best[1])
        return best

    def _drop_unaffordable(self) -> None:
        """Drop every candidate whose supporters hold less than its cost, in project order.

        All are checked each round, not only those the search visits, so that when a
        project is dropped does not depend on the order of the visit.
        """
        total_v, total_s, denom, horizon = self.total_v, self.total_s, self.denom, self.horizon
        costs = self.profile.costs
        for c in sorted(self.bound):
            cost_d = costs[c] * denom
            # Skips the calls Horizon.test would return from at once (value and slope
            # >= 0): every class's slope is >= 0, so that is every affordable candidate.
            if horizon is not None and (total_v[c] < cost_d or total_s[c] < 0):
                horizon.test(total_v[c] - cost_d, total_s[c])
            if total_v[c] < cost_d:
                self.dropped.append((c, self.round_no, (total_v[c], total_s[c], denom, self.base)))
                del self.bound[c]
                self.alive[c] = False

    def _equal_payment(self, c: int, cost_d: int) -> Split:
        """Smallest equal payment for c: rho = remaining / (denom * rich); the poorer
        supporters pay all they have, the `rich` others pay rho each."""
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
        return remaining_v, remaining_s, rich, poor

    def _certify_split(self, horizon: Horizon, c: int, split: Split) -> None:
        """Test which supporters of the funded project pay all they have: that shapes
        the money left, so the run holds only while none of them changes side.

        Other candidates need no such test. With their poor and rich supporters
        fixed as they are now, their payment, an affine function of the budget, is
        at most their true payment at any budget (paying min(money, rho) never
        collects more than the fixed split does), so when that stays above the
        funded project's rate, the true one does too; the comparisons test it.
        """
        value, slope = self.value, self.slope
        remaining_v, remaining_s, rich, _ = split
        for k in self.held[c]:
            horizon.test(value[k] * rich - remaining_v, slope[k] * rich - remaining_s)

    def fund(self, best: int, split: Split) -> None:
        rho_v, rho_s, rich, paid_in_full = split
        rho = (rho_v, rho_s, self.denom * rich, self.base)
        self.funded.append((best, self.round_no, rho, paid_in_full))
        del self.bound[best]
        self.alive[best] = False
        # rho = rho_v / (denom * rich): only the part of rich not shared with rho must
        # join the common denominator, which would otherwise grow by all of it each round.
        common = gcd(rich, rho_v, rho_s)
        rho_v, rho_s = rho_v // common, rho_s // common
        if rich > common:
            self._rescale(rich // common)
        new_class: dict[int, int] = {}
        value, slope, voters_in, zero = self.value, self.slope, self.voters_in, self.ZERO
        for k, moving in self.held[best].items():
            # Poor supporters (less than rho, the same test as in _equal_payment) pay all
            # they have, whatever the budget in this piece. A supporter holding exactly
            # rho pays rho and keeps money - rho, which grows again if the budget does.
            if value[k] < rho_v or (value[k] == rho_v and slope[k] == rho_s):
                new_class[k] = zero
                voters_in[zero] += moving
            else:
                new_class[k] = len(value)
                value.append(value[k] - rho_v)
                slope.append(slope[k] - rho_s)
                voters_in.append(moving)
            voters_in[k] -= moving
            if not voters_in[k] and k > zero:
                self.empty += 1
        move_supporters(self, best, new_class, (rho_v, rho_s))
        if worth_compacting(self):
            compact(self)

    def _rescale(self, factor: int) -> None:
        """Multiply the common denominator so that money minus the new payment stays integral."""
        self.denom *= factor
        self.value = [v * factor for v in self.value]
        self.slope = [s * factor for s in self.slope]
        # Only live projects' money is read again: after a few rounds most are funded or
        # dropped, and their totals (hundreds of bits, as the denominator grows) need not
        # follow it.
        total_v, total_s = self.total_v, self.total_s
        for c in self.bound:
            total_v[c] *= factor
            total_s[c] *= factor


def _beats(q: Rate, rank_q: int, r: Rate, rank_r: int) -> bool:
    """Is rate q strictly better than r (lower, or equal and earlier in the tie order)?"""
    left, right = q[0] * r[2], r[0] * q[2]
    return left < right or (left == right and rank_q < rank_r)


def _compare(horizon: Horizon, q: Rate, best: Rate) -> None:
    # the sign of q - best, scaled by the positive q[2] * best[2]
    horizon.test(q[0] * best[2] - best[0] * q[2], q[1] * best[2] - best[1] * q[2])
