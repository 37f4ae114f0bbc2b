"""What a replay stops at."""

from __future__ import annotations


class RecordError(Exception):
    """The first point where a record does not hold together."""
