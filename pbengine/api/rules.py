"""The allocation rules a round may use, and the fairness presets in rules/."""

from __future__ import annotations

from typing import Any

from litestar import get

from pbengine.core.rules import RULES
from pbengine.formats.fairness_document import load_preset, preset_names


@get(
    "/api/v1/rules",
    tags=["rules"],
    summary="Allocation rules by name (public)",
    sync_to_thread=False,
)
def list_rules() -> list[dict[str, str]]:
    return [{"name": rule.name, "summary": rule.summary} for rule in RULES.values()]


@get(
    "/api/v1/rules/presets",
    tags=["rules"],
    summary="Fairness presets a round may name (public)",
    sync_to_thread=True,
)
def list_presets() -> list[dict[str, Any]]:
    presets = []
    for name in preset_names():
        document = load_preset(name)
        presets.append(
            {
                "name": name,
                "description": " ".join(document.description.split()),
                "document": document.model_dump(exclude_none=True, exclude_defaults=True),
            }
        )
    return presets
