"""Rational money as CP-SAT's integers: exactly where it fits, rounded outwards where not.

CP-SAT works in 64-bit integers, so money is scaled. When the least common
multiple of every denominator involved (costs, budget, floors, caps and each
project's counted part of its cost) keeps every linear expression within
`MAGNITUDE`, money is scaled by it and the integer model *is* the rational
one. Shares of city-wide projects counted by their supporters defeat this on
big cities: their denominators are supporter counts, and their least common
multiple runs to hundreds of bits. Then money is scaled by the largest
multiple of the denominators of costs, budget, floors and caps that fits,
each fractional part of a cost is rounded outwards (up towards a floor, down
towards a cap), so that the integer model admits every selection the
rational one does, and every selection CP-SAT returns is checked in exact
arithmetic (solvers/cpsat.py). If even costs, budget, floors and caps
cannot be scaled within `MAGNITUDE`, the model refuses with a SolverError
rather than round them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.rules.solvers.errors import SolverError

# CP-SAT refuses a model whose linear expressions could overflow 64-bit integers; staying
# within 2^53 also keeps every coefficient exact in the doubles of its LP relaxation, and
# the objective exact in the double CP-SAT reports it as.
MAGNITUDE = 2**53

Row = tuple[Mapping[str, Fraction], Fraction]
"""Money each project counts (cost × share) and the bound on their sum."""

IntegerRow = tuple[dict[str, int], int]
"""A row scaled: each project's counted money and the bound, in units of 1/scale."""


@dataclass(frozen=True)
class ScaledMoney:
    money: int
    """The scale: every amount of money is counted in units of 1/money."""
    full: int
    """The scale at which the integer model would be the rational one."""
    costs: dict[str, int]
    budget: int
    floors: list[IntegerRow]
    """Counted money rounded up, towards the floor."""
    caps: list[IntegerRow]
    """Counted money rounded down, towards the cap."""

    @property
    def exact(self) -> bool:
        """Whether the integer model is the rational one, with no rounding at all."""
        return self.money == self.full

    def allowance(self, shortfall: Fraction) -> int:
        """Scaled total shortfall a selection within `shortfall` of the floors can take.

        A floor's scaled shortfall need only reach the scaled floor (an integer)
        minus the scaled, rounded-up counted money, which is at most the exact
        shortfall times the scale: so the scaled total of a selection within
        `shortfall` is at most `shortfall` times the scale.
        """
        return min(math.floor(shortfall * self.money), sum(floor for _, floor in self.floors))


def scale_money(
    costs: Mapping[str, Fraction],
    budget: Fraction,
    floors: Sequence[Row],
    caps: Sequence[Row],
    magnitude: int = MAGNITUDE,
) -> ScaledMoney:
    """Choose the money scale and the integer rows (see the module docstring)."""
    rows = [*floors, *caps]
    plain = [*costs.values(), budget, *(bound for _, bound in rows)]
    base = math.lcm(1, *(m.denominator for m in plain))
    full = math.lcm(base, *(c.denominator for row, _ in rows for c in row.values()))
    # Every scaled expression stays within scale × widest + slack, rounding included.
    widest = max(
        [
            sum(costs.values(), Fraction(0)) + budget,
            2 * sum((floor for _, floor in floors), Fraction(0)),
            *(_size(row) + 2 * floor for row, floor in floors),
            *(_size(row) + cap for row, cap in caps),
        ]
    )
    slack = sum(len(row) for row, _ in rows) + 1
    money = full
    if full * widest + slack > magnitude:
        money = base * max(0, math.floor((magnitude - slack) / (base * widest)))
        if money == 0:
            raise SolverError(
                f"costs, budget, floors and caps need a common denominator of {base:,}: "
                "the model cannot scale them to integers within CP-SAT's 64-bit range"
            )
    return ScaledMoney(
        money=money,
        full=full,
        costs={p: int(c * money) for p, c in costs.items()},
        budget=int(budget * money),
        floors=[
            ({p: math.ceil(c * money) for p, c in row.items()}, int(floor * money))
            for row, floor in floors
        ],
        caps=[
            ({p: math.floor(c * money) for p, c in row.items()}, int(cap * money))
            for row, cap in caps
        ],
    )


def _size(row: Mapping[str, Fraction]) -> Fraction:
    return sum((abs(c) for c in row.values()), Fraction(0))
