"""Small elections built in tests, and hypothesis strategies for random ones."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from pbengine.core.election import Ballot, Election, Project, VoteType


def approval(budget: int, costs: dict[str, int], ballots: list[str], rule: str = "") -> Election:
    """`ballots` like ["ab", "b", ""]: one character per project id."""
    return Election(
        budget=Fraction(budget),
        vote_type=VoteType.APPROVAL,
        projects=tuple(Project(pid, Fraction(cost)) for pid, cost in costs.items()),
        ballots=tuple(Ballot(f"v{i}", tuple(b)) for i, b in enumerate(ballots)),
        rule=rule,
    )


@st.composite
def approval_elections(draw: st.DrawFn, max_projects: int = 6, max_voters: int = 12) -> Election:
    n_projects = draw(st.integers(1, max_projects))
    ids = [chr(ord("a") + i) for i in range(n_projects)]
    costs = {pid: draw(st.integers(0, 60)) for pid in ids}
    voters = draw(st.integers(1, max_voters))
    ballots = ["".join(pid for pid in ids if draw(st.booleans())) for _ in range(voters)]
    budget = draw(st.integers(1, 150))
    return approval(budget, costs, ballots)


@st.composite
def scored_elections(draw: st.DrawFn) -> Election:
    """Elections of any vote type, for rules that work on scores."""
    vote_type = draw(st.sampled_from(list(VoteType)))
    n_projects = draw(st.integers(1, 6))
    ids = [f"p{i}" for i in range(n_projects)]
    projects = tuple(Project(pid, Fraction(draw(st.integers(0, 60)))) for pid in ids)
    ballots = []
    for v in range(draw(st.integers(0, 10))):
        chosen = draw(
            st.lists(
                st.sampled_from(ids),
                unique=True,
                max_size=1 if vote_type == VoteType.CHOOSE_1 else 6,
            )
        )
        points = (
            tuple(Fraction(draw(st.integers(1, 5))) for _ in chosen)
            if vote_type.has_points
            else None
        )
        ballots.append(Ballot(f"v{v}", tuple(chosen), points))
    return Election(Fraction(draw(st.integers(0, 150))), vote_type, projects, tuple(ballots))
