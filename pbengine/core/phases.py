"""The life of a round: which phase follows which, and what each phase allows."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    CLOSED = "closed"
    ALLOCATED = "allocated"
    PUBLISHED = "published"


ORDER = tuple(Phase)


class PhaseError(ValueError):
    pass


def next_phase(current: Phase) -> Phase | None:
    index = ORDER.index(current)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def check_transition(current: Phase, target: Phase) -> None:
    """Phases move one step forward; `allocated` is reached by running the allocation."""
    if target is Phase.ALLOCATED:
        raise PhaseError(
            "a round becomes 'allocated' by running its allocation, not by a phase change"
        )
    if next_phase(current) is not target:
        expected = next_phase(current)
        allowed = f"'{expected}'" if expected else "nothing (the round is published)"
        raise PhaseError(
            f"a round in phase '{current}' can move only to {allowed}, not to '{target}'"
        )


def results_public(phase: Phase) -> bool:
    return phase is Phase.PUBLISHED


def can_allocate(phase: Phase) -> bool:
    return phase in (Phase.CLOSED, Phase.ALLOCATED)
