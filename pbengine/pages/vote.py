"""Voting without script: the form, a review of the choices, the cast, and its tracker.

The voter code travels only in form bodies (POST), never in a URL, so it
stays out of logs, history and referrers.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pbengine.core.money import parse_amount
from pbengine.core.phases import Phase
from pbengine.pages.ballot_form import BallotForm, choice_errors, message, read_ballot
from pbengine.pages.deps import DEPENDENCIES, Ballots, Identify, Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.templating import page
from pbengine.service.errors import (
    PUBLIC,
    ConflictError,
    Principal,
    ServiceError,
    UnauthorizedError,
)
from pbengine.service.proposals import ProposalService
from pbengine.service.replies import ProjectOut
from pbengine.service.rounds import RoundService, RoundView
from pbengine.service.throttle import Throttle, ThrottledError
from pbengine.service.voting import VotingService
from pbengine.store.unit_of_work import UnitOfWork

ACCEPTED = "accepted"
TOO_OFTEN = N_(
    "This voter code has cast too many ballots in a short time, and your last ballot stands. "
    "To change it again, please try again in %(minutes)s min."
)


class VotePages(Controller):
    path = "/rounds/{round_id:int}/vote"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def form(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        return _ballot_page(uow, language, round_id, BallotForm(), {})

    @post("/", status_code=200)
    async def change(
        self, request: Request[Any, Any, Any], uow: Work, language: Lang, round_id: FromPath[int]
    ) -> Template:
        """Back from the review: the form again, filled in as the resident left it."""
        ballot = read_ballot(await request.form())
        return await _in_thread(lambda: _ballot_page(uow, language, round_id, ballot, {}))

    @get(["/review", "/cast"], sync_to_thread=False)
    def back_to_form(self, round_id: FromPath[int]) -> Redirect:
        """A review or a confirmation reloaded, or bookmarked, leads back to the form."""
        return Redirect(f"/rounds/{round_id}/vote")

    @post("/review", status_code=200)
    async def review(
        self,
        request: Request[Any, Any, Any],
        *,
        uow: Work,
        language: Lang,
        identify: Identify,
        ballots: Ballots,
        round_id: FromPath[int],
    ) -> Template:
        ballot = read_ballot(await request.form())

        def work() -> Template:
            passed = _passed(uow, (identify, ballots), language, round_id, ballot)
            if isinstance(passed, Template):
                return passed
            view, projects = passed
            return page(
                "vote_review.html",
                language,
                round=view,
                phases=PHASES,
                ballot=ballot,
                projects={p.id: p for p in projects},
                outcomes={o.key: o for o in view.config.outcomes},
                # The cast is sent with this key: sending the review twice casts once.
                attempt=secrets.token_urlsafe(16),
            )

        return await _in_thread(work)

    @post("/cast", status_code=200)
    async def cast(
        self,
        request: Request[Any, Any, Any],
        *,
        uow: Work,
        language: Lang,
        identify: Identify,
        ballots: Ballots,
        round_id: FromPath[int],
    ) -> Template:
        form = await request.form()
        ballot = read_ballot(form)
        attempt = str(form.get("attempt") or "")[:200] or None

        def work() -> Template:
            # The same checks as the review: a cast posted without one meets them too.
            passed = _passed(uow, (identify, ballots), language, round_id, ballot)
            if isinstance(passed, Template):
                return passed
            view, _ = passed
            try:
                principal = identify(ballot.voter_code)
                has_points = view.config.vote_type.has_points
                cast = VotingService(uow).cast(
                    principal, round_id, ballot.ballot(has_points), attempt
                )
            except ServiceError as exc:
                errors = {_field_of(exc): _refusal(exc, view, language)}
                return _ballot_page(uow, language, round_id, ballot, errors, status=422)
            # As the API counts them: a ballot stored, not a replay of one.
            if principal.voter_key is not None and not cast.replayed:
                ballots.count(principal.voter_key)
            return page("vote_cast.html", language, round=view, phases=PHASES, receipt=cast.body)

        return await _in_thread(work)


async def _in_thread(work: Callable[[], Template]) -> Template:
    # Reading the form is async; the services are synchronous and touch the database.
    return await to_thread.run_sync(work)


def _passed(
    uow: UnitOfWork,
    checks: tuple[Callable[[str], Principal], Throttle],
    language: Language,
    round_id: int,
    ballot: BallotForm,
) -> tuple[RoundView, list[ProjectOut]] | Template:
    """The round and its projects, for a ballot that passes the checks; else the page
    that says why it does not."""
    identify, ballots = checks
    try:
        view, projects, errors = _checked(uow, identify, language, round_id, ballot)
        _check_ballots(ballots, identify, ballot, errors)
    except TooOftenError as exc:
        return _too_often(uow, language, round_id, ballot, exc.retry_after)
    if errors:
        return _ballot_page(uow, language, round_id, ballot, errors, status=422)
    return view, projects


def _round(uow: UnitOfWork, round_id: int) -> tuple[RoundView, list[ProjectOut]]:
    view = RoundService(uow).view(round_id)
    projects = [p for p in ProposalService(uow).listing(PUBLIC, round_id) if p.status == ACCEPTED]
    return view, projects


def _checked(
    uow: UnitOfWork,
    identify: Callable[[str], Principal],
    language: Language,
    round_id: int,
    ballot: BallotForm,
) -> tuple[RoundView, list[ProjectOut], dict[str, str]]:
    """The round, its projects on the ballot, and what is wrong with this ballot (if anything):
    the checks the review and the cast both make."""
    view, projects = _round(uow, round_id)
    errors = _code_errors(identify, view, ballot, language)
    errors |= choice_errors(ballot, view.config, _costs(projects), language)
    return view, projects, errors


def _costs(projects: list[ProjectOut]) -> dict[str, Fraction]:
    return {p.id: parse_amount(p.cost) for p in projects}


def _code_errors(
    identify: Callable[[str], Principal], view: RoundView, ballot: BallotForm, language: Language
) -> dict[str, str]:
    config = view.config
    if view.phase is not Phase.VOTING:
        return {"form": message("closed", config, language, "")}
    if not ballot.voter_code:
        return {"voter_code": message("no_code", config, language, "")}
    try:
        principal = identify(ballot.voter_code)
    except UnauthorizedError:
        return {"voter_code": message("unknown_code", config, language, "")}
    if not principal.is_resident:
        return {"voter_code": message("unknown_code", config, language, "")}
    if principal.round_id != view.id:
        return {"voter_code": message("other_round", config, language, "")}
    return {}


class TooOftenError(Exception):
    """The code has stored as many ballots as the ballots throttle allows for now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _check_ballots(
    ballots: Throttle,
    identify: Callable[[str], Principal],
    ballot: BallotForm,
    errors: dict[str, str],
) -> None:
    """Raise TooOftenError if the code may not store another ballot yet (the API's throttle,
    service/throttle.py); only for a code already known to be this round's."""
    if "voter_code" in errors or "form" in errors:
        return
    voter_key = identify(ballot.voter_code).voter_key
    if voter_key is None:
        return
    try:
        ballots.check(voter_key)
    except ThrottledError as exc:
        raise TooOftenError(exc.retry_after) from None


