"""What ends each run of an add1 completion: the kind of test that set its horizon.

    .venv/bin/python bench/mes_horizons.py FILE.pb [--rule equalshares/add1] [--share 100]

Every MES run of add1 stops at its horizon, the first budget at which one of its
tests could change sign (pbengine/core/rules/equal_shares_horizon.py), and the
next run starts there. This diagnostic labels each test by where the state made
it, and prints, per kind, how many runs it ended and after how many of those
the next run funded the same projects (a run that changed nothing):

- split: whether a class of the funded project's supporters pays the equal
  payment or all it has (State._certify_split);
- carried-over limit: such a test from an earlier run's rounds, kept by a run
  that resumed after them (equal_shares.Runner);
- drop: whether a dropped candidate's supporters could pay for it;
- comparison: whether another candidate would beat the funded one.

`--share P` runs on a fixed random P% of the voters, as bench/equal_shares.py's
sample table does. It patches the rule's internals for counting only: the
outcome is the rule's own. docs/performance.md ("What ends each run") has its
figures.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pbengine.core.rules.equal_shares as runs_module  # noqa: E402
import pbengine.core.rules.equal_shares_state as state_module  # noqa: E402
from pbengine.core.rules import allocate  # noqa: E402
from pbengine.core.rules.equal_shares_horizon import Horizon  # noqa: E402
from pbengine.formats.pabulib import read_file  # noqa: E402

KINDS = ("split", "carried-over limit", "drop", "comparison")


class LabelledHorizon(Horizon):
    """A horizon that remembers which kind of test set it last."""

    __slots__ = ("kind",)
    testing = "comparison"

    def __init__(self, limit: Any = None) -> None:
        super().__init__(limit)
        self.kind = "carried-over limit" if limit is not None else None

    def test(self, value: int, slope: int) -> None:
        before = (self.num, self.den)
        super().test(value, slope)
        if (self.num, self.den) != before:
            self.kind = LabelledHorizon.testing


def labelled(method: Any, kind: str) -> Any:
    def run(*args: Any) -> Any:
        LabelledHorizon.testing = kind
        try:
            return method(*args)
        finally:
            LabelledHorizon.testing = "comparison"

    return run


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--rule", default="equalshares/add1")
    parser.add_argument("--share", type=int, default=100, help="percent of the voters")
    args = parser.parse_args()
    election = read_file(args.file)
    if args.share < 100:
        order = list(election.ballots)
        random.Random(2022).shuffle(order)
        election = replace(election, ballots=tuple(order[: len(order) * args.share // 100]))

    runs_module.Horizon = LabelledHorizon  # type: ignore[misc]
    state = state_module.State
    state._certify_split = labelled(state._certify_split, "split")  # type: ignore[method-assign]
    state._drop_unaffordable = labelled(state._drop_unaffordable, "drop")  # type: ignore[method-assign]
    ended: list[tuple[tuple[int, ...], str | None]] = []
    result = runs_module._result

    def recorded(state: Any) -> Any:
        run = result(state)
        ended.append((run.selected, getattr(state.horizon, "kind", None)))
        return run

    runs_module._result = recorded
    outcome = allocate(election, args.rule)

    counts: Counter[tuple[str | None, bool]] = Counter()
    for (funded, kind), (following, _) in pairwise(ended):
        counts[(kind, funded == following)] += 1
    print(f"{args.file.name}, {args.rule}, {args.share}% of the voters: {len(ended)} runs")
    print("| test that ended the run | runs | next run funded the same |")
    print("|---|---:|---:|")
    for kind in KINDS:
        print(
            f"| {kind} | {counts[(kind, True)] + counts[(kind, False)]} | {counts[(kind, True)]} |"
        )
    print(f"funded: {len(outcome.selected)} projects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
