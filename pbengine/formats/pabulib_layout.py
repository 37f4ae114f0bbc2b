"""The pabulib format's sections and the META keys its reader and writer treat specially."""

from __future__ import annotations

from pbengine.core.election import AMOUNT_LIMITS

# AMOUNT_LIMITS, the ballot limits given in money, is the election model's own list.
__all__ = ["AMOUNT_LIMITS", "COUNT_KEYS", "INT_LIMITS", "MISSING", "SECTIONS", "TYPED_KEYS"]

SECTIONS = ("META", "PROJECTS", "VOTES")
COUNT_KEYS = ("num_projects", "num_votes")
INT_LIMITS = ("min_length", "max_length")
TYPED_KEYS = frozenset(
    {"budget", "vote_type", "rule", "min_project_score_threshold", *COUNT_KEYS}
    | set(INT_LIMITS)
    | set(AMOUNT_LIMITS)
)
"""META keys not kept as text: they have a typed home in `Election`, or count its data."""
MISSING = "none"
"""How a file says a value is not given."""
