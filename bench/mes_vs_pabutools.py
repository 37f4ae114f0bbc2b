"""pbengine's Method of Equal Shares against pabutools, timed side by side in one run.

    .venv/bin/python bench/mes_vs_pabutools.py [--pabulib DIR] [--quick]

Each row pairs a pabutools computation with the pbengine rule that must give
the same outcome, checks that it does, and prints both times and the ratio:

- add1 (deployed): pbengine `equalshares/add1` against pabutools' plain MES
  rerun with one more currency unit per voter until the outcome overspends
  (pabutools has no such option; `tests/oracle/pabutools_oracle.py` drives it).
  This is how Wieliczka, Swiecie and Assen ran MES.
- add1-exhaustive: pbengine `equalshares/add1-exhaustive` against pabutools'
  own `voter_budget_increment=1`, which stops at the first exhaustive outcome.

pabutools runs on the profile `parse_pabulib` returns, as usually called, and
(columns marked "multi") on its multiprofile, which collapses identical
ballots and is much faster. `--quick` skips the slow plain-profile runs.
Then Lodz 2022 (90k voters, 160 projects). Machines are noisy: read the
ratios. pbengine times are the best of 3 runs, pabutools' a single run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbengine.core.rules import allocate  # noqa: E402
from pbengine.formats.pabulib import read_file  # noqa: E402
from tests.oracle.pabutools_oracle import pabutools_add1_deployed, pabutools_selection  # noqa: E402

ELECTIONS = (
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
)
LODZ = "Poland_Lodz_2022.pb"


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def row(
    name: str, label: str, ours: Callable[[], object], theirs: dict[str, Callable[[], object]]
) -> bool:
    ours_s, outcome = timed(ours, repeat=3)
    selected = set(outcome.selected)  # type: ignore[attr-defined]
    cells, same = [], True
    for kind, fn in theirs.items():
        their_s, their = timed(fn)
        same &= their == selected
        cells.append(f"pabutools {kind} {their_s:8.2f}s = {their_s / ours_s:5.0f}x")
    print(
        f"{name[:28]:28} {label:16} pbengine {ours_s:7.3f}s | {' | '.join(cells)} | same: {same}",
        flush=True,
    )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pabulib", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--quick", action="store_true", help="only pabutools' multiprofile runs")
    args = parser.parse_args()
    kinds = {"multi": True} if args.quick else {"multi": True, "plain": False}
    ok = True
    for name in ELECTIONS:
        path = args.pabulib / name
        election = read_file(path)
        ok &= row(
            name,
            "add1 (deployed)",
            partial(allocate, election, "equalshares/add1"),
            {k: partial(pabutools_add1_deployed, path, multiprofile=m) for k, m in kinds.items()},
        )
        ok &= row(
            name,
            "add1-exhaustive",
            partial(allocate, election, "equalshares/add1-exhaustive"),
            {
                k: partial(pabutools_selection, path, "mes", add1=True, multiprofile=m)
                for k, m in kinds.items()
            },
        )
    path = args.pabulib / LODZ
    read_s, election = timed(partial(read_file, path))
    print(f"\n{LODZ}: reading {read_s:.2f}s")
    add1_s, _ = timed(partial(allocate, election, "equalshares/add1"))  # type: ignore[arg-type]
    print(f"{LODZ[:28]:28} {'add1 (deployed)':16} pbengine {add1_s:7.3f}s (goal: under 5 s)")
    ok &= row(
        LODZ,
        "plain MES",
        partial(allocate, election, "equalshares"),  # type: ignore[arg-type]
        {k: partial(pabutools_selection, path, "mes", multiprofile=m) for k, m in kinds.items()},
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
