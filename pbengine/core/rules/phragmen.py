"""Sequential Phragmén for participatory budgeting (Phragmén 1894; Los, Christoff & Grossi 2022).

Funding a project puts a load equal to its cost on its supporters, spread so
that the largest load any of them carries is as small as possible: if
project c were funded next, the load of each supporter would become
t(c) = (cost(c) + current loads of c's supporters) / |supporters of c|.
The project with the smallest t(c) is funded (ties: the tie-breaking order)
and its supporters' loads set to t(c). The rule stops at the first project
so chosen that does not fit in what is left, as pabutools and the PB
literature define it. Exact rationals throughout.
"""

from __future__ import annotations

from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.tiebreak import DEFAULT, TieBreaking
from pbengine.core.wording import count


def sequential_phragmen(
    election: Election, *, tie_breaking: TieBreaking = DEFAULT, rule: str = "phragmen"
) -> Outcome:
    profile = Profile.of(election)
    ids = profile.project_ids
    groups = {frozenset(ids[i] for i in key): weight for weight, key in profile.groups}
    supporters = dict(zip(ids, profile.supporters, strict=True))
    ranks = tie_breaking.ranks(election)
    costs = election.costs()
    reasons: dict[str, str] = {}
    candidates: set[str] = set()
    for p in election.projects:
        if supporters[p.id] == 0:
            reasons[p.id] = "not funded: no supporters"
        elif p.cost > election.budget:
            reasons[p.id] = f"not funded: costs {readable(p.cost)}, more than the whole budget"
        else:
            candidates.add(p.id)
    group_load = dict.fromkeys(groups, Fraction(0))
    load_on = dict.fromkeys(candidates, Fraction(0))  # total load on each candidate's supporters
    selected: list[str] = []
    left = election.budget
    while candidates:
        nxt = min(candidates, key=lambda c: ((costs[c] + load_on[c]) / supporters[c], ranks[c]))
        max_load = (costs[nxt] + load_on[nxt]) / supporters[nxt]
        candidates.discard(nxt)
        if costs[nxt] > left:
            reasons[nxt] = (
                f"not funded: next in line (the load on its {count(supporters[nxt], 'supporter')} "
                f"would be "
                f"{readable(max_load)}), but {readable(left)} left, costs {readable(costs[nxt])}; "
                "the rule stops here"
            )
            reasons.update(
                dict.fromkeys(candidates, f"not considered: the rule stopped at project {nxt}")
            )
            break
        selected.append(nxt)
        left -= costs[nxt]
        reasons[nxt] = (
            f"funded in step {len(selected)}: the load on its "
            f"{count(supporters[nxt], 'supporter')} rose to {readable(max_load)}, the lowest "
            "possible"
        )
        _raise_loads(nxt, max_load, groups, group_load, load_on)
    return assemble(election, rule, selected, reasons)


def _raise_loads(
    funded: str,
    max_load: Fraction,
    groups: dict[frozenset[str], int],
    group_load: dict[frozenset[str], Fraction],
    load_on: dict[str, Fraction],
) -> None:
    """Set the load of the funded project's supporters, keeping other candidates' totals."""
    for key, weight in groups.items():
        if funded in key:
            delta = (max_load - group_load[key]) * weight
            group_load[key] = max_load
            for pid in key:
                if pid in load_on:
                    load_on[pid] += delta
