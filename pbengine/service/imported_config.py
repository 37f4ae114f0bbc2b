"""What an imported pabulib election says about its round, as a round configuration."""

from __future__ import annotations

from pydantic import ValidationError

from pbengine.core.election import AMOUNT_LIMITS, Election
from pbengine.core.money import plain
from pbengine.service.config import BallotSettings, District, RoundConfig
from pbengine.service.config_fields import VOTE_TYPES


def config_of_import(election: Election, title: str) -> RoundConfig:
    """What an imported pabulib election says about its round, as a configuration.

    A file whose limits contradict each other still imports (its ballots were
    cast already); its configuration then keeps only what is consistent.
    """
    try:
        return _config_of_import(election, title)
    except ValidationError:
        return RoundConfig.model_construct(
            title=title[:200] or "imported round",
            budget=plain(election.budget),
            ballot=BallotSettings.model_construct(),
            rule=None,
        )


def _config_of_import(election: Election, title: str) -> RoundConfig:
    ballot_type = {v: k for k, v in VOTE_TYPES.items() if k != "knapsack"}[election.vote_type]
    limits = election.limits
    amounts = {
        key: plain(value) for key in AMOUNT_LIMITS if (value := getattr(limits, key)) is not None
    }
    if not election.vote_type.has_points:
        amounts = {k: v for k, v in amounts.items() if "points" not in k}
    districts = dict.fromkeys(p.district for p in election.projects if p.district)
    categories = dict.fromkeys(c for p in election.projects for c in p.categories)
    return RoundConfig(
        title=title[:200],
        budget=plain(election.budget),
        currency=_currency(election.meta.get("currency", "")),
        districts=[District(name=d) for d in districts if d and _plain_name(d)],
        categories=[c for c in categories if _plain_name(c)],
        ballot=BallotSettings.model_validate(
            {
                "type": ballot_type,
                "min_length": limits.min_length,
                "max_length": limits.max_length,
                **amounts,
            }
        ),
        rule=None,
    )


def _plain_name(name: str) -> bool:
    return 0 < len(name) <= 200 and not any(c in name for c in ",;\n")


def _currency(raw: str) -> str:
    code = raw.strip().upper()
    # XXX is ISO 4217's "no currency": better than guessing one.
    return code if len(code) == 3 and code.isalpha() else "XXX"
