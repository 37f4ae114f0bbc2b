"""What a pabutools user would run for `pbengine allocate FILE --rule equalshares/add1`.

    .venv/bin/python bench/pabutools_script.py FILE [--plain]

The other side of bench/whole_process.py, run as a process of its own, start to
exit. It imports pabutools (the test-only oracle; pbengine never imports it),
parses FILE with `parse_pabulib`, collapses identical ballots with
`as_multiprofile` (pabutools' fast path), and runs MES with cost utilities as
Wieliczka, Świecie and Assen deployed it, through the same driver as the oracle
tests (tests/oracle/pabutools_add1.py, which loads nothing of pbengine): pabutools
has no option for that completion, so MES is rerun with b * n for b = floor(B/n),
floor(B/n) + 1, ... until the outcome costs more than B, keeping the last that
fit, with the voters' satisfactions measured once. `--plain`: MES once, no completion.

Ties are broken as pbengine's default does (cost, then support, then the file's
order), computed here from pabutools' own profile, without pbengine, so that
the two processes can be compared: nothing of pbengine is loaded here.
Prints the funded project ids as a JSON list.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.oracle.pabutools_add1 import add1_deployed


def listed_order(path: Path) -> dict[str, int]:
    """The projects' places in the file's PROJECTS section."""
    order: dict[str, int] = {}
    section = ""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        for row in csv.reader(lines, delimiter=";"):
            if len(row) == 1 and row[0].strip().upper() in ("META", "PROJECTS", "VOTES"):
                section = row[0].strip().upper()
                if section == "VOTES":
                    break
                continue
            if section == "PROJECTS" and row and row[0].strip() != "project_id":
                order[row[0].strip()] = len(order)
    return order


def main() -> int:
    path, plain = Path(sys.argv[1]), "--plain" in sys.argv[2:]
    instance, profile = parse_pabulib(str(path))
    voters = profile.as_multiprofile()
    support: Counter[str] = Counter()
    for ballot, times in voters.items():
        for project in ballot:
            support[project.name] += times
    order = listed_order(path)
    ranks = {
        name: rank
        for rank, name in enumerate(
            sorted(order, key=lambda n: (instance.get_project(n).cost, -support[n], order[n]))
        )
    }
    tie = TieBreakingRule(lambda _instance, _profile, project: ranks[project.name])
    if plain:
        best = method_of_equal_shares(instance, voters, sat_class=Cost_Sat, tie_breaking=tie)
    else:
        supported = {p.name for p in instance if p.cost > 0 and support[p.name] > 0}
        best = add1_deployed(instance, voters, profile.num_ballots(), supported, tie)
    print(json.dumps(sorted(project.name for project in best)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
