"""Commands on election files, no database: `allocate`, `verify`, `rules`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pbengine.cli.common import DEMO, Commands, UsageError, load_election, print_json
from pbengine.core.money import plain, readable
from pbengine.formats.presets import preset_entry, preset_names, read_toml
from pbengine.service.bulk import bulk_work
from pbengine.settings import Settings

if TYPE_CHECKING:
    from pbengine.core.election import Election
    from pbengine.core.outcome import Outcome
    from pbengine.core.rules import RuleOptions
    from pbengine.formats.fairness_document import FairnessDocument
    from pbengine.verification import Verdict

FAIRNESS_HELP = "fairness rules: a preset name from rules/ or a .toml fairness document"


def add_commands(commands: Commands) -> None:
    alloc = commands.add_parser("allocate", help="allocate the budget of one election")
    alloc.add_argument("file", help=f"a pabulib .pb file, or '{DEMO}' for the bundled demo")
    _rule_options(alloc)
    add_fairness_option(alloc, FAIRNESS_HELP)
    alloc.add_argument("--json", action="store_true", help="print one JSON object")
    alloc.set_defaults(handler=_allocate)

    check = commands.add_parser(
        "verify", help="recompute elections and compare with what cities funded"
    )
    check.add_argument("paths", nargs="+", help=".pb files or directories of them")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    check.set_defaults(handler=_verify)

    rules = commands.add_parser("rules", help="list the rules and the presets in rules/")
    rules.set_defaults(handler=_list_rules)


def add_fairness_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--fairness",
        "--rules",  # the old name, kept for one release: "rules" also names the allocation rules
        dest="fairness",
        help=help_text,
    )


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
    from pbengine.core.rules import RuleOptions
    from pbengine.core.tiebreak import TieBreaking

    tie = TieBreaking.parse(args.tie_break) if args.tie_break else None
    return RuleOptions(tie_breaking=tie, utility=args.utility)


def fairness_document(name_or_path: str) -> FairnessDocument:
    # pydantic, which validates documents, loads here: only commands given one pay for it.
    from pbengine.formats.fairness_document import load_file, load_preset

    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return load_file(name_or_path)
    return load_preset(name_or_path)


def _allocate(args: argparse.Namespace, settings: Settings) -> int:
    del settings
    with bulk_work():
        election = load_election(args.file)
        outcome = _fair_outcome(election, args) if args.fairness else _outcome(election, args)
    costs = election.costs()
    if args.json:
        print_json(outcome_json(outcome, costs))
    else:
        _print_outcome(outcome, costs, sys.stdout)
    return 0


def _outcome(election: Election, args: argparse.Namespace) -> Outcome:
    from pbengine.core.rules import allocate

    return allocate(election, args.rule, _options(args))


def _fair_outcome(election: Election, args: argparse.Namespace) -> Outcome:
    from pbengine.core.fairness.enforce import allocate_fairly

    spec = fairness_document(args.fairness).spec(default_rule=args.rule or "")
    if args.rule:
        spec = replace(spec, rule=args.rule)
    return allocate_fairly(election, spec, options=_options(args)).outcome


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


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.formats.pabulib import PabulibError, read_file
    from pbengine.verification import Verdict, verify

    del settings
    files = list(_pb_files(args.paths))
    progress = not args.quiet and sys.stderr.isatty()
    results: list[tuple[Path, Verdict]] = []
    for n, path in enumerate(files, 1):
        if progress:
            _progress_bar(n, len(files), path.name)
        try:
            with bulk_work():
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
        print_json({**counts, "files": [_verdict_json(path, v) for path, v in results]})
    else:
        print(
            f"{counts['matched']} matched, {counts['differ']} differ, {counts['skipped']} skipped"
        )
    return 1 if counts["differ"] else 0


def _verdict_json(path: Path, verdict: Verdict) -> dict[str, Any]:
    return {
        "file": str(path),
        "status": verdict.status,
        "reason": verdict.reason,
        "rule": verdict.rule,
        "missing": list(verdict.missing),
        "extra": list(verdict.extra),
    }


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


def _list_rules(args: argparse.Namespace, settings: Settings) -> int:
    from pbengine.core.rules import RULES

    del args
    for rule in RULES.values():
        print(f"{rule.name:32} {rule.summary}")
    where = settings.presets_dir or "rules/"
    print(f"\npresets ({where}, for --fairness):")
    for name in preset_names():
        # The description as written, not validated: checking every preset would load
        # pydantic for a listing. A broken preset is refused where it is used.
        description = str(read_toml(preset_entry(name)).get("description", ""))
        first = next(iter(description.strip().splitlines()), "")
        print(f"{name:32} {first}")
    return 0
