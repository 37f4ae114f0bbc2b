"""Equal Shares with completion, pbengine against pabutools in-process, in one run.

    .venv/bin/python bench/equal_shares.py [--pabulib DIR] [--repeat 1]
        [--skip-pabutools-lodz] [--elections NAME.pb ...] [--before REV]
        [--whole NAME.pb:RULE ...] [--both-ways NAME.pb:RULE ...]

Both sides parse outside the timer (pbengine `read_file`, pabutools
`parse_pabulib` and `as_multiprofile`, its fast path), get the same tie-breaking
order, run the same number of times, and the outcomes are asserted identical:

- `equalshares/add1-exhaustive` against pabutools' `voter_budget_increment=1`
  on Assen 2024, Swiecie 2023, Wieliczka 2023 Green and Warszawa 2024 Ochota
  (there is no Warszawa 2019 Ochota in pabulib).
- Lodz 2022 (90,494 voters): plain `equalshares` against pabutools' MES
  (pabutools' completion there would take hours), and pbengine's `add1`,
  in-process and as a whole process (`pbengine allocate FILE --rule
  equalshares/add1`: start-up, parsing, the rule and printing; CPU time of
  the child process, and wall time); with `--before REV`, the same command
  run from that commit's `pbengine/` in the same way, for a ratio; `--whole
  NAME.pb:RULE` (repeatable) adds other whole processes, e.g. Warszawa 2021
  Wola's add1, whose long ballots make most money classes empty.
- `--both-ways NAME.pb:RULE` (repeatable): pbengine's rule alone with numpy's
  bookkeeping and in pure Python (equal_shares_state.BULK_FROM set to 0 and
  out of reach), alternately, `--repeat` times each; outcomes asserted equal.
- The Lodz subsample table: `equalshares/add1` on 10%, 25%, 50% and 100% of
  the voters (a fixed random sample), with the MES rounds computed.

Times are CPU seconds (process_time), the median of `--repeat` runs; the
ratio is pabutools' time over pbengine's. Libraries are imported before any
timer starts, on both sides: pabutools' at the top, and numpy, which pbengine
loads for large profiles only (equal_shares_bulk), here too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pabutools.election import Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import method_of_equal_shares  # noqa: E402
from pabutools.tiebreaking import TieBreakingRule  # noqa: E402
from samples import voter_sample  # noqa: E402
from startup import extract  # noqa: E402
from whole_process import PBENGINE, child  # noqa: E402

import pbengine.core.rules.equal_shares_bulk  # noqa: E402, F401  (numpy, as said above)
from pbengine.core.election import Election  # noqa: E402
from pbengine.core.rules import allocate, equal_shares_state  # noqa: E402
from pbengine.core.tiebreak import DEFAULT  # noqa: E402
from pbengine.formats.pabulib import read_file  # noqa: E402

ELECTIONS = (
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Warszawa_2024_Ochota.pb",
)
LODZ = "Poland_Lodz_2022.pb"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def pabutools_runner(path: Path, election: Election, add1: bool) -> Callable[[], set[str]]:
    """pabutools' MES on a profile parsed now, so that only the rule is timed."""
    ranks = DEFAULT.ranks(election)
    tie = TieBreakingRule(lambda _instance, _profile, project: ranks[project.name])
    instance, profile = parse_pabulib(str(path))
    voters = profile.as_multiprofile()

    def go() -> set[str]:
        result = method_of_equal_shares(
            instance,
            voters,
            sat_class=Cost_Sat,
            tie_breaking=tie,
            voter_budget_increment=1 if add1 else None,
        )
        return {project.name for project in result}

    return go


def compare(path: Path, election: Election, rule: str, repeat: int) -> bool:
    ours_s, ours = timed(lambda: allocate(election, rule), repeat)
    theirs_s, theirs = timed(pabutools_runner(path, election, rule != "equalshares"), repeat)
    same = set(ours.selected) == theirs  # type: ignore[attr-defined]
    print(
        f"{path.name[:38]:38} {rule:28} pbengine {ours_s:8.3f} s  pabutools {theirs_s:8.2f} s"
        f"  = {theirs_s / ours_s:6.1f}x  identical: {same}",
        flush=True,
    )
    return same


