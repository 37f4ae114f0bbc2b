"""The allocation rules a round may use."""

from __future__ import annotations

from litestar import get

from pbengine.core.rules import RULES


@get(
    "/api/v1/rules",
    tags=["rules"],
    summary="Allocation rules by name (public)",
    sync_to_thread=False,
)
def list_rules() -> list[dict[str, str]]:
    return [{"name": rule.name, "summary": rule.summary} for rule in RULES.values()]
