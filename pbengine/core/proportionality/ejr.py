"""EJR up to one project (Peters, Pierczyński & Skowron 2021), checked exactly.

A group S of voters is T-cohesive when every member approves every project of
T and the group is large enough to pay for T out of its share of the budget:
|S| · B ≥ n · cost(T). An outcome W satisfies EJR up to one project when, for
every T-cohesive S, T ⊆ W or some member i gets

    u_i(W) + max over p in T \\ W of u(p)  ≥  u(T).

Every member of S approves all of T, so u(T) and the max are the same for all
of them: a violation is a set T whose supporters with
u_i(W) < u(T) - max u(T \\ W) are numerous enough to afford T.

The search is a depth-first walk over sets T, cheapest projects first, with
voters as bits of one integer ordered by u_i(W) (so "voters with u_i(W) < x"
is a prefix mask). It prunes with two facts that only tighten as T grows:
any extension of T is paid for by at most the voters R still in play, so it
costs at most c = B·|R|/n and is worth at most the most utility c can buy;
and a voter with u_i(W) at or above that worth can never complain. The check
is exponential in the worst case (deciding EJR is coNP-hard), so it stops
after `effort` sets and then says it could not decide, never guessing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from math import lcm
from typing import NamedTuple, cast

from pbengine.core.election import Election, VoteType

DEFAULT_EFFORT = 200_000
"""Sets of projects the search may visit before it gives up undecided."""


@dataclass(frozen=True)
class Violation:
    projects: tuple[str, ...]
    """The set T the group can afford together."""
    group: int
    """How many voters approve all of T and fall short even counting one more of it."""
    needed: int
    """The fewest voters who could afford T out of their shares."""


@dataclass(frozen=True)
class EjrResult:
    holds: bool | None
    """None: the search stopped at its effort limit, or the ballots are not approvals."""
    why: str
    violation: Violation | None = None
    sets_searched: int = 0


def ejr_up_to_one(
    election: Election,
    selected: tuple[str, ...] | list[str],
    utility: str = "cost",
    effort: int = DEFAULT_EFFORT,
) -> EjrResult:
    if election.vote_type not in (VoteType.APPROVAL, VoteType.CHOOSE_1):
        return EjrResult(None, f"checked for approval ballots only, not {election.vote_type}")
    if utility not in ("cost", "cardinality"):
        raise ValueError(f"unknown utility {utility!r}; use cost or cardinality")
    search = _Search(election, frozenset(selected), utility, effort)
    found = search.run()
    if found is not None:
        names = ", ".join(found.projects)
        return EjrResult(
            False,
            f"{found.group:,} voters approve all of {{{names}}}, enough to afford it "
            f"(at least {found.needed:,} needed), yet each gets less than it is worth "
            f"even counting one more of its projects",
            found,
            search.visited,
        )
    if search.exhausted:
        return EjrResult(
            None,
            f"not decided: the search stopped after {search.visited:,} sets of projects",
            None,
            search.visited,
        )
    return EjrResult(
        True,
        f"with {utility} utilities, no group that could afford a set of projects "
        f"is left short by more than one of them ({search.visited:,} sets searched)",
        None,
        search.visited,
    )


class _Node(NamedTuple):
    chosen: tuple[int, ...]
    """The set T, as indices in cost order."""
    voters: int
    """Bit mask of the voters who approve all of T."""
    cost: Fraction
    worth: Fraction
    """u(T), the same for every voter approving all of T."""
    top_unfunded: Fraction
    """The most any unfunded project of T is worth; -1 while T is within W."""


def _masks(projects: int, approvals: list[set[int]]) -> list[int]:
    """For each project, the bit mask of the voters (numbered as in `approvals`) approving it.

    Set in a byte array and converted once: or-ing one bit at a time into a 90,000-bit
    integer copies the integer each time."""
    size = len(approvals) // 8 + 1
    bitmaps = [bytearray(size) for _ in range(projects)]
    for bit, approved in enumerate(approvals):
        byte, flag = bit >> 3, 1 << (bit & 7)
        for i in approved:
            bitmaps[i][byte] |= flag
    return [int.from_bytes(bitmap, "little") for bitmap in bitmaps]


class _Search:
    def __init__(self, election: Election, funded: frozenset[str], utility: str, effort: int):
        self.n = len(election.ballots)
        self.budget = election.budget
        self.effort = effort
        self.visited = 0
        self.exhausted = False
        projects = sorted(
            (p for p in election.projects if not p.withdrawn), key=lambda p: (p.cost, p.id)
        )
        self.ids = [p.id for p in projects]
        self.costs = [p.cost for p in projects]
        self.funded = [p.id in funded for p in projects]
        self.worth = [p.cost if utility == "cost" else Fraction(1) for p in projects]
        self.cardinality = utility == "cardinality"
        self.cost_prefix = list(accumulate(self.costs))
        index = {pid: i for i, pid in enumerate(self.ids)}
        # Voters numbered by their utility from W, lowest first. Utilities are summed as
        # whole numbers over one common denominator (exact, and a city's 90,000 voters
        # sum and sort far faster than as Fractions); the sort is stable, so ties keep
        # ballot order as before.
        scale = lcm(*(w.denominator for w in self.worth)) if self.worth else 1
        scaled = [w.numerator * (scale // w.denominator) for w in self.worth]
        # What each project adds to a voter's utility from W: its worth if funded, else 0.
        from_w = [w if funded else 0 for w, funded in zip(scaled, self.funded, strict=True)]
        position, worth_of = index.get, from_w.__getitem__
        values = []
        for ballot in election.ballots:
            # map and a set in C, not a comprehension per ballot: 90,000 ballots a city.
            listed = set(map(position, ballot.projects))
            listed.discard(None)  # a withdrawn project is on no one's list
            approved = cast("set[int]", listed)
            values.append((sum(map(worth_of, approved)), approved))
        values.sort(key=lambda v: v[0])
        self.scale = scale
        self.utilities = [v for v, _ in values]
        """Each voter's utility from W, times `scale`: whole numbers."""
        self.masks = _masks(len(projects), [approved for _, approved in values])

    def below(self, value: Fraction) -> int:
        """The voters whose utility from W is under `value`."""
        return (1 << bisect_left(self.utilities, value * self.scale)) - 1

    def most_worth(self, spend: Fraction) -> Fraction:
        """An upper bound on the utility of any set of projects costing at most `spend`."""
        if not self.cardinality:
            return spend
        # The most projects that fit: the cheapest ones.
        return Fraction(bisect_right(self.cost_prefix, spend))

    def affordable(self, voters: int, cost: Fraction) -> bool:
        return voters * self.budget >= self.n * cost

    def run(self) -> Violation | None:
        if self.n == 0:
            return None
        everyone = (1 << self.n) - 1
        return self.extend(_Node((), everyone, Fraction(0), Fraction(0), Fraction(-1)), 0)

    def extend(self, node: _Node, start: int) -> Violation | None:
        chosen, voters, cost, worth, top_unfunded = node
        self.visited += 1
        if self.visited > self.effort:
            self.exhausted = True
            return None
        # Shrink the voters in play until the bound on what they could afford stops moving.
        count = voters.bit_count()
        while True:
            voters &= self.below(self.most_worth(self.budget * count / self.n))
            shrunk = voters.bit_count()
            if shrunk == count:
                break
            count = shrunk
        if count == 0 or not self.affordable(count, cost):
            return None
        if top_unfunded >= 0:
            group = (voters & self.below(worth - top_unfunded)).bit_count()
            if group and self.affordable(group, cost):
                return Violation(
                    tuple(self.ids[i] for i in chosen),
                    group,
                    -(-self.n * cost // self.budget) if self.budget else 0,
                )
        room = self.budget * count / self.n
        for j in range(start, len(self.ids)):
            total = cost + self.costs[j]
            if total > room:
                break  # projects are sorted by cost: none further fits either
            joined = voters & self.masks[j]
            if not self.affordable(joined.bit_count(), total):
                continue
            top = top_unfunded if self.funded[j] else max(top_unfunded, self.worth[j])
            child = _Node((*chosen, j), joined, total, worth + self.worth[j], top)
            found = self.extend(child, j + 1)
            if found is not None or self.exhausted:
                return found
        return None
