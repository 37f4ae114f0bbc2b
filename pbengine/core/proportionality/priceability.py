"""Priceability (Peters, Pierczyński & Skowron 2021), verified on a recorded price system.

An outcome W is priceable when some per-voter budget b and payments satisfy:
(C1) a voter pays only for projects they approve; (C2) no voter pays more
than b; (C3) each funded project is paid exactly its cost; (C4) nothing is
paid for unfunded projects; (C5) the supporters of any unfunded project hold,
between them, no more than its cost in unspent money.

This module does not search for a price system; it checks the one an Equal
Shares run recorded, by replaying it on the ballots with a plain loop that
shares no code with the rule: each supporter of each funded project, in
funding order, pays rho or all they have left. So the check can only confirm
priceability; when the recorded payments fall short it says where, and leaves
the question open rather than claiming the outcome is not priceable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election, VoteType
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, PriceSystem


@dataclass(frozen=True)
class PriceabilityResult:
    holds: bool | None
    """True: the recorded price system meets every condition; None: not shown either way."""
    why: str


def check_priceable(election: Election, outcome: Outcome) -> PriceabilityResult:
    unchecked = _not_checkable(election, outcome)
    if unchecked is not None:
        return unchecked
    prices = outcome.price_system
    assert prices is not None  # _not_checkable answers for an outcome without one
    # Identical ballots pay identically, so each distinct ballot is one account.
    accounts = Counter(frozenset(b.projects) for b in election.ballots)
    money = dict.fromkeys(accounts, prices.per_voter)
    unpaid = _replay(election, prices, accounts, money)
    if unpaid is not None:
        return unpaid
    unfunded = _unfunded_within_reach(election, outcome, accounts, money)
    if unfunded is not None:
        return unfunded
    return PriceabilityResult(
        True,
        f"verified on the Equal Shares payments, every voter starting with "
        f"{readable(prices.per_voter)}: each funded project paid in full by its supporters, "
        "and no unfunded project's supporters hold its cost",
    )


def _not_checkable(election: Election, outcome: Outcome) -> PriceabilityResult | None:
    """Why the outcome's price system cannot be replayed, or None if it can."""
    prices = outcome.price_system
    if election.vote_type not in (VoteType.APPROVAL, VoteType.CHOOSE_1):
        return PriceabilityResult(
            None, f"checked for approval ballots only, not {election.vote_type}"
        )
    if prices is None:
        if outcome.rule.startswith("equalshares"):
            return PriceabilityResult(
                None,
                "not shown: no single Equal Shares price system covers this outcome "
                "(it joins separate runs over sub-budgets or pools, or a completion replaced it)",
            )
        return PriceabilityResult(
            None, f"not checked: {outcome.rule} does not pay for projects out of voters' money"
        )
    paid_for = [pid for pid, _ in prices.payments]
    outside = [pid for pid in outcome.selected if pid not in set(paid_for)]
    if outside:
        return PriceabilityResult(
            None,
            f"not shown: {', '.join(outside)} funded outside the Equal Shares payments",
        )
    if len(set(paid_for)) != len(paid_for) or set(paid_for) - set(outcome.selected):
        return PriceabilityResult(None, "not shown: the payments name projects not funded")
    return None


def _replay(
    election: Election,
    prices: PriceSystem,
    accounts: Counter[frozenset[str]],
    money: dict[frozenset[str], Fraction],
) -> PriceabilityResult | None:
    """Pay for each funded project, in funding order, out of `money`; None if all add up."""
    costs = election.costs()
    for pid, rho in prices.payments:
        total = Fraction(0)
        for ballot, voters in accounts.items():
            if pid in ballot:
                pay = min(rho, money[ballot])
                money[ballot] -= pay
                total += pay * voters
        if total != costs[pid]:  # C3 (C1, C2 and C4 hold by how the replay pays)
            return PriceabilityResult(
                None,
                f"not shown: the payments for {pid} add up to {readable(total)}, "
                f"not its cost of {readable(costs[pid])}",
            )
    return None


def _unfunded_within_reach(
    election: Election,
    outcome: Outcome,
    accounts: Counter[frozenset[str]],
    money: dict[frozenset[str], Fraction],
) -> PriceabilityResult | None:
    """An unfunded project whose supporters still hold more than its cost (C5), if any."""
    funded = set(outcome.selected)
    for project in election.projects:
        if project.id in funded:
            continue
        left = sum((money[b] * n for b, n in accounts.items() if project.id in b), Fraction(0))
        if left > project.cost:  # C5
            return PriceabilityResult(
                None,
                f"not shown: the supporters of {project.id} (not funded) held "
                f"{readable(left)} between them, more than its cost of {readable(project.cost)}",
            )
    return None