def whole_process(path: Path, rule: str, repeat: int, source: Path = ROOT) -> tuple[float, float]:
    """Median CPU and wall seconds of `pbengine allocate` on `path`, start to exit, with
    the `pbengine/` found in `source` (`-c` puts the working directory first on sys.path)."""
    command = [sys.executable, "-c", PBENGINE, "allocate", str(path), "--rule", rule]
    env = {**os.environ, "PYTHONPATH": str(source)}
    runs = [child(command, cwd=source, env=env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def whole_processes(path: Path, rule: str, repeat: int, before: str | None) -> None:
    """`pbengine allocate` on `path` as a whole process, now and, given `before`, at it."""
    cpu_s, wall_s = whole_process(path, rule, repeat)
    print(
        f"{path.name[:38]:38} {rule + ', whole process':32} {cpu_s:8.3f} s CPU"
        f" ({wall_s:.3f} s wall): pbengine allocate FILE --rule {rule}",
        flush=True,
    )
    if before:
        with tempfile.TemporaryDirectory() as tmp:
            extract(before, Path(tmp))
            old_s, old_wall = whole_process(path, rule, repeat, Path(tmp))
        print(
            f"{'  the same at ' + before:38} {'':32} {old_s:8.3f} s CPU"
            f" ({old_wall:.3f} s wall): {old_s / cpu_s:.2f}x the time now",
            flush=True,
        )


def both_ways(election: Election, name: str, rule: str, repeat: int) -> bool:
    """The rule with numpy's bookkeeping and in pure Python, alternately; same outcome?"""
    times: dict[str, list[float]] = {"numpy": [], "pure Python": []}
    outcomes = []
    for _ in range(repeat):
        for way, threshold in (("numpy", 0), ("pure Python", 10**18)):
            with patch.object(equal_shares_state, "BULK_FROM", threshold):
                seconds, outcome = timed(lambda: allocate(election, rule), 1)
            times[way].append(seconds)
            outcomes.append(outcome)
    bulk, pure = (statistics.median(times[w]) for w in ("numpy", "pure Python"))
    same = all(o == outcomes[0] for o in outcomes)
    print(
        f"{name[:38]:38} {rule:28} numpy {bulk:8.3f} s  pure Python {pure:8.3f} s"
        f"  = {pure / bulk:5.2f}x  identical: {same}",
        flush=True,
    )
    return same


def scaling(election: Election, repeat: int) -> None:
    print("\nLodz 2022 equalshares/add1 on a sample of the voters (pbengine only)")
    full_s = None
    for share in (100, 50, 25, 10):
        sample = voter_sample(election, share)
        seconds, outcome = timed(lambda s=sample: allocate(s, "equalshares/add1"), repeat)
        full_s = full_s or seconds
        note = outcome.notes[0]  # type: ignore[attr-defined]
        runs = note[note.index("; ") + 2 : note.index(" MES runs")]
        print(
            f"{share:4}% {len(sample.ballots):7,} voters  {seconds:7.3f} s"
            f"  ({seconds / full_s:5.2f} of all voters' time; {runs} MES runs)",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pabulib", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-pabutools-lodz", action="store_true")
    parser.add_argument(
        "--elections", nargs="*", default=list(ELECTIONS), help="file names to compare"
    )
    parser.add_argument(
        "--before", metavar="REV", help="also run each whole process (Lodz's, --whole) at REV"
    )
    parser.add_argument(
        "--both-ways",
        metavar="NAME.pb:RULE",
        action="append",
        default=[],
        help="also time pbengine's rule with numpy's bookkeeping and without (BULK_FROM)",
    )
    parser.add_argument(
        "--whole",
        metavar="NAME.pb:RULE",
        action="append",
        default=[],
        help="also time pbengine allocate NAME.pb --rule RULE as a whole process",
    )
    args = parser.parse_args()
    ok = True
    for name in args.elections:
        path = args.pabulib / name
        ok &= compare(path, read_file(path), "equalshares/add1-exhaustive", args.repeat)
    lodz = read_file(args.pabulib / LODZ)
    if not args.skip_pabutools_lodz:
        ok &= compare(args.pabulib / LODZ, lodz, "equalshares", args.repeat)
    add1_s, _ = timed(lambda: allocate(lodz, "equalshares/add1"), args.repeat)
    print(f"{LODZ:38} {'equalshares/add1':28} pbengine {add1_s:8.3f} s", flush=True)
    for name, rule in [(LODZ, "equalshares/add1"), *(w.split(":", 1) for w in args.whole)]:
        whole_processes(args.pabulib / name, rule, args.repeat, args.before)
    for both in args.both_ways:
        name, rule = both.split(":", 1)
        ok &= both_ways(read_file(args.pabulib / name), name, rule, args.repeat)
    scaling(lodz, args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
