"""How a fairness setting says it cannot apply to an election."""

from __future__ import annotations


class FairnessError(ValueError):
    """The constraints cannot apply to this election; `key` names the offending setting."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem
