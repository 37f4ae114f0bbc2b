"""The bookkeeping of an MES run: after every round, what each live project's supporters
hold (class weights and money totals, kept incrementally and moved only for voters
who still have money) must equal a recount from each ballot's class."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election
from pbengine.core.rules import equal_shares_moves as moves
from pbengine.core.rules import equal_shares_state
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares import run
from pbengine.core.rules.equal_shares_classes import worth_compacting
from pbengine.core.rules.equal_shares_horizon import Horizon
from pbengine.core.rules.equal_shares_state import Index, State
from pbengine.core.tiebreak import DEFAULT
from tests.elections import approval, approval_elections


def _recount(state: State) -> None:
    """Every live project's class weights and money, recounted from the ballots."""
    # Live means both: moves read `alive`, rescaling and some moves iterate `bound`.
    assert set(state.bound) == {c for c, live in enumerate(state.alive) if live}
    groups = state.profile.groups
    for c, live in enumerate(state.alive):
        if not live:
            continue
        held: Counter[int] = Counter()
        for g in state.index.supporters_of[c]:
            held[state.group_class[g]] += groups[g][0]
        assert dict(held) == state.held[c]
        assert state.total_v[c] == sum(w * state.value[k] for k, w in held.items())
        assert state.total_s[c] == sum(w * state.slope[k] for k, w in held.items())
        assert all(state.value[k] >= 0 for k in held)
    weights: Counter[int] = Counter()
    for g, (w, _) in enumerate(groups):
        weights[state.group_class[g]] += w
    assert state.voters_in == [weights[k] for k in range(len(state.voters_in))]
    assert state.empty == sum(
        1 for k in range(State.ZERO + 1, len(state.voters_in)) if not weights[k]
    )


def _run_checking(election: Election, per_voter: Fraction, cost_utility: bool) -> State:
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)
    state = State(profile, ranks, Index(profile, cost_utility))
    state.rebase(per_voter)
    state.horizon = Horizon()
    _recount(state)
    while state.bound:
        state.round_no += 1
        choice = state.choose()
        if choice is None:
            break
        state.fund(choice[0], choice[2])
        _recount(state)
    return state


@settings(max_examples=400, deadline=None)
@given(
    approval_elections(max_projects=7, max_voters=12),
    st.fractions(0, 40, max_denominator=7),
    st.booleans(),
    st.sampled_from(["by size", "by class", "by ballot", "in bulk", "compacting", "both"]),
)
def test_class_weights_and_money_match_a_recount(
    election: Election, per_voter: Fraction, cost_utility: bool, mover: str
) -> None:
    """Whichever way the supporters are moved (the sizes choose; or always one way). In
    bulk, the class weights are counted from the ballots' classes whenever asked for,
    so the recount checks the money kept and the classes the moves leave. Compacting
    drops the empty classes after every round and renumbers the others."""
    forced = {"by class": moves._by_class, "by ballot": moves._by_ballot}.get(mover)
    if mover in ("in bulk", "compacting", "both"):
        # Compacting: empty classes dropped after every round, however few.
        bulk = 0 if mover in ("in bulk", "both") else equal_shares_state.BULK_FROM
        always = mover in ("compacting", "both")
        compacting = (lambda _: True) if always else worth_compacting
        with (
            patch.object(equal_shares_state, "BULK_FROM", bulk),
            patch.object(equal_shares_state, "worth_compacting", compacting),
        ):
            state = _run_checking(election, per_voter, cost_utility)
    elif forced is None:
        state = _run_checking(election, per_voter, cost_utility)
    else:
        with (
            patch.object(moves, "_by_class", forced),
            patch.object(moves, "_by_ballot", forced),
        ):
            state = _run_checking(election, per_voter, cost_utility)
    profile, ranks = state.profile, state.ranks
    fresh = run(profile, per_voter, ranks, cost_utility=cost_utility)
    assert [f[0] for f in state.funded] == list(fresh.selected)


def test_a_voter_paying_all_they_have_moves_to_zero_and_stays() -> None:
    # 4 each, cardinality utility. a (2, v0 alone) costs v0 2, b (6, v0 and v1) 3
    # each, c (3, v0 alone) 3: a first; v0 keeps 2, too little for c, which is
    # dropped; for b v0 pays those 2 and v1 the other 4.
    election = approval(8, {"a": 2, "b": 6, "c": 3}, ["abc", "b"])
    state = _run_checking(election, Fraction(4), cost_utility=False)
    assert [f[0] for f in state.funded] == [0, 1]
    assert [d[0] for d in state.dropped] == [2]
    v0 = [key for _, key in state.profile.groups].index((0, 1, 2))
    assert state.group_class[v0] == State.ZERO
