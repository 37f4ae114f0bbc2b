"""The field types a round's configuration is built from: exact amounts, slugs, names, ballots.

Money and points are exact decimal strings ("120000", "1500.50"); whole
numbers are accepted too, floats are not, because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from pbengine.core.election import VoteType
from pbengine.core.money import parse_amount, plain


def _exact(value: Any) -> str:
    if isinstance(value, bool | float):
        raise ValueError('give amounts as a string or a whole number, e.g. "1500.50"')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return plain(parse_amount(value))
    raise ValueError("expected an amount: a string or a whole number")


def _not_negative(value: str) -> str:
    if parse_amount(value) < 0:
        raise ValueError("must not be negative")
    return value


Amount = Annotated[
    str,
    BeforeValidator(_exact),
    AfterValidator(_not_negative),
    Field(description='an exact amount: a decimal string such as "1500.50", or a whole number'),
]
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="lower-case-slug")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^,;\n]+$")]

BallotType = Literal["approval", "knapsack", "cumulative", "scoring", "ordinal", "choose-1"]

VOTE_TYPES: dict[str, VoteType] = {
    "approval": VoteType.APPROVAL,
    "knapsack": VoteType.APPROVAL,
    "cumulative": VoteType.CUMULATIVE,
    "scoring": VoteType.SCORING,
    "ordinal": VoteType.ORDINAL,
    "choose-1": VoteType.CHOOSE_1,
}
"""Each ballot type as the core counts it: a knapsack ballot is an approval ballot."""
