"""`pbengine allocate` as a whole process against a pabutools script doing the same.

    .venv/bin/python bench/whole_process.py [--pabulib DIR] [--repeat 3]
        [--elections NAME.pb ...] [--no-lodz]

Issue 16 asks for `pbengine allocate FILE --rule equalshares/add1`, start to
exit, against a pabutools script doing the same. Each side is a process of its
own, timed from start to exit (interpreter start, imports, parsing, the rule,
printing), CPU time (user + system) of the child: the two sides are timed the
same way, run alternately, `--repeat` times each, and the median is printed.
The funded projects are asserted identical.

- pbengine: `pbengine allocate FILE --rule equalshares/add1 --json`.
- pabutools: `bench/pabutools_script.py FILE`: `parse_pabulib`, its multiprofile,
  and MES rerun one currency unit per voter higher until the outcome overspends
  (the deployed add1; pabutools has no option for it), ties broken as pbengine's
  default does.

On Assen 2024, Świecie 2023 and Wieliczka 2023 Green by default; Warszawa 2024
Ochota with `--elections` (pabutools reruns MES about once per unit there,
minutes a run). Łódź 2022 with plain MES on both sides (`--rule equalshares`,
`--plain`): pabutools' add1 there would take hours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ELECTIONS = (
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
)
LODZ = "Poland_Lodz_2022.pb"
PBENGINE = "import sys; from pbengine.cli.main import main; raise SystemExit(main(sys.argv[1:]))"


def child(
    command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """CPU and wall seconds of one process, start to exit, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=cwd, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, done.stdout


def side_by_side(path: Path, plain: bool, repeat: int) -> bool:
    rule = "equalshares" if plain else "equalshares/add1"
    ours = [sys.executable, "-c", PBENGINE, "allocate", str(path), "--rule", rule, "--json"]
    theirs = [sys.executable, str(ROOT / "bench" / "pabutools_script.py"), str(path)]
    theirs += ["--plain"] if plain else []
    ours_s, theirs_s, same = [], [], True
    for _ in range(repeat):
        seconds, _, printed = child(ours)
        ours_s.append(seconds)
        ours_funded = sorted(json.loads(printed)["selected"])
        seconds, _, printed = child(theirs)
        theirs_s.append(seconds)
        same &= ours_funded == json.loads(printed)
    a, b = statistics.median(ours_s), statistics.median(theirs_s)
    print(
        f"| {path.name.removesuffix('.pb')} | {rule} | {a:.3f} s | {b:.2f} s | {b / a:.1f}× "
        f"| {'yes' if same else 'NO'} |",
        flush=True,
    )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pabulib", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--elections", nargs="*", default=list(ELECTIONS))
    parser.add_argument("--no-lodz", action="store_true", help="leave out Łódź's plain MES")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    code = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        check=False,  # not a git checkout: the code is named unknown
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, pbengine at {code or 'unknown'}, load average "
        f"{load} before the run, {args.repeat} runs of each side, alternately; CPU time of "
        "each whole process\n"
    )
    print("| election | pbengine rule | pbengine | pabutools script | ratio | identical |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    started = time.perf_counter()
    ok = True
    for name in args.elections:  # every row, even after a difference
        ok &= side_by_side(args.pabulib / name, False, args.repeat)
    if not args.no_lodz:
        ok &= side_by_side(args.pabulib / LODZ, True, args.repeat)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
