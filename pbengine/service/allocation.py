"""A round's allocation from its election and configuration: one function for the service
and for replay, so a replayed allocation is computed exactly as the live one was."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pbengine.core.election import Election
from pbengine.core.fairness.enforce import FairOutcome
from pbengine.core.fairness.equalities import allocate_and_report, equalities
from pbengine.core.fairness.resolve import FairnessError, resolve
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.outcome import Outcome
from pbengine.core.pools import PoolError, allocate_in_pools, district_pools
from pbengine.core.rules import UnknownRuleError, allocate
from pbengine.core.rules.solvers.cpsat import SolverError
from pbengine.formats.rule_document import RuleDocument
from pbengine.service.config import RoundConfig
from pbengine.service.errors import InvalidError


def run_allocation(
    election: Election, config: RoundConfig, override: str | None, facts: RoundFacts
) -> tuple[Outcome, dict[str, Any]]:
    """The round's allocation, and its equalities report."""
    rule = override or config.rule  # None: the rule an imported file declares
    try:
        budgets = config.district_budgets()
        if budgets:
            pools = district_pools(election, budgets)
            outcome = allocate_in_pools(election, pools, lambda sub: allocate(sub, rule))
            fair = FairOutcome(
                outcome,
                resolve(FairnessSpec(outcome.rule), election, facts),
                (),
                (),
                ("district budgets: each district's projects compete for its budget alone",),
            )
            return outcome, equalities(election, fair, outcome, facts)
        document = config.fairness.rule_document() if config.fairness else RuleDocument()
        spec = document.spec(default_rule=rule or "")
        if override:
            spec = replace(spec, rule=override)
        fair, report = allocate_and_report(election, spec, facts)
        return fair.outcome, report
    except UnknownRuleError as exc:
        raise InvalidError(str(exc), "rule") from None
    except PoolError as exc:
        raise InvalidError(str(exc), "districts") from None
    except FairnessError as exc:
        raise InvalidError(exc.problem, f"fairness.{exc.key}") from None
    except SolverError as exc:
        raise InvalidError(
            f"the solver could not settle the allocation: {exc}", "fairness"
        ) from None


def round_facts(config: RoundConfig, outcome_votes: list[list[str]]) -> RoundFacts:
    return RoundFacts(
        district_populations={
            d.name: d.population for d in config.districts if d.population is not None
        },
        outcome_keys=tuple(o.key for o in config.outcomes),
        outcome_votes=tuple(tuple(v) for v in outcome_votes),
    )
