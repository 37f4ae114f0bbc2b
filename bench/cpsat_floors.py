"""CP-SAT on every election with the `max-welfare-with-floors` preset: proven optimal? how fast?

    .venv/bin/python bench/cpsat_floors.py [--pabulib DIR] [--only SUBSTRING] [--out FILE]

For each .pb file: the preset's rule (max utilitarian welfare) with a floor
for every district of the voters' share of half the budget (voters' district
or neighborhood attribute; elections without one run with no floors). Prints
one line per election: projects, districts bound, solve time, whether every
solve was proven optimal, any shortfall; then totals, and the same solve
time without floors, measured in the same run, as a ratio. Machines are
noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbengine.core.fairness.enforce import allocate_fairly  # noqa: E402
from pbengine.core.fairness.resolve import FairnessError  # noqa: E402
from pbengine.core.fairness.spec import FairnessSpec  # noqa: E402
from pbengine.core.rules.solvers.errors import SolverError  # noqa: E402
from pbengine.formats.fairness_document import load_preset  # noqa: E402
from pbengine.formats.pabulib import PabulibError, read_file  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabulib", default=str(ROOT.parent / "shared" / "pabulib"))
    parser.add_argument("--only", default="", help="only files whose name contains this")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    spec = load_preset("max-welfare-with-floors").spec()
    files = sorted(p for p in Path(args.pabulib).glob("*.pb") if args.only in p.name)
    lines = [f"{'election':60} {'proj':>5} {'floors':>6} {'floors s':>9} {'bare s':>8}  result"]
    print(lines[0], flush=True)
    proven = failed = 0
    total_floors = total_bare = 0.0
    for path in files:
        try:
            election = read_file(path)
        except PabulibError as exc:
            print(f"{path.name[:60]:60} unreadable: {exc}", flush=True)
            continue
        started = time.perf_counter()
        try:
            try:
                fair = allocate_fairly(election, spec)
            except FairnessError:  # no voter districts: no floors to set
                fair = allocate_fairly(election, FairnessSpec("max-welfare"))
        except SolverError as exc:
            failed += 1
            line = f"{path.name[:60]:60} {len(election.projects):5} NOT PROVEN: {exc}"
            print(line, flush=True)
            lines.append(line)
            continue
        with_floors = time.perf_counter() - started
        started = time.perf_counter()
        allocate_fairly(election, FairnessSpec("max-welfare"))
        bare = time.perf_counter() - started
        total_floors += with_floors
        total_bare += bare
        short = [c for c in fair.checks if c.shortfall]
        not_settled = sum("not settled" in d.explanation for d in fair.outcome.decisions)
        result = "proven optimal" if not not_settled else f"{not_settled} explanations unsettled"
        if short:
            result += f"; {len(short)} floors short"
        proven += not not_settled
        line = (
            f"{path.name[:60]:60} {len(election.projects):5} {len(fair.checks):6} "
            f"{with_floors:9.2f} {bare:8.2f}  {result}"
        )
        print(line, flush=True)
        lines.append(line)
    summary = (
        f"{proven} of {len(files)} proven optimal throughout, {failed} not proven; "
        f"total {total_floors:.1f} s with floors, {total_bare:.1f} s without "
        f"(ratio {total_floors / max(total_bare, 1e-9):.2f})"
    )
    print(summary)
    lines.append(summary)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
