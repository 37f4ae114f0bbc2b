"""Named MES rules: plain MES and the completions cities and tools use.

- `none`: one run with every voter starting at B/n.
- `add1` (pabulib `equalshares/add1`, as Wieliczka, Świecie and Assen ran
  it): start every voter at floor(B/n), raise everyone by one currency unit
  and rerun while the outcome costs at most B; keep the last outcome that fit.
  No stop when the outcome becomes exhaustive, no top-up.
- `add1-exhaustive` (pabutools' `voter_budget_increment=1`): start at B/n,
  raise by one unit; stop at the first outcome that is exhaustive, or return
  the previous one when the raise overspends.
- `add1-greedy` (the equalshares.net compute tool's default `add1u`): add1,
  then fund what still fits in order of approvals.
- `add1-comparison` (Wieliczka 2023): add1, then compare with greedy by
  approvals; each voter prefers the outcome funding more of the projects
  they approved (voters indifferent between the two count for neither), and
  greedy replaces MES only if strictly more voters prefer it.

Supported projects that cost nothing are funded first, as pabutools does.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import ceil, floor

from pbengine.core.election import Election
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, PriceSystem, assemble
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares import Run, Runner
from pbengine.core.rules.greedy import greedy
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import DEFAULT, LISTED_ORDER, TieBreaking
from pbengine.core.wording import count

COMPLETIONS = ("none", "add1", "add1-exhaustive", "add1-greedy", "add1-comparison")


def method_of_equal_shares(
    election: Election,
    *,
    completion: str = "none",
    utility: str = "cost",
    tie_breaking: TieBreaking = DEFAULT,
    rule: str = "equalshares",
) -> Outcome:
    if completion not in COMPLETIONS:
        raise ValueError(
            f"unknown MES completion {completion!r}; use one of {', '.join(COMPLETIONS)}"
        )
    if utility not in ("cost", "cardinality"):
        raise ValueError(f"unknown MES utility {utility!r}; use cost or cardinality")
    profile = Profile.of(election)
    rank_of = tie_breaking.ranks(election)
    ranks = tuple(rank_of[pid] for pid in profile.project_ids)
    free = [i for i, c in enumerate(profile.costs) if c == 0 and profile.supporters[i] > 0]

    mes = Runner(profile, ranks, cost_utility=utility == "cost").run

    if profile.voters == 0:
        final, notes = None, ["no ballots: nothing can be funded"]
    elif completion == "none":
        final = mes(Fraction(profile.budget, profile.voters * profile.scale))
        notes = [f"every voter started with {readable(final.per_voter)}"]
    elif completion == "add1-exhaustive":
        final, notes = _until_exhaustive(profile, free, mes)
    else:
        final, notes = _add1(profile, free, mes)

    selected = [profile.project_ids[i] for i in free]
    if final is not None:
        selected += [profile.project_ids[f.project] for f in final.funded]
    reasons = _reasons(election, profile, final, free, utility)
    prices = None
    if final is not None:
        paid = [(profile.project_ids[i], Fraction(0)) for i in free]
        paid += [(profile.project_ids[f.project], f.rho) for f in final.funded]
        prices = PriceSystem(final.per_voter, tuple(paid))
    outcome = assemble(election, rule, selected, reasons, tuple(notes), price_system=prices)
    if completion == "add1-greedy":
        return _greedy_top_up(election, outcome)
    if completion == "add1-comparison":
        return _compare_with_greedy(election, outcome)
    return outcome


def _cost(profile: Profile, free: list[int], result: Run) -> int:
    return sum(profile.costs[i] for i in result.selected) + sum(profile.costs[i] for i in free)


def _add1(
    profile: Profile, free: list[int], mes: Callable[[Fraction], Run]
) -> tuple[Run, list[str]]:
    start = Fraction(floor(Fraction(profile.budget, profile.voters * profile.scale)))
    candidates = profile.candidates()
    best = mes(start)
    runs = 1
    stop = "the outcome can no longer change"
    while best.horizon is not None:
        if set(best.selected) == candidates:
            stop = "every project with supporters is funded"
            break
        nxt = mes(max(best.per_voter + 1, Fraction(ceil(best.horizon))))
        runs += 1
        spent = _cost(profile, free, nxt)
        if spent > profile.budget:
            stop = (
                f"at {readable(nxt.per_voter)} per voter the outcome would cost "
                f"{readable(profile.money(Fraction(spent)))}, over the budget"
            )
            best = _last_that_fits(mes, best, nxt)
            break
        best = nxt
    raises = best.per_voter - start
    return best, [
        f"add1: every voter started with {readable(best.per_voter)} "
        f"(floor(B/n) = {readable(start)} raised {readable(raises)} times by one unit; "
        f"{runs} MES runs, the others skipped as provably unchanged); stopped because {stop}"
    ]


def _last_that_fits(mes: Callable[[Fraction], Run], fits: Run, over: Run) -> Run:
    """The run one unit below the first that overspends, as one-unit stepping keeps it.

    Every budget from `fits` up to there gives the same projects (none of the
    run's tests changes sign before its horizon), but their payments grow with
    the budget: the stepping definition reports them at the last budget.
    """
    if over.per_voter - 1 <= fits.per_voter:
        return fits
    last = mes(over.per_voter - 1)
    if last.selected != fits.selected:
        raise AssertionError("MES horizon broken: the outcome changed below it")
    return last


def _until_exhaustive(
    profile: Profile, free: list[int], mes: Callable[[Fraction], Run]
) -> tuple[Run | None, list[str]]:
    per_voter = Fraction(profile.budget, profile.voters * profile.scale)
    previous: Run | None = None
    runs = 0
    while True:
        current = mes(per_voter)
        runs += 1
        spent = _cost(profile, free, current)
        if spent > profile.budget:
            if previous is not None:
                previous = _last_that_fits(mes, previous, current)
            return previous, [
                f"add1-exhaustive: the raise to {readable(per_voter)} overspends; "
                f"kept the previous outcome ({runs} MES runs)"
            ]
        if _exhaustive(profile, current, free, spent):
            return current, [
                f"add1-exhaustive: exhaustive with {readable(per_voter)} per voter "
                f"({runs} MES runs)"
            ]
        previous = current
        if current.horizon is None:
            return current, [
                f"add1-exhaustive: the outcome cannot change any more ({runs} MES runs)"
            ]
        steps = max(1, ceil(current.horizon - per_voter))
        per_voter += steps


def _exhaustive(profile: Profile, result: Run, free: list[int], spent: int) -> bool:
    taken = set(result.selected) | set(free)
    left = profile.budget - spent
    return not any(
        i not in taken and profile.supporters[i] > 0 and 0 < cost <= left
        for i, cost in enumerate(profile.costs)
    )


def _reasons(
    election: Election, profile: Profile, final: Run | None, free: list[int], utility: str
) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for i in free:
        reasons[profile.project_ids[i]] = "funded: costs nothing and has supporters"
    if final is not None:
        for f in final.funded:
            cost = election.projects[f.project].cost
            supporters = profile.supporters[f.project]
            text = (
                f"funded in step {f.round}: its {count(supporters, 'supporter')} each paid "
                f"{readable(f.rho)}"
            )
            if f.paid_in_full:
                text += f" or, {f.paid_in_full:,} of them, all they had left"
            if utility == "cost":
                text += f"; {readable(cost / f.rho)} effective votes"
            reasons[profile.project_ids[f.project]] = text
        for d in final.dropped:
            cost = election.projects[d.project].cost
            reasons[profile.project_ids[d.project]] = (
                f"not funded: its {count(profile.supporters[d.project], 'supporter')} had "
                f"{readable(d.money_left)} left, it needed {readable(cost)}"
            )
    for i, pid in enumerate(profile.project_ids):
        if pid not in reasons:
            reasons[pid] = (
                "not funded: no supporters"
                if profile.supporters[i] == 0
                else ("not funded: no ballots were counted")
            )
    return reasons


def _greedy_top_up(election: Election, outcome: Outcome) -> Outcome:
    """Fund what still fits, most approvals first (ties in listed order)."""
    approvals = project_scores(election)
    left = election.budget - outcome.total_cost(election.costs())
    selected = list(outcome.selected)
    reasons = {d.project_id: d.explanation for d in outcome.decisions}
    for project in sorted(election.projects, key=lambda p: -approvals[p.id]):
        pid = project.id
        if pid in selected or approvals[pid] == 0 or project.withdrawn or project.cost > left:
            continue
        selected.append(pid)
        left -= project.cost
        reasons[pid] = (
            f"funded in the greedy top-up: {readable(approvals[pid])} approvals; "
            f"costs {readable(project.cost)} of the {readable(left + project.cost)} MES left"
        )
    # The MES payments stay with the outcome so a priceability check can name what they miss.
    return assemble(
        election, outcome.rule, selected, reasons, outcome.notes, price_system=outcome.price_system
    )


def _compare_with_greedy(election: Election, mes_outcome: Outcome) -> Outcome:
    greedy_outcome = greedy(election, rule=mes_outcome.rule, tie_breaking=LISTED_ORDER)
    in_mes, in_greedy = set(mes_outcome.selected), set(greedy_outcome.selected)
    prefer_mes = prefer_greedy = 0
    for ballot in election.ballots:
        approved = set(ballot.projects)
        a, b = len(approved & in_mes), len(approved & in_greedy)
        prefer_mes += a > b
        prefer_greedy += b > a
    verdict = (
        f"comparison: {prefer_mes:,} voters prefer the MES outcome, "
        f"{prefer_greedy:,} the greedy one"
    )
    greedy_wins = prefer_greedy > prefer_mes
    winner = greedy_outcome if greedy_wins else mes_outcome
    return Outcome(
        mes_outcome.rule,
        mes_outcome.budget,
        winner.selected,
        winner.decisions,
        (
            *mes_outcome.notes,
            f"{verdict}: {'greedy replaces MES' if greedy_wins else 'MES stands'}",
        ),
        winner.price_system,
    )
