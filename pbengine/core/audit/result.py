"""An allocation's result as one JSON document, its hash, and where two results first differ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbengine.core.canonical import digest
from pbengine.core.outcome import Outcome


def result_document(outcome: Outcome, equalities: Mapping[str, Any]) -> dict[str, Any]:
    """Everything an allocation decides and reports; its hash is the round's result hash."""
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "decisions": [
            {"project": d.project_id, "funded": d.funded, "explanation": d.explanation}
            for d in outcome.decisions
        ],
        "notes": list(outcome.notes),
        "equalities": dict(equalities),
    }


def result_hash(result: Mapping[str, Any]) -> str:
    return digest(result)


def first_difference(expected: Any, actual: Any, path: str = "result") -> str | None:
    """The path of the first field where `actual` differs from `expected`; None if equal."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                return f"{path}.{key}"
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None if len(expected) == len(actual) else f"{path} (length)"
    return None if expected == actual and type(expected) is type(actual) else path
