"""The phase machine: one step forward at a time, to the archive; void only around the count."""

from __future__ import annotations

import pytest

from pbengine.core.phases import (
    AFTER_PUBLICATION,
    LIFECYCLE,
    ORDER,
    Phase,
    PhaseError,
    can_allocate,
    check_transition,
    next_phase,
    results_public,
)


def test_a_round_goes_on_after_publication_to_its_archive() -> None:
    assert LIFECYCLE[LIFECYCLE.index(Phase.PUBLISHED) :] == (
        Phase.PUBLISHED,
        Phase.DELIVERY,
        Phase.ASSESSMENT,
        Phase.ARCHIVED,
    )
    assert next_phase(Phase.PUBLISHED) is Phase.DELIVERY
    assert next_phase(Phase.DELIVERY) is Phase.ASSESSMENT
    assert next_phase(Phase.ASSESSMENT) is Phase.ARCHIVED
    assert next_phase(Phase.ARCHIVED) is None
    assert next_phase(Phase.VOID) is None
    assert ORDER[-1] is Phase.VOID  # past voting, for every "before/after" question


@pytest.mark.parametrize("current", [p for p in LIFECYCLE if p is not Phase.ARCHIVED])
def test_every_phase_moves_only_to_the_next(current: Phase) -> None:
    following = next_phase(current)
    assert following is not None
    if following is not Phase.ALLOCATED:
        check_transition(current, following)
    for target in Phase:
        if target in (following, Phase.VOID):
            continue
        with pytest.raises(PhaseError):
            check_transition(current, target)


def test_nothing_follows_the_archive_and_nothing_goes_back() -> None:
    for target in Phase:
        with pytest.raises(PhaseError):
            check_transition(Phase.ARCHIVED, target)
    with pytest.raises(PhaseError, match="can move only to 'assessment'"):
        check_transition(Phase.DELIVERY, Phase.PUBLISHED)


@pytest.mark.parametrize("current", list(Phase))
def test_void_only_from_voting_closed_or_allocated(current: Phase) -> None:
    if current in (Phase.VOTING, Phase.CLOSED, Phase.ALLOCATED):
        check_transition(current, Phase.VOID)
    else:
        with pytest.raises(PhaseError, match="cannot be made void"):
            check_transition(current, Phase.VOID)


def test_results_stay_public_after_publication_and_are_never_recomputed() -> None:
    assert AFTER_PUBLICATION == (
        Phase.PUBLISHED,
        Phase.DELIVERY,
        Phase.ASSESSMENT,
        Phase.ARCHIVED,
    )
    for phase in Phase:
        assert results_public(phase) is (phase in AFTER_PUBLICATION)
        assert can_allocate(phase) is (phase in (Phase.CLOSED, Phase.ALLOCATED))
