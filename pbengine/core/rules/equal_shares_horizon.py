"""The horizon of an MES run: how far the budget can rise before any of its decisions may change."""

from __future__ import annotations

from fractions import Fraction


class Horizon:
    """Collects sign tests of affine functions of the per-voter budget.

    Keeps the smallest raise t > 0 (or t = 0 for a test that is zero now) at
    which some tested function could change sign, as the fraction num/den.
    """

    __slots__ = ("den", "num")

    def __init__(self, limit: Fraction | None = None) -> None:
        # num < 0: no limit yet
        self.num, self.den = (-1, 1) if limit is None else (limit.numerator, limit.denominator)

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
