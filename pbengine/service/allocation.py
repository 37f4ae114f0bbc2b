"""A round's allocation from its election and configuration: one function for the service
and for replay, so a replayed allocation is computed exactly as the live one was.

There is no way to pass another rule here: a round's result is computed with
the settings the round declares (frozen once voting opens). Exploring other
rules is a what-if, which runs this same function on a copy of the
configuration (see `what_if_config`) and is stored and labelled apart.
"""

from __future__ import annotations

from typing import Any

from pbengine.core.canonical import digest
from pbengine.core.election import Election
from pbengine.core.fairness.enforce import FairOutcome
from pbengine.core.fairness.equalities import allocate_and_report, equalities
from pbengine.core.fairness.resolve import FairnessError, resolve
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import plain
from pbengine.core.outcome import Outcome
from pbengine.core.pools import PoolError, allocate_in_pools, district_pools
from pbengine.core.rules import UnknownRuleError, allocate
from pbengine.core.rules.solvers.cpsat import SolverError
from pbengine.formats.fairness_document import FairnessDocument
from pbengine.service.config import Fairness, RoundConfig, validated_config
from pbengine.service.errors import InvalidError


def run_allocation(
    election: Election, config: RoundConfig, facts: RoundFacts
) -> tuple[Outcome, dict[str, Any]]:
    """The round's allocation under its configuration, and its equalities report."""
    rule = config.rule  # None: the rule an imported file declares
    try:
        budgets = config.district_budgets()
        if budgets:
            # With district budgets a fairness document can only name the rule (see
            # RoundConfig): the pools run that rule.
            rule = config.effective_rule
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
        document = config.fairness.as_document() if config.fairness else FairnessDocument()
        fair, report = allocate_and_report(election, document.spec(default_rule=rule or ""), facts)
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


def allocation_settings(config: RoundConfig, outcome: Outcome) -> dict[str, Any]:
    """What an allocation ran under, as its log event records it: the rule by name, the
    budget, and a digest of the fairness document. Replay checks them against the round's
    frozen configuration, so a result computed under anything else cannot pass."""
    document = None if config.fairness is None else config.fairness.document
    return {
        "rule": outcome.rule,
        # The budget the rule ran with (the election's), not the one the configuration
        # states: replay checks that the two agree.
        "budget": plain(outcome.budget),
        "fairness_digest": None if document is None else digest(document),
    }


def what_if_config(
    config: RoundConfig, rule: str | None, fairness: Fairness | None, keep_fairness: bool
) -> RoundConfig:
    """The round's configuration with another rule or fairness document, for a what-if.

    A rule named here replaces the fairness document's own rule too: a council
    asking "what would greedy have done?" means greedy, whatever the document said.
    """
    chosen = config.fairness if keep_fairness else fairness
    if chosen is not None and rule is not None:
        chosen = Fairness(preset=chosen.preset, document={**(chosen.document or {}), "rule": rule})
    data = config.model_dump(mode="json")
    data["fairness"] = None if chosen is None else chosen.model_dump(mode="json")
    if rule is not None:
        data["rule"] = rule
    return validated_config(data)