def _too_often(
    uow: UnitOfWork, language: Language, round_id: int, ballot: BallotForm, retry_after: int
) -> Template:
    """The form again, saying how long to wait: 429, with Retry-After as the API sends."""
    minutes = language.number(math.ceil(retry_after / 60))
    errors = {"form": language.translate(TOO_OFTEN, minutes=minutes)}
    answer = _ballot_page(uow, language, round_id, ballot, errors, status=429)
    answer.headers["Retry-After"] = str(retry_after)
    return answer


def _field_of(exc: ServiceError) -> str:
    if exc.field in ("voter_code", "authorization"):
        return "voter_code"
    if exc.field in ("outcomes", "max_outcomes"):
        return "outcomes"
    if exc.field == "phase":
        return "form"
    return "projects"


def _refusal(exc: ServiceError, view: RoundView, language: Language) -> str:
    if isinstance(exc, ConflictError) and exc.field == "voter_code":
        return message("used", view.config, language, exc.problem)
    if exc.field == "phase":
        return message("closed", view.config, language, exc.problem)
    return message(exc.field, view.config, language, exc.problem)


def _ballot_page(
    uow: UnitOfWork,
    language: Language,
    round_id: int,
    ballot: BallotForm,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Template:
    view, projects = _round(uow, round_id)
    config = view.config
    limits = config.limits()
    outcome_places = min(config.ballot.max_outcomes or len(config.outcomes), len(config.outcomes))
    project_places = min(limits.max_length or len(projects), len(projects))
    return page(
        "vote.html",
        language,
        status=status,
        round=view,
        phases=PHASES,
        open=view.phase is Phase.VOTING,
        ballot=ballot,
        errors=errors,
        projects=projects,
        ballot_type=config.ballot.type,
        has_points=config.vote_type.has_points,
        limits=limits,
        project_places=project_places,
        outcome_places=outcome_places,
        ranked_outcomes=config.ballot.outcome_vote == "ranking",
    )
