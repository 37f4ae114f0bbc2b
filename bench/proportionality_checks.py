"""EJR up to one and priceability on every approval election: what holds, and at what cost.

    .venv/bin/python bench/proportionality_checks.py [--pabulib DIR] [--only SUBSTRING]

For each approval .pb file and each of MES+add1 (as Wieliczka ran it) and
greedy by votes: whether EJR up to one project holds (and how many sets the
search visited), whether the MES payments verify as a price system, and the
time of both checks as a ratio of the rule's own run time, measured in the
same run. Machines are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbengine.core.election import VoteType  # noqa: E402
from pbengine.core.proportionality.ejr import ejr_up_to_one  # noqa: E402
from pbengine.core.proportionality.priceability import check_priceable  # noqa: E402
from pbengine.core.rules import allocate  # noqa: E402
from pbengine.formats.pabulib import PabulibError, read_file  # noqa: E402

RULES = ("equalshares/add1", "greedy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabulib", default=str(ROOT.parent / "shared" / "pabulib"))
    parser.add_argument("--only", default="", help="only files whose name contains this")
    args = parser.parse_args()
    files = sorted(p for p in Path(args.pabulib).glob("*.pb") if args.only in p.name)
    print(f"{'election':50} {'rule':17} {'EJR-1':>6} {'sets':>6} {'priced':>6} {'check/rule':>10}")
    tally = {rule: {True: 0, False: 0, None: 0} for rule in RULES}
    priced = dict.fromkeys(RULES, 0)
    slowest = (0.0, "")
    for path in files:
        try:
            election = read_file(path)
        except PabulibError:
            continue
        if election.vote_type is not VoteType.APPROVAL:
            continue
        for rule in RULES:
            started = time.perf_counter()
            outcome = allocate(election, rule)
            ran = time.perf_counter() - started
            started = time.perf_counter()
            ejr = ejr_up_to_one(election, outcome.selected)
            price = check_priceable(election, outcome)
            checked = time.perf_counter() - started
            tally[rule][ejr.holds] += 1
            priced[rule] += price.holds is True
            slowest = max(slowest, (checked, f"{path.name} ({rule})"))
            print(
                f"{path.name[:50]:50} {rule:17} {ejr.holds!s:>6} {ejr.sets_searched:6} "
                f"{price.holds!s:>6} {checked / max(ran, 1e-9):10.2f}",
                flush=True,
            )
    for rule in RULES:
        t = tally[rule]
        print(
            f"{rule}: EJR up to one holds {t[True]}, fails {t[False]}, undecided {t[None]}; "
            f"priceability verified {priced[rule]}"
        )
    print(f"slowest check: {slowest[0]:.2f} s on {slowest[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
