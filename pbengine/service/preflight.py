"""The pre-flight check a round must pass before voting opens, and the names check at set-up.

Once voting opens the budget, ballot, rule and fairness rules are frozen, so
a round that cannot produce a result then could never produce one. This
check runs the whole configuration against the accepted projects first and
lists every problem with what the council can change; `GET …/preflight`
shows the same report at any time.
"""

from __future__ import annotations

from pbengine.core.election import Election
from pbengine.core.fairness.preflight import (
    Declared,
    Preflight,
    Problem,
    preflight,
    unknown_names,
)
from pbengine.core.fairness.spec import FairnessSpec
from pbengine.core.rules import RULES
from pbengine.service.allocation import round_facts, run_allocation
from pbengine.service.config import RoundConfig
from pbengine.service.errors import ConflictError, InvalidError, ServiceError
from pbengine.service.replies import PreflightReport, ProblemOut
from pbengine.store.repository import ACCEPTED, PROPOSED, RoundRepository


def preflight_reply(report: Preflight, round_id: int) -> PreflightReport:
    return PreflightReport(
        round=round_id,
        ready=report.ready,
        problems=[ProblemOut(**problem_json(p)) for p in report.problems],
        warnings=list(report.warnings),
    )


def problem_json(problem: Problem) -> dict[str, str]:
    return {"field": problem.key, "problem": problem.problem, "fix": problem.fix}


class NotReadyError(ConflictError):
    """Voting cannot open: every problem the pre-flight found, each with its fix."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"voting cannot open: {first.problem}{more}", first.key)
        self.details = [problem_json(p) for p in problems]


def check_names(config: RoundConfig) -> None:
    """At set-up: a fairness document may name only the round's own districts and categories."""
    if config.fairness is None:
        return
    spec = _spec(config)
    problems = unknown_names(spec, _declared(config))
    if problems:
        first = problems[0]
        raise InvalidError(first.problem, f"fairness.document.{first.key}")


def round_preflight(rounds: RoundRepository, round_id: int, config: RoundConfig) -> Preflight:
    problems: list[Problem] = []
    undecided = rounds.projects(round_id, status=PROPOSED)
    if undecided:
        keys = ", ".join(p.project_key for p in undecided[:10])
        problems.append(
            Problem(
                "projects",
                f"{len(undecided)} proposals await review (projects {keys})",
                "accept, merge or reject each before voting opens",
            )
        )
    accepted = len(rounds.projects(round_id, status=ACCEPTED))
    if accepted == 0:
        problems.append(Problem("projects", "no accepted projects to vote on", "accept some"))
    fewest = config.ballot.min_length or 0
    if accepted and fewest > accepted:
        problems.append(
            Problem(
                "ballot.min_length",
                f"the ballot asks for at least {fewest} projects but only {accepted} are on it",
                "lower ballot.min_length, or accept more projects",
            )
        )
    if config.effective_rule is None:
        problems.append(
            Problem("rule", "the round names no allocation rule", f"choose one of {_rules()}")
        )
    if problems:
        return Preflight(tuple(problems), ())
    election = rounds.election(round_id)
    warnings: tuple[str, ...] = ()
    if config.fairness is not None:
        found = preflight(_spec(config), election, round_facts(config, []), _declared(config))
        problems += [Problem(f"fairness.{p.key}", p.problem, p.fix) for p in found.problems]
        warnings = found.warnings
    if not problems:
        problems += _dry_run(election, config)
    return Preflight(tuple(problems), warnings)


def _dry_run(election: Election, config: RoundConfig) -> list[Problem]:
    """The allocation itself, on no ballots: whatever would stop it then stops it now."""
    try:
        run_allocation(election, config, round_facts(config, []))
    except ServiceError as exc:
        return [
            Problem(
                exc.field or "configuration",
                f"the allocation would fail: {exc.problem}",
                "change the setting it names before voting opens",
            )
        ]
    return []


def _spec(config: RoundConfig) -> FairnessSpec:
    assert config.fairness is not None
    return config.fairness.as_document().spec(default_rule=config.rule or "")


def _declared(config: RoundConfig) -> Declared:
    return Declared(
        districts=tuple(d.name for d in config.districts), categories=tuple(config.categories)
    )


def _rules() -> str:
    return ", ".join(RULES)
