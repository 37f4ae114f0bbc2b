"""Command line: allocate, verify, report, serve; export, replay, verify-extends (cli_audit).

Exit codes: 0 success, 1 a verification found a difference, 2 bad input
(unknown rule, unreadable file) with a one-line error on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from pbengine import __version__, cli_audit
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.equalities import allocate_and_report
from pbengine.core.fairness.resolve import FairnessError
from pbengine.core.money import parse_amount, plain, readable
from pbengine.core.outcome import Outcome
from pbengine.core.rules import RULES, RuleOptions, UnknownRuleError, allocate, declared_rule
from pbengine.core.rules.solvers.cpsat import SolverError
from pbengine.core.tiebreak import TieBreaking
from pbengine.formats.fairness_document import (
    FairnessDocument,
    load_file,
    load_preset,
    preset_names,
)
from pbengine.formats.pabulib import PabulibError, read_file
from pbengine.verification import Verdict, verify

if TYPE_CHECKING:
    from sqlmodel import Session

    from pbengine.service.errors import Principal

DEMO = "demo"
T = TypeVar("T")


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except (
        UsageError,
        PabulibError,
        UnknownRuleError,
        FairnessError,
        SolverError,
        ValueError,
    ) as exc:
        print(f"pbengine: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`pbengine ... | head`): not an error of ours.
        sys.stderr.close()
        return 0
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pbengine", description=__doc__)
    parser.add_argument("--version", action="version", version=f"pbengine {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    alloc = commands.add_parser("allocate", help="allocate the budget of one election")
    alloc.add_argument("file", help=f"a pabulib .pb file, or '{DEMO}' for the bundled demo")
    _rule_options(alloc)
    alloc.add_argument(
        "--fairness",
        "--rules",  # the old name, kept for one release: "rules" also names the allocation rules
        dest="fairness",
        help="fairness rules: a preset name from rules/ or a .toml fairness document",
    )
    alloc.add_argument("--json", action="store_true", help="print one JSON object")
    alloc.set_defaults(handler=_allocate)

    check = commands.add_parser(
        "verify", help="recompute elections and compare with what cities funded"
    )
    check.add_argument("paths", nargs="+", help=".pb files or directories of them")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    check.set_defaults(handler=_verify)

    report = commands.add_parser(
        "report", help="the equalities report: whom a result serves, what the rules changed"
    )
    report.add_argument(
        "target", help="a pabulib .pb file, 'demo', or a round id in PBENGINE_DATABASE_URL"
    )
    report.add_argument(
        "--fairness",
        "--rules",  # the old name, kept for one release
        dest="fairness",
        help="fairness rules: a preset name from rules/ or a .toml fairness document (files only)",
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.set_defaults(handler=_report)

    rules = commands.add_parser("rules", help="list the rules and the presets in rules/")
    rules.set_defaults(handler=_list_rules)

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(required=True, metavar="ACTION")
    create = token_commands.add_parser(
        "create", help="create a token and print it (shown only once)"
    )
    create.add_argument("--role", required=True, choices=("council", "auditor"))
    create.add_argument("--council", required=True, help="the council the token belongs to")
    create.add_argument(
        "--name", default="", help="who holds it; recorded with the paper ballots they enter"
    )
    create.set_defaults(handler=_create_token)

    serve = commands.add_parser(
        "serve", help="run the HTTP API (PBENGINE_DATABASE_URL, default SQLite)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo", action="store_true", help="load the demo round, allocated and published"
    )
    serve.set_defaults(handler=_serve)
    cli_audit.add_commands(commands)
    return parser


def _rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rule", help="rule name (default: the file's META rule); see `pbengine rules`"
    )
    parser.add_argument(
        "--tie-break",
        help="comma-separated tie-breaking criteria: order, cost, -cost, support, id "
        "(default: the rule's own, see docs/rules.md)",
    )
    parser.add_argument(
        "--utility",
        choices=("cost", "cardinality"),
        default="cost",
        help="Method of Equal Shares utilities (default: cost, as deployed)",
    )


def _options(args: argparse.Namespace) -> RuleOptions:
    tie = TieBreaking.parse(args.tie_break) if args.tie_break else None
    return RuleOptions(tie_breaking=tie, utility=args.utility)


def _load(path: str) -> Any:
    if path == DEMO:
        with resources.as_file(resources.files("pbengine") / "demo" / "demo.pb") as demo:
            return read_file(demo)
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file")
    try:
        return read_file(path)
    except PabulibError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _allocate(args: argparse.Namespace) -> int:
    election = _load(args.file)
    if args.fairness:
        spec = _fairness_document(args.fairness).spec(default_rule=args.rule or "")
        if args.rule:
            spec = replace(spec, rule=args.rule)
        outcome = allocate_fairly(election, spec, options=_options(args)).outcome
    else:
        outcome = allocate(election, args.rule, _options(args))
    costs = election.costs()
    if args.json:
        json.dump(outcome_json(outcome, costs), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_outcome(outcome, costs, sys.stdout)
    return 0


def outcome_json(outcome: Outcome, costs: dict[str, Fraction]) -> dict[str, Any]:
    return {
        "rule": outcome.rule,
        "budget": _number(outcome.budget),
        "total_cost": _number(outcome.total_cost(costs)),
        "selected": list(outcome.selected),
        "projects": [
            {"id": d.project_id, "funded": d.funded, "explanation": d.explanation}
            for d in outcome.decisions
        ],
        "notes": list(outcome.notes),
    }


def _number(value: Fraction) -> int | str:
    """Whole amounts as JSON integers; others as exact decimal strings, never rounded floats."""
    return value.numerator if value.denominator == 1 else plain(value)


def _print_outcome(outcome: Outcome, costs: dict[str, Fraction], out: TextIO) -> None:
    total = outcome.total_cost(costs)
    out.write(
        f"rule {outcome.rule}: funded {len(outcome.selected)} projects for {readable(total)} "
        f"of {readable(outcome.budget)}\n"
    )
    for note in outcome.notes:
        out.write(f"  {note}\n")
    for d in outcome.decisions:
        mark = "+" if d.funded else "-"
        out.write(f"{mark} {d.project_id}: {d.explanation}\n")


def _pb_files(paths: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(path.glob("*.pb"))
        elif path.is_file():
            yield path
        else:
            raise UsageError(f"{raw}: no such file or directory")


def _verify(args: argparse.Namespace) -> int:
    files = list(_pb_files(args.paths))
    progress = not args.quiet and sys.stderr.isatty()
    results: list[tuple[Path, Verdict]] = []
    for n, path in enumerate(files, 1):
        if progress:
            _progress_bar(n, len(files), path.name)
        try:
            verdict = verify(read_file(path))
        except PabulibError as exc:
            verdict = Verdict("skipped", None, f"unreadable: {exc}")
        results.append((path, verdict))
        if verdict.status == "differ" and not args.json:
            _clear_progress(progress)
            print(f"{path}: missing {_ids(verdict.missing)} extra {_ids(verdict.extra)}")
    _clear_progress(progress)
    counts = {s: sum(v.status == s for _, v in results) for s in ("matched", "differ", "skipped")}
    if args.json:
        json.dump(
            {
                **counts,
                "files": [
                    {
                        "file": str(path),
                        "status": v.status,
                        "reason": v.reason,
                        "rule": v.rule,
                        "missing": list(v.missing),
                        "extra": list(v.extra),
                    }
                    for path, v in results
                ],
            },
            sys.stdout,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
    else:
        print(
            f"{counts['matched']} matched, {counts['differ']} differ, {counts['skipped']} skipped"
        )
    return 1 if counts["differ"] else 0


def _ids(ids: tuple[str, ...]) -> str:
    return ",".join(ids) or "-"


def _progress_bar(done: int, total: int, name: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
    sys.stderr.flush()


def _clear_progress(active: bool) -> None:
    if active:
        sys.stderr.write("\r" + " " * 90 + "\r")
        sys.stderr.flush()


def _list_rules(args: argparse.Namespace) -> int:
    del args
    for rule in RULES.values():
        print(f"{rule.name:32} {rule.summary}")
    print("\npresets (rules/, for --fairness):")
    for name in preset_names():
        first = load_preset(name).description.strip().splitlines()[0]
        print(f"{name:32} {first}")
    return 0


def _fairness_document(name_or_path: str) -> FairnessDocument:
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return load_file(name_or_path)
    return load_preset(name_or_path)


def _report(args: argparse.Namespace) -> int:
    if args.target.isdigit():
        if args.fairness:
            raise UsageError("a round reports under its own rules; --fairness is for files")
        report = _round_report(int(args.target))
    else:
        election = _load(args.target)
        document = _fairness_document(args.fairness) if args.fairness else FairnessDocument()
        spec = document.spec(default_rule=declared_rule(election) if not document.rule else "")
        fair, equalities = allocate_and_report(election, spec)
        report = {**outcome_json(fair.outcome, election.costs()), "equalities": equalities}
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_report(report, sys.stdout)
    return 0


def _round_report(round_id: int) -> dict[str, Any]:
    from pbengine.service.rounds import RoundService

    return read_as_auditor(
        round_id, lambda session, auditor: RoundService(session).results(auditor, round_id)
    )


def read_as_auditor(round_id: int, read: Callable[[Session, Principal], T]) -> T:
    """Read a round in PBENGINE_DATABASE_URL as an auditor would; a refusal is a UsageError."""
    from sqlmodel import Session

    from pbengine.service.errors import Principal, ServiceError
    from pbengine.store.database import make_engine, upgrade

    engine = make_engine()
    upgrade(engine)
    with Session(engine) as session:
        try:
            return read(session, Principal(role="auditor"))
        except ServiceError as exc:
            raise UsageError(f"round {round_id}: {exc.problem}") from None


def _print_report(report: dict[str, Any], out: TextIO) -> None:
    e = report["equalities"]
    out.write(f"rule {report['rule']}: funded {', '.join(report['selected']) or 'nothing'}\n")
    coverage = e["coverage"]
    out.write(f"voters with a funded project: {_pct(coverage['overall'])} of {e['voters']}\n")
    for district, share in coverage["by_district"].items():
        out.write(f"  {district}: {_pct(share)}\n")
    if e["spend_by_district"]:
        out.write("spend by district (share of spend / of voters / of population):\n")
        for district, row in e["spend_by_district"].items():
            out.write(
                f"  {district}: {readable(parse_amount(row['spend']))} "
                f"({_pct(row['share_of_spend'])} / {_pct(row['share_of_voters'])} / "
                f"{_pct(row['share_of_population'])})\n"
            )
    for c in e["constraints"]:
        state = "met" if c["met"] else f"NOT met: {readable(parse_amount(c['shortfall']))} short"
        out.write(f"{c['label']}: spent {readable(parse_amount(c['spend']))}, {state}\n")
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


def _pct(share: str | None) -> str:
    if share is None:
        return "-"
    return f"{float(Fraction(share)) * 100:.1f}%"


def _create_token(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from pbengine.store.database import make_engine, upgrade
    from pbengine.store.tokens import create_token

    engine = make_engine()
    upgrade(engine)
    with Session(engine) as session:
        secret = create_token(session, role=args.role, council=args.council, label=args.name)
        session.commit()
    print(secret)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pbengine.api import create_app
    from pbengine.demo_round import load_demo
    from pbengine.store.database import database_url, make_engine

    engine = make_engine()
    try:
        app = create_app(engine)
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    base = f"http://{args.host}:{args.port}"
    print(f"pbengine {__version__} on {database_url()}; API docs at {base}/schema/swagger")
    if args.demo:
        demo = load_demo(engine)
        rounds = f"{base}/api/v1/rounds"
        print(f"demo round {demo.published_round}: {rounds}/{demo.published_round}/results")
        print(
            f"demo round {demo.voting_round} is open for voting at "
            f"{rounds}/{demo.voting_round}/ballots with 'Authorization: Bearer <code>'; codes:"
        )
        for code in demo.voter_codes:
            print(f"  {code}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
