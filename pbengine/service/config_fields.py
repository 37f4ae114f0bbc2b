"""The field types a round's configuration is built from: exact amounts, slugs, names, ballots.

Money and points are exact decimal strings ("120000", "1500.50"); whole
numbers are accepted too, floats are not, because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from pbengine.core.election import VoteType
from pbengine.core.money import DECIMAL_PLACES, WHOLE_DIGITS, parse_amount, plain
from pbengine.core.rules import RULES
from pbengine.formats.fairness_document import preset_names

_EXACT_FLOATS = 2**53
"""Below this, a JSON number written without a fraction (`1500.0`, `1e3`) parses to exactly
the whole number written; JSON Schema calls such numbers integers."""


def _exact(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOATS:
        return str(int(value))
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


_FRACTION = rf"(\.[0-9]{{1,{DECIMAL_PLACES}}})?"


def _amount_schema(text: str, smallest: int, description: str) -> WithJsonSchema:
    # The bounds parse_amount enforces (core/money.py), in the spelling the server writes
    # amounts in. It also reads '1 200' and '1200,50' from people; the schema names the one
    # spelling a program needs, so every amount the schema allows is accepted.
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": text},
                {"type": "integer", "minimum": smallest, "maximum": _EXACT_FLOATS},
            ],
            "description": description,
        }
    )


Amount = Annotated[
    str,
    BeforeValidator(_exact),
    AfterValidator(_not_negative),
    _amount_schema(
        rf"^(0|[1-9][0-9]{{0,{WHOLE_DIGITS - 1}}}){_FRACTION}$",
        0,
        f'an exact amount, not negative: a decimal string such as "1500.50" (at most '
        f"{WHOLE_DIGITS} digits before the point and {DECIMAL_PLACES} after), or a whole number",
    ),
]
PositiveAmount = Annotated[
    Amount,
    _amount_schema(
        rf"^([1-9][0-9]{{0,{WHOLE_DIGITS - 1}}}{_FRACTION}"
        rf"|0\.[0-9]{{0,{DECIMAL_PLACES - 1}}}[1-9])$",
        1,
        f'an exact amount above zero: a decimal string such as "1500.50" (at most '
        f"{WHOLE_DIGITS} digits before the point and {DECIMAL_PLACES} after), or a whole number",
    ),
]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=10_000)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR")]
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

RuleName = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": list(RULES), "description": "GET /api/v1/rules"}),
]
"""A rule's name; RoundConfig refuses any other (its validator names the known ones)."""

POINTS_NEED_POINTS_BALLOT: dict[str, Any] = {
    # BallotSettings refuses points limits on a ballot that has no points.
    "if": {
        "not": {"required": ["type"], "properties": {"type": {"enum": ["cumulative", "scoring"]}}}
    },
    "then": {
        "properties": {
            name: {"type": "null"}
            for name in ("min_points", "max_points", "min_sum_points", "max_sum_points")
        }
    },
}


def one_of_preset_or_document(schema: dict[str, Any]) -> None:
    """Fairness: a preset among those installed now (the folder is a setting), or a document."""
    preset = schema["properties"]["preset"]
    preset["anyOf"] = [{"type": "string", "enum": preset_names()}, {"type": "null"}]
    schema["anyOf"] = [
        {"required": ["preset"], "properties": {"preset": {"type": "string"}}},
        {"required": ["document"], "properties": {"document": {"type": "object"}}},
    ]
