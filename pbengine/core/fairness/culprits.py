"""Which projects a run funded against a cap or a set: the next run goes without them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

from pbengine.core.fairness.bounds import SpendBound
from pbengine.core.fairness.resolve import Resolved
from pbengine.core.money import readable


def culprits_of(
    selected: Sequence[str], costs: Mapping[str, Fraction], resolved: Resolved
) -> dict[str, str]:
    """Every project whose funding broke a cap or a set, in the order the rule funded them.

    Of an exclusive set, the first funded stays. A cap keeps what the rule
    funded while it fits, in that order, and takes out each project that
    would pass it. A bundle partly funded, or split by a cap, goes whole,
    its unfunded members too: they can never be funded without the others.
    Exclusive sets come first, so that a project taken out as a rival does
    not also count against a cap.
    """
    out: dict[str, str] = {}
    _rivals(selected, resolved.exclusive, out)
    _split_bundles(selected, resolved.together, out)
    _past_caps(selected, costs, resolved.bounds, out)
    _split_bundles(selected, resolved.together, out)
    return out


def _kept(selected: Sequence[str], out: Mapping[str, str]) -> list[str]:
    return [p for p in selected if p not in out]


def _rivals(
    selected: Sequence[str], exclusive: Sequence[frozenset[str]], out: dict[str, str]
) -> None:
    for group in exclusive:
        funded = [p for p in _kept(selected, out) if p in group]
        for pid in funded[1:]:
            out[pid] = f"not funded: it excludes project {funded[0]}, funded before it"


def _split_bundles(
    selected: Sequence[str], together: Sequence[frozenset[str]], out: dict[str, str]
) -> None:
    still = _kept(selected, out)
    for bundle in together:
        funded = [p for p in still if p in bundle]
        if funded and len(funded) < len(bundle):
            missing = sorted(bundle - set(funded))
            names = ", ".join(missing)
            # The unfunded members go too: without their partners they can never be funded.
            for pid in sorted(bundle - out.keys(), key=_funded_first(selected)):
                out[pid] = (
                    f"not funded: it must be funded together with {names}, which the "
                    "rule did not fund alongside it"
                    if pid in funded
                    else f"not funded: it must be funded together with {', '.join(funded)}, "
                    "which could not be"
                )


def _past_caps(
    selected: Sequence[str],
    costs: Mapping[str, Fraction],
    bounds: Sequence[SpendBound],
    out: dict[str, str],
) -> None:
    for bound in bounds:
        if bound.cap is None:
            continue
        spent = Fraction(0)
        for pid in _kept(selected, out):
            share = bound.shares.get(pid)
            if not share:
                continue
            if spent + costs[pid] * share > bound.cap:
                out[pid] = (
                    f"not funded: funding it took {bound.label} past its cap of "
                    f"{readable(bound.cap)}"
                )
            else:
                spent += costs[pid] * share


def _funded_first(selected: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    position = {pid: i for i, pid in enumerate(selected)}
    return lambda pid: (position.get(pid, len(position)), pid)
