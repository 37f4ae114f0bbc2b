"""Two passes over a batch of paper ballots, compared position by position (core/double_entry)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbengine.core.double_entry import (
    PaperBallot,
    decided,
    position_key,
    reconcile,
    repeated_codes,
)


def paper(
    code: str,
    projects: tuple[str, ...] = ("a",),
    outcomes: tuple[str, ...] = (),
    points: tuple[str, ...] | None = None,
) -> PaperBallot:
    return PaperBallot(f"digest-{code}", code[-4:], projects, points, outcomes)


def test_agreeing_passes_count_pass_one_in_paper_order() -> None:
    entered = [paper("AAAA"), paper("BBBB", ("b", "c")), paper("CCCC", (), ("parks",))]
    found = reconcile(entered, list(entered), ranked=False)
    assert found.disagreements == ()
    assert found.ballots == tuple(enumerate(entered, start=1))


def test_every_kind_of_disagreement_is_listed_by_position() -> None:
    first = [paper("AAAA"), paper("BBBB", ("b",)), paper("CCCC"), paper("DDDD", ("c",))]
    second = [
        paper("AAAA"),
        paper("BBBB", ("c",)),
        paper("XXXX"),
        paper("YYYY", ("d",)),
        paper("E"),
    ]
    found = reconcile(first, second, ranked=False)
    assert [(d.position, d.differs) for d in found.disagreements] == [
        (2, ("choices",)),
        (3, ("code",)),
        (4, ("code", "choices")),
        (5, ("only_in_pass_2",)),
    ]
    assert found.unresolved == found.disagreements
    # Only the agreed position counts until the others are decided.
    assert found.ballots == ((1, first[0]),)
    shorter = reconcile(first, second[:1], ranked=False)
    assert [d.differs for d in shorter.disagreements] == [("only_in_pass_1",)] * 3


def test_order_of_projects_matters_only_on_ranked_ballots() -> None:
    one, other = paper("AAAA", ("a", "b")), paper("AAAA", ("b", "a"))
    assert reconcile([one], [other], ranked=False).disagreements == ()
    assert reconcile([one], [other], ranked=True).disagreements[0].differs == ("choices",)
    # Outcome priorities are ranked on every ballot.
    first, second = paper("AAAA", outcomes=("parks", "safe")), paper("AAAA", outcomes=("safe",))
    assert reconcile([first], [second], ranked=False).disagreements[0].differs == ("choices",)


def test_points_are_compared_per_project() -> None:
    one = paper("AAAA", ("a", "b"), points=("7", "3"))
    same = paper("AAAA", ("b", "a"), points=("3", "7"))
    swapped = paper("AAAA", ("a", "b"), points=("3", "7"))
    assert reconcile([one], [same], ranked=False).disagreements == ()
    assert reconcile([one], [swapped], ranked=False).disagreements[0].differs == ("choices",)


def test_decisions_settle_the_batch_and_lapse_when_a_pass_changes() -> None:
    first = [paper("AAAA"), paper("BBBB", ("b",)), paper("CCCC")]
    second = [paper("AAAA"), paper("BBBB", ("c",)), paper("XXXX")]
    typed = paper("CCCC", ("d",))
    decisions = {
        2: decided(2, first[1], second[1], "pass_2", None, by="Kim", note="the cross is on c"),
        3: decided(3, first[2], second[2], "typed", typed, by="Kim", note="both misread"),
    }
    found = reconcile(first, second, ranked=False, decisions=decisions)
    assert found.unresolved == ()
    assert found.ballots == ((1, first[0]), (2, second[1]), (3, typed))
    assert [d.position for d in found.decisions] == [2, 3]

    # Pass 2 corrects position 3 after the decision: it no longer applies.
    corrected = [*second[:2], paper("CCCC", ("d",))]
    again = reconcile(first, corrected, ranked=False, decisions=decisions)
    assert [d.position for d in again.unresolved] == [3]
    assert [d.position for d in again.decisions] == [2]


def test_a_paper_set_aside_counts_no_ballot() -> None:
    first = [paper("AAAA"), paper("BBBB")]
    aside = decided(1, first[0], first[0], "set_aside", None, by="Kim", note="voted online")
    found = reconcile(first, list(first), ranked=False, decisions={1: aside})
    assert found.ballots == ((2, first[1]),)
    assert found.decisions == (aside,)
    # Choosing the pass without a ballot there counts none too.
    only = decided(2, first[1], None, "pass_2", None, by="Kim", note="entered twice")
    assert only.ballot is None
    with pytest.raises(ValueError, match="typed"):
        decided(1, first[0], first[0], "typed", None, by="Kim", note="?")


def test_repeated_codes_are_found() -> None:
    ballots = ((1, paper("AAAA")), (2, paper("BBBB")), (3, paper("AAAA", ("b",))))
    assert repeated_codes(ballots) == {"digest-AAAA": [1, 3]}


def test_the_key_of_a_position_is_what_both_passes_say_there() -> None:
    a, b = paper("AAAA"), paper("BBBB")
    assert position_key(1, a, b) != position_key(1, b, a)
    assert position_key(1, a, b) != position_key(2, a, b)
    assert position_key(1, a, None) == position_key(1, a, None)


ballots = st.builds(
    paper,
    st.sampled_from(["AAAA", "BBBB", "CCCC"]),
    st.lists(st.sampled_from("abcd"), max_size=3, unique=True).map(tuple),
    st.lists(st.sampled_from(["parks", "safe"]), max_size=2, unique=True).map(tuple),
)
passes = st.lists(ballots, max_size=8)


@given(passes, st.booleans())
def test_a_pass_reconciled_with_itself_has_no_disagreement(
    entered: list[PaperBallot], ranked: bool
) -> None:
    found = reconcile(entered, list(entered), ranked=ranked)
    assert found.disagreements == ()
    assert [b for _, b in found.ballots] == entered


@given(passes, passes, st.booleans())
def test_swapping_the_passes_gives_the_same_positions(
    first: list[PaperBallot], second: list[PaperBallot], ranked: bool
) -> None:
    forward = reconcile(first, second, ranked=ranked).disagreements
    backward = reconcile(second, first, ranked=ranked).disagreements
    assert [d.position for d in forward] == [d.position for d in backward]
    mirror = {"only_in_pass_1": "only_in_pass_2", "only_in_pass_2": "only_in_pass_1"}
    assert [tuple(mirror.get(x, x) for x in d.differs) for d in forward] == [
        d.differs for d in backward
    ]
