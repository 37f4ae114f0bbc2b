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
    DELIVERY = "delivery"
    """The funded projects are being delivered: milestones, spend, co-delivery."""
    ASSESSMENT = "assessment"
    """Residents assess what was delivered against the outcomes they prioritised."""
    ARCHIVED = "archived"
    VOID = "void"
    """The way out of a round that cannot produce a result: set with a public reason."""


LIFECYCLE = (
    Phase.DRAFT,
    Phase.PROPOSALS,
    Phase.REVIEW,
    Phase.VOTING,
    Phase.CLOSED,
    Phase.ALLOCATED,
    Phase.PUBLISHED,
    Phase.DELIVERY,
    Phase.ASSESSMENT,
    Phase.ARCHIVED,
)
# The result is public and final from here on: only delivery, assessment and the archive
# follow, and the allocation is never run again.
AFTER_PUBLICATION = (Phase.PUBLISHED, Phase.DELIVERY, Phase.ASSESSMENT, Phase.ARCHIVED)
# For "before" and "after" questions: a void round is past voting (its settings stay
# frozen, no code is issued, its trackers are public).
ORDER = (*LIFECYCLE, Phase.VOID)
# A round can be voided once voting has opened and before a result is published: before
# voting, the council can still change whatever would have stopped it.
VOIDABLE = (Phase.VOTING, Phase.CLOSED, Phase.ALLOCATED)


class PhaseError(ValueError):
    pass


def next_phase(current: Phase) -> Phase | None:
    if current not in LIFECYCLE:
        return None
    index = LIFECYCLE.index(current)
    return LIFECYCLE[index + 1] if index + 1 < len(LIFECYCLE) else None


def check_transition(current: Phase, target: Phase) -> None:
    """Phases move one step forward; `allocated` is reached by running the allocation;
    `void` is reached from voting, closed or allocated, with a reason."""
    if target is Phase.ALLOCATED:
        raise PhaseError(
            "a round becomes 'allocated' by running its allocation, not by a phase change"
        )
    if target is Phase.VOID:
        if current not in VOIDABLE:
            raise PhaseError(
                f"a round in phase '{current}' cannot be made void: only a round in "
                + ", ".join(f"'{p}'" for p in VOIDABLE)
                + " can"
            )
        return
    if next_phase(current) is not target:
        expected = next_phase(current)
        allowed = f"'{expected}'" if expected else f"nothing (the round is {current})"
        raise PhaseError(
            f"a round in phase '{current}' can move only to {allowed}, not to '{target}'"
        )


def results_public(phase: Phase) -> bool:
    return phase in AFTER_PUBLICATION


def can_allocate(phase: Phase) -> bool:
    return phase in (Phase.CLOSED, Phase.ALLOCATED)
