"""Fairness documents: the TOML files in `rules/` that councils copy and edit.

A document names a base rule and the fairness constraints around it. It is
validated on load: an unknown key, an impossible amount or contradictory
constraints are refused with the file, the key and the problem. Amounts are
whole numbers or decimal strings ("250000"), or shares of the budget ("25%").

    rule = "max-welfare"
    [districts]
    floor = "population"        # each district at least its population share...
    floor_share = "50%"         # ...of half the budget
    [categories.floors]
    "nature and greenery" = "25%"
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pbengine.core.fairness.spec import Amount, FairnessSpec, OutcomeShares, bundle_conflict
from pbengine.core.money import parse_amount, plain
from pbengine.core.rules import RULES
from pbengine.formats.presets import FairnessDocumentError, preset_entry, preset_names, read_toml
from pbengine.formats.validation_errors import first_error

# FairnessDocumentError and preset_names are defined in presets.py, which loads no pydantic;
# callers import them from here too.
__all__ = [
    "FairnessDocument",
    "FairnessDocumentError",
    "load_file",
    "load_preset",
    "parse_document",
    "preset_names",
]


def _amount_text(value: Any) -> str:
    """'25%' (a share of the budget) or an exact amount, as text."""
    if isinstance(value, bool | float):
        raise ValueError('write amounts as whole numbers or strings: 1500, "1500.50", "25%"')
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError('expected an amount or a share, such as 250000 or "25%"')
    text = value.strip()
    number = text.removesuffix("%")
    amount = parse_amount(number)
    if amount < 0:
        raise ValueError("must not be negative")
    if text.endswith("%"):
        if amount > 100:
            raise ValueError(f"{text} is more than the whole budget")
        return f"{plain(amount)}%"
    return plain(amount)


def _share_text(value: Any) -> str:
    text = _amount_text(value)
    if not text.endswith("%"):
        raise ValueError('expected a share, such as "25%"')
    return text


AmountText = Annotated[str, BeforeValidator(_amount_text)]
ShareText = Annotated[str, BeforeValidator(_share_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Districts(_Strict):
    floor: Literal["population", "voters"] | None = None
    floor_share: ShareText = "100%"
    floors: dict[str, AmountText] = Field(default_factory=dict)
    caps: dict[str, AmountText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Districts:
        _floors_below_caps(self.floors, self.caps)
        # Districts never share spending (a city-wide project's cost is split among them),
        # so shares of the budget over 100% can never all be met, whatever the election.
        shares = sum((_share(v) for v in self.floors.values() if v.endswith("%")), Fraction(0))
        if shares > 1:
            raise ValueError(
                f"floors add up to {float(shares):.0%} of the budget; districts do not share "
                "spending, so no result meets them all"
            )
        return self


class Categories(_Strict):
    """Floors over 100% are not refused here: a project in two categories counts for both,
    so only the election can show them impossible (checked when the rules meet it)."""

    floors: dict[str, AmountText] = Field(default_factory=dict)
    caps: dict[str, AmountText] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Categories:
        _floors_below_caps(self.floors, self.caps)
        return self


class Support(_Strict):
    min_votes: AmountText | None = None
    min_share: ShareText | None = Field(default=None, description="of the voters")


class Proposers(_Strict):
    cap: AmountText


class Reweighting(_Strict):
    by: str = Field(min_length=1, description="the voter attribute naming each voter's group")
    population: Literal["districts"] | dict[str, int] = "districts"


class OutcomeSharesDocument(_Strict):
    by: Literal["borda", "approvals"] = "borda"
    floor: ShareText = "0%"


class FairnessDocument(_Strict):
    description: str = ""
    rule: str | None = Field(default=None, description="the base rule; none: the round's own")
    districts: Districts | None = None
    categories: Categories | None = None
    support: Support | None = None
    proposers: Proposers | None = None
    reweighting: Reweighting | None = None
    outcome_shares: OutcomeSharesDocument | None = None
    exclusive: list[list[str]] = Field(default_factory=list)
    together: list[list[str]] = Field(default_factory=list)

    @field_validator("together")
    @classmethod
    def _not_exclusive(cls, together: list[list[str]], info: ValidationInfo) -> list[list[str]]:
        # Overlapping together sets chain: [1, 2] and [2, 3] fund 1, 2 and 3 as one.
        exclusive = info.data.get("exclusive", [])
        conflict = bundle_conflict(
            (frozenset(g) for g in exclusive), [frozenset(g) for g in together]
        )
        if conflict is not None:
            raise ValueError(conflict)
        return together

    @model_validator(mode="after")
    def _known_rule(self) -> FairnessDocument:
        if self.rule is not None and self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; known rules: {', '.join(RULES)}")
        return self

    def spec(self, default_rule: str = "") -> FairnessSpec:
        d, c, s = self.districts, self.categories, self.support
        r = self.reweighting
        return FairnessSpec(
            rule=self.rule or default_rule,
            district_floor=d.floor if d else None,
            district_floor_share=_share(d.floor_share) if d else Fraction(1),
            district_floors=_amounts(d.floors) if d else {},
            district_caps=_amounts(d.caps) if d else {},
            category_floors=_amounts(c.floors) if c else {},
            category_caps=_amounts(c.caps) if c else {},
            min_votes=parse_amount(s.min_votes) if s and s.min_votes else None,
            min_voter_share=_share(s.min_share) if s and s.min_share else None,
            proposer_cap=_amount(self.proposers.cap) if self.proposers else None,
            reweight_by=r.by if r else None,
            reweight_population=None
            if r is None or r.population == "districts"
            else {k: Fraction(v) for k, v in r.population.items()},
            outcome_shares=None
            if self.outcome_shares is None
            else OutcomeShares(self.outcome_shares.by, _share(self.outcome_shares.floor)),
            exclusive=tuple(frozenset(g) for g in self.exclusive),
            together=tuple(frozenset(g) for g in self.together),
        )


def parse_document(data: Mapping[str, Any], source: str) -> FairnessDocument:
    try:
        return FairnessDocument.model_validate(data)
    except ValidationError as exc:
        key, problem = first_error(exc, "(document)")
        raise FairnessDocumentError(source, key, problem) from None


def load_file(path: str | Traversable) -> FairnessDocument:
    """A document from a file; `path` may also be an entry inside the installed package."""
    return parse_document(read_toml(path), str(path))


def load_preset(name: str) -> FairnessDocument:
    return load_file(preset_entry(name))


def _share(text: str) -> Fraction:
    return parse_amount(text.removesuffix("%")) / 100


def _amount(text: str) -> Amount:
    if text.endswith("%"):
        return Amount(_share(text), is_share=True)
    return Amount(parse_amount(text))


def _amounts(values: Mapping[str, str]) -> dict[str, Amount]:
    return {name: _amount(text) for name, text in values.items()}


def _floors_below_caps(floors: Mapping[str, str], caps: Mapping[str, str]) -> None:
    for name in floors.keys() & caps.keys():
        floor, cap = _amount(floors[name]), _amount(caps[name])
        if floor.is_share == cap.is_share and floor.value > cap.value:
            raise ValueError(f"{name!r} has a floor above its cap")
