"""The allocation rules a round may use, and the fairness presets in rules/."""

from __future__ import annotations

from typing import Any

from litestar import get
from pydantic import BaseModel, ConfigDict, Field

from pbengine.core.rules import RULES
from pbengine.formats.fairness_document import load_preset, preset_names


class RuleOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    summary: str


class PresetOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="what a round's fairness.preset names")
    description: str
    document: dict[str, Any] = Field(description="the fairness document, as a round stores it")


@get(
    "/api/v1/rules",
    tags=["rules"],
    summary="Allocation rules by name (public)",
    sync_to_thread=False,
)
def list_rules() -> list[RuleOut]:
    return [RuleOut(name=rule.name, summary=rule.summary) for rule in RULES.values()]


@get(
    "/api/v1/rules/presets",
    tags=["rules"],
    summary="Fairness presets a round may name (public)",
    sync_to_thread=True,
)
def list_presets() -> list[PresetOut]:
    presets = []
    for name in preset_names():
        document = load_preset(name)
        presets.append(
            PresetOut(
                name=name,
                description=" ".join(document.description.split()),
                document=document.model_dump(exclude_none=True, exclude_defaults=True),
            )
        )
    return presets
