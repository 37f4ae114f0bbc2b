"""How a solver says it has no proven answer."""

from __future__ import annotations


class SolverError(RuntimeError):
    pass
