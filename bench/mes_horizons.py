"""What ends each run of an add1 completion: the kind of test that set its horizon.

    .venv/bin/python bench/mes_horizons.py FILE.pb [--rule equalshares/add1] [--share 100]

Every MES run of add1 stops at its horizon, the first budget at which one of its
tests could change sign (pbengine/core/rules/equal_shares_horizon.py); the next
run is at the first one-unit step at or after it. This diagnostic labels each
test by where the state made it, and prints, for each kind, how many steps to a
higher budget it ended and after how many of those the next run funded the same
projects in the same order (a step that changed nothing):

- split: whether a class of the funded project's supporters pays the equal
  payment or all it has (State._certify_split);
- drop: whether a dropped candidate's supporters could pay for it
  (State._drop_unaffordable);
- comparison: whether another candidate would beat the funded one.

Each is counted apart when it was made by an earlier run's rounds and carried
over, as the limit of the snapshot a later run resumed from (equal_shares.Runner).
`--share P` runs on a fixed random P% of the voters, as bench/equal_shares.py's
sample table does. It patches the rule's internals for counting only: the
outcome is the rule's own. docs/performance.md ("What ends each run") has its
figures.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples import voter_sample  # noqa: E402

import pbengine.core.rules.equal_shares as runs_module  # noqa: E402
import pbengine.core.rules.equal_shares_state as state_module  # noqa: E402
from pbengine.core.rules import allocate  # noqa: E402
from pbengine.core.rules.equal_shares_horizon import Horizon  # noqa: E402
from pbengine.formats.pabulib import read_file  # noqa: E402

KINDS = ("split", "drop", "comparison")

_kind_of_limit: dict[Fraction, str | None] = {}
"""The kind of test behind each limit a Runner kept with a snapshot, by its budget."""


class LabelledHorizon(Horizon):
    """A horizon that remembers which kind of test set it, and whether that test was made
    by this run's rounds or carried over, as a limit, from an earlier run's."""

    __slots__ = ("carried", "kind")
    testing = "comparison"
    resuming_at = Fraction(0)

    def __init__(self, limit: Fraction | None = None) -> None:
        super().__init__(limit)
        # Runner.run passes the snapshot's limit less the new budget.
        absolute = None if limit is None else LabelledHorizon.resuming_at + limit
        self.kind = None if absolute is None else _kind_of_limit.get(absolute)
        self.carried = absolute is not None

    def test(self, value: int, slope: int) -> None:
        before = (self.num, self.den)
        super().test(value, slope)
        if (self.num, self.den) != before:
            self.kind, self.carried = LabelledHorizon.testing, False


def labelled(method: Any, kind: str) -> Any:
    def run(*args: Any) -> Any:
        LabelledHorizon.testing = kind
        try:
            return method(*args)
        finally:
            LabelledHorizon.testing = "comparison"

    return run


def instrument() -> list[tuple[Fraction, tuple[int, ...], str | None, bool]]:
    """Label every test the rule makes; return the list each run's end is added to."""
    runs_module.Horizon = LabelledHorizon  # type: ignore[misc]
    state = state_module.State
    state._certify_split = labelled(state._certify_split, "split")  # type: ignore[method-assign]
    state._drop_unaffordable = labelled(state._drop_unaffordable, "drop")  # type: ignore[method-assign]
    limit, result, resume = runs_module._limit, runs_module._result, runs_module.Runner.run
    ended: list[tuple[Fraction, tuple[int, ...], str | None, bool]] = []

    def kept_limit(state: Any) -> Fraction | None:
        value = limit(state)
        if value is not None:
            _kind_of_limit[value] = getattr(state.horizon, "kind", None)
        return value

    def recorded(state: Any) -> Any:
        run = result(state)
        horizon = state.horizon
        ended.append((run.per_voter, run.selected, horizon.kind, horizon.carried))
        return run

    def run(self: Any, per_voter: Fraction) -> Any:
        LabelledHorizon.resuming_at = per_voter
        return resume(self, per_voter)

    runs_module._limit = kept_limit
    runs_module._result = recorded
    runs_module.Runner.run = run  # type: ignore[method-assign]
    return ended


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--rule", default="equalshares/add1")
    parser.add_argument("--share", type=int, default=100, help="percent of the voters")
    args = parser.parse_args()
    election = voter_sample(read_file(args.file), args.share)
    ended = instrument()
    outcome = allocate(election, args.rule)

    # A run at a lower budget than the one before it is the completion stepping back to
    # the last budget that fits (_last_that_fits), not a step: it and its pair are left out.
    steps = [(earlier, later) for earlier, later in pairwise(ended) if later[0] > earlier[0]]
    counts: Counter[tuple[str | None, bool, bool]] = Counter()
    for (_, funded, kind, carried), (_, following, _, _) in steps:
        counts[(kind, carried, funded == following)] += 1
    print(
        f"{args.file.name}, {args.rule}, {args.share}% of the voters: {len(ended)} runs, "
        f"{len(steps)} steps to a higher budget"
    )
    print("| test that ended the run | made by | steps | next run funded the same, in order |")
    print("|---|---|---:|---:|")
    for kind in KINDS:
        for carried, by in ((False, "its own rounds"), (True, "an earlier run's rounds")):
            same, other = counts[(kind, carried, True)], counts[(kind, carried, False)]
            print(f"| {kind} | {by} | {same + other} | {same} |")
    print(f"funded: {len(outcome.selected)} projects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
