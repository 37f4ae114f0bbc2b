"""What freezes when voting opens, and the digest of it that the round's log keeps."""

from __future__ import annotations

from typing import Any

from pbengine.core.canonical import digest
from pbengine.core.phases import ORDER, Phase

# What a ballot means and how it is counted cannot change under the voters' feet.
FROZEN_ONCE_VOTING = (
    "budget",
    "currency",
    "districts",
    "categories",
    "outcomes",
    "ballot",
    "rule",
    "revote",
    "fairness",
)


# Frozen as well, where a configuration has it: logs written before it existed keep the
# digest they recorded.
FROZEN_WHERE_SET = ("reallocation",)
FROZEN = (*FROZEN_ONCE_VOTING, *FROZEN_WHERE_SET)
"""Every setting that cannot change once voting opens."""


def frozen_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What the log records when voting opens: the frozen fields and a digest of their values."""
    fields = [*FROZEN_ONCE_VOTING, *(f for f in FROZEN_WHERE_SET if f in config)]
    return {"fields": fields, "digest": digest({f: config.get(f) for f in fields})}


def voting_has_opened(phase: Phase) -> bool:
    return ORDER.index(phase) >= ORDER.index(Phase.VOTING)
