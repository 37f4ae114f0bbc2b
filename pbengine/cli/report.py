"""`pbengine report`: the equalities report of a file's allocation or of a stored round."""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from typing import Any, TextIO

from pbengine.cli.common import (
    Commands,
    UsageError,
    load_election,
    print_json,
    read_as_auditor,
)
from pbengine.cli.elections import add_fairness_option, fairness_document, outcome_json
from pbengine.core.money import parse_amount, readable
from pbengine.settings import Settings


def add_commands(commands: Commands) -> None:
    report = commands.add_parser(
        "report",
        help="the equalities report: whom a result serves, what the rules changed",
    )
    report.add_argument(
        "target",
        help="a pabulib .pb file, 'demo', or a round id in PBENGINE_DATABASE_URL",
    )
    add_fairness_option(
        report,
        "fairness rules: a preset name from rules/ or a .toml fairness document (files only)",
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    if args.target.isdigit():
        if args.fairness:
            raise UsageError("a round reports under its own rules; --fairness is for files")
        report = _round_report(settings, int(args.target))
    else:
        report = _file_report(args.target, args.fairness)
    if args.json:
        print_json(report)
    else:
        _print_report(report, sys.stdout)
    return 0


def _file_report(target: str, fairness: str | None) -> dict[str, Any]:
    from pbengine.core.fairness.equalities import allocate_and_report
    from pbengine.core.rules import declared_rule
    from pbengine.formats.fairness_document import FairnessDocument

    election = load_election(target)
    document = fairness_document(fairness) if fairness else FairnessDocument()
    spec = document.spec(default_rule=declared_rule(election) if not document.rule else "")
    fair, equalities = allocate_and_report(election, spec)
    return {**outcome_json(fair.outcome, election.costs()), "equalities": equalities}


def _round_report(settings: Settings, round_id: int) -> dict[str, Any]:
    from pbengine.service.results import ResultsService

    report = read_as_auditor(
        settings,
        round_id,
        lambda session, auditor: ResultsService(session).results(auditor, round_id),
    )
    return report.model_dump(mode="json")


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    e = report["equalities"]
    out.write(f"rule {report['rule']}: funded {', '.join(report['selected']) or 'nothing'}\n")
    _print_coverage(e, out)
    for c in e["constraints"]:
        state = "met" if c["met"] else f"NOT met: {_money(c['shortfall'])} short"
        out.write(f"{c['label']}: spent {_money(c['spend'])}, {state}\n")
    for line in e["enforcement"]:
        out.write(f"enforced: {line}\n")
    effect = e["effect"]
    out.write(
        f"compared with {effect['compared_with']}: brought in "
        f"{', '.join(effect['brought_in']) or 'nothing'}; pushed out "
        f"{', '.join(effect['pushed_out']) or 'nothing'}\n"
    )
    for name, verdict in e["proportionality"].items():
        holds = {True: "holds", False: "fails", None: "unknown"}[verdict["holds"]]
        out.write(f"{name}: {holds} ({verdict['why']})\n")


def _print_coverage(e: dict[str, Any], out: TextIO) -> None:
    coverage = e["coverage"]
    out.write(f"voters with a funded project: {_pct(coverage['overall'])} of {e['voters']}\n")
    for district, share in coverage["by_district"].items():
        out.write(f"  {district}: {_pct(share)}\n")
    if e["spend_by_district"]:
        out.write("spend by district (share of spend / of voters / of population):\n")
    for district, row in e["spend_by_district"].items():
        out.write(
            f"  {district}: {_money(row['spend'])} "
            f"({_pct(row['share_of_spend'])} / {_pct(row['share_of_voters'])} / "
            f"{_pct(row['share_of_population'])})\n"
        )


def _money(amount: str) -> str:
    return readable(parse_amount(amount))


def _pct(share: str | None) -> str:
    if share is None:
        return "-"
    return f"{float(Fraction(share)) * 100:.1f}%"
