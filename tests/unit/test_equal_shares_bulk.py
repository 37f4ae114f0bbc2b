"""numpy's bookkeeping for large profiles (equal_shares_bulk) against the pure-Python one:
the same runs, to the last payment, the same horizons, and the same resumed runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election
from pbengine.core.rules import RuleOptions, allocate, equal_shares_state
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares import Run, Runner, run
from pbengine.core.rules.equal_shares_state import Index
from pbengine.core.tiebreak import DEFAULT
from pbengine.formats.pabulib import read_file
from tests.elections import approval, approval_elections


@contextmanager
def in_bulk() -> Iterator[None]:
    """Every profile counted by numpy, however small."""
    with patch.object(equal_shares_state, "BULK_FROM", 0):
        yield


def _everything(result: Run) -> tuple[object, ...]:
    return (result.per_voter, result.horizon, result.selected, result.funded, result.dropped)


def test_only_large_profiles_are_counted_by_numpy() -> None:
    small = Profile.of(approval(10, {"a": 4, "b": 6}, ["ab", "b"]))
    assert Index(small, cost_utility=True).bulk is None
    with in_bulk():
        assert Index(small, cost_utility=True).bulk is not None


@settings(max_examples=400, deadline=None)
@given(
    approval_elections(max_projects=7, max_voters=12),
    st.booleans(),
    st.lists(st.fractions(0, 40, max_denominator=7), min_size=1, max_size=6),
)
def test_runs_in_bulk_equal_pure_python_runs(
    election: Election, cost_utility: bool, budgets: list[Fraction]
) -> None:
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)
    with in_bulk():
        runner = Runner(profile, ranks, cost_utility=cost_utility)
    for per_voter in sorted(budgets):
        pure = run(profile, per_voter, ranks, cost_utility=cost_utility, track_horizon=True)
        with in_bulk():
            fresh = run(profile, per_voter, ranks, cost_utility=cost_utility, track_horizon=True)
            resumed = runner.run(per_voter)
        assert _everything(fresh) == _everything(pure)
        # A resumed run's horizon may be nearer: it keeps the limit of the rounds it reuses.
        assert _everything(resumed)[2:] == _everything(pure)[2:]
        assert resumed.per_voter == per_voter


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Poland_Swiecie_2023.pb", "equalshares/add1-exhaustive"),
        ("Poland_Wieliczka_2023_Green_Budget.pb", "equalshares/add1"),
        ("Netherlands_Assen_2024.pb", "equalshares/add1-greedy"),
    ],
)
@pytest.mark.parametrize("utility", ["cost", "cardinality"])
def test_real_elections_come_out_the_same_in_bulk(
    shared: Path, name: str, rule: str, utility: str
) -> None:
    election = read_file(shared / name)
    options = RuleOptions(utility=utility)
    pure = allocate(election, rule, options)
    with in_bulk():
        bulk = allocate(election, rule, options)
    assert bulk == pure
    assert bulk.selected  # something was funded: the comparison says something


@settings(max_examples=300, deadline=None)
@given(
    approval_elections(max_projects=7, max_voters=12),
    st.booleans(),
    st.booleans(),
    st.lists(st.fractions(0, 40, max_denominator=7), min_size=1, max_size=6),
)
def test_dropping_empty_classes_changes_no_run(
    election: Election, cost_utility: bool, bulk: bool, budgets: list[Fraction]
) -> None:
    """Empty classes dropped after every round (equal_shares_classes), in either
    bookkeeping: the same runs as without, resumed ones too."""
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)

    @contextmanager
    def compacting() -> Iterator[None]:
        with (
            patch.object(equal_shares_state, "worth_compacting", lambda _: True),
            patch.object(equal_shares_state, "BULK_FROM", 0 if bulk else 10**12),
        ):
            yield

    with compacting():
        runner = Runner(profile, ranks, cost_utility=cost_utility)
    for per_voter in sorted(budgets):
        plain = run(profile, per_voter, ranks, cost_utility=cost_utility, track_horizon=True)
        with compacting():
            compacted = run(
                profile, per_voter, ranks, cost_utility=cost_utility, track_horizon=True
            )
            resumed = runner.run(per_voter)
        assert _everything(compacted) == _everything(plain)
        assert _everything(resumed)[2:] == _everything(plain)[2:]
