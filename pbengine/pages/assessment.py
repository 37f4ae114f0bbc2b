"""After the vote, for residents: what residents said of the delivered projects, and their
own assessment of each (docs/co-assessment.md).

`/rounds/{id}/assessment` sums the assessment up for anyone. `/rounds/{id}/assess` takes a
voter code or an assessment code, then a form per delivered project, filled in with what
the code answered before so that it can be revised. As on the vote pages, the code travels
only in form bodies (POST), never in a URL, so it stays out of logs, history and
referrers; and the pages holding it are not stored by the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anyio import to_thread
from babel.numbers import format_decimal
from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pbengine.core import assessment as core
from pbengine.core.phases import Phase
from pbengine.pages.assessment_form import (
    HAPPENED,
    MESSAGES,
    SCORES,
    USED,
    Answers,
    answer_errors,
    assessment_in,
    comment_error,
    read_answers,
    read_code,
    refusal_field,
)
from pbengine.pages.delivery import STATES
from pbengine.pages.deps import DEPENDENCIES, Identify, Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.templating import page
from pbengine.service.assessment import AssessmentService
from pbengine.service.assessment_replies import ProjectAssessmentOut
from pbengine.service.errors import ConflictError, Principal, ServiceError, UnauthorizedError
from pbengine.service.rounds import RoundService, RoundView
from pbengine.store.unit_of_work import UnitOfWork

NO_DISTRICT = N_("No district")
PRIVATE = {"Cache-Control": "no-store"}
"""The pages holding a resident's code: a shared computer's history must not keep them."""


class AssessmentResultsPage(Controller):
    path = "/rounds/{round_id:int}/assessment"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def results(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        try:
            summary = AssessmentService(uow).view(round_id)
        except ConflictError:
            summary = None
        return page(
            "assessment.html",
            language,
            round=view,
            phases=PHASES,
            summary=summary,
            titles={o.key: o.title for o in view.config.outcomes},
            states=STATES,
            happened=HAPPENED,
            used=USED,
            scores=list(SCORES),
            mean=lambda text: format_decimal(Decimal(text), format="0.00", locale=language.code),
            district=lambda name: (
                language.translate(NO_DISTRICT) if name == core.NO_DISTRICT else name
            ),
        )


class AssessPages(Controller):
    path = "/rounds/{round_id:int}/assess"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def entry(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        return _entry(view, language, "", {})

    @post("/", status_code=200)
    async def with_code(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        identify: Identify,
        round_id: FromPath[int],
    ) -> Template:
        def forms(view: RoundView, principal: Principal, form: FormMultiDict) -> Template:
            return _Forms.of(uow, view, principal, read_code(form)).page(language)

        return await _as_holder(request, (uow, identify), language, round_id, forms)

    @get("/save", sync_to_thread=False)
    def back_to_entry(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        """A confirmation reloaded or bookmarked (or a language chosen on it) leads back to
        where the code is typed: the code itself is never in an address."""
        lang = request.query_params.get("lang")
        query = f"?lang={lang}" if lang and lang.isalpha() else ""
        return Redirect(f"/rounds/{round_id}/assess{query}")

    @post("/save", status_code=200)
    async def save(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        identify: Identify,
        round_id: FromPath[int],
    ) -> Template:
        def save(view: RoundView, principal: Principal, form: FormMultiDict) -> Template:
            return _save(uow, view, principal, form, language)

        return await _as_holder(request, (uow, identify), language, round_id, save)


def _private(template: Template) -> Template:
    template.headers.update(PRIVATE)
    return template


async def _as_holder(
    request: Request[Any, Any, Any],
    deps: tuple[UnitOfWork, Callable[[str], Principal]],
    language: Language,
    round_id: int,
    then: Callable[[RoundView, Principal, FormMultiDict], Template],
) -> Template:
    """`then` for whoever holds the code the form names, if they may assess this round;
    otherwise the page saying why."""
    form = await request.form()
    uow, identify = deps

    def work() -> Template:
        view = RoundService(uow).view(round_id)
        principal, refused = _holder(identify, view, read_code(form), language)
        return refused if principal is None else then(view, principal, form)

    # Reading the form is async; the services are synchronous and touch the database.
    return await to_thread.run_sync(work)


def _entry(
    view: RoundView, language: Language, code: str, errors: dict[str, str], status: int = 200
) -> Template:
    return _private(
        page(
            "assess.html",
            language,
            status=status,
            round=view,
            phases=PHASES,
            open=view.phase is Phase.ASSESSMENT,
            code=code,
            errors=errors,
        )
    )


def _holder(
    identify: Callable[[str], Principal], view: RoundView, code: str, language: Language
) -> tuple[Principal | None, Template]:
    """Who holds `code`, if they may assess in this round; otherwise the page saying why."""
    if view.phase is not Phase.ASSESSMENT:
        return None, _entry(view, language, "", {}, status=409)
    problem = ""
    principal: Principal | None = None
    if not code:
        problem = "no_code"
    else:
        try:
            principal = identify(code)
        except UnauthorizedError:
            problem = "unknown_code"
    if principal is not None and principal.assessor is None:
        problem = "unknown_code"  # a staff token typed here: residents assess
    elif principal is not None and principal.round_id != view.id:
        problem = "other_round"
    if problem:
        errors = {"code": language.translate(MESSAGES[problem])}
        return None, _entry(view, language, code, errors, status=422)
    return principal, _entry(view, language, code, {})


@dataclass
class _Forms:
    """The forms page: every delivered project, with the code's answers so far."""

    view: RoundView
    code: str
    projects: list[ProjectAssessmentOut]
    saved: dict[str, Answers]

    @classmethod
    def of(cls, uow: UnitOfWork, view: RoundView, principal: Principal, code: str) -> _Forms:
        service = AssessmentService(uow)
        summary = service.view(view.id)
        delivered = [p for p in summary.projects if p.state == "delivered"]
        saved = {a.project: Answers.of(a) for a in service.mine(principal, view.id)}
        return cls(view, code, delivered, saved)

    def page(
        self,
        language: Language,
        *,
        posted: tuple[str, Answers] | None = None,
        errors: dict[str, str] | None = None,
        confirmed: tuple[str, bool] | None = None,
    ) -> Template:
        values = {p.project: self.saved.get(p.project, Answers()) for p in self.projects}
        if posted is not None:
            values[posted[0]] = posted[1]
        titles = {p.project: p.title for p in self.projects}
        return _private(
            page(
                "assess_forms.html",
                language,
                status=422 if errors else 200,
                round=self.view,
                phases=PHASES,
                code=self.code,
                projects=self.projects,
                outcome_titles={o.key: o.title for o in self.view.config.outcomes},
                values=values,
                saved=self.saved,
                errors=errors or {},
                confirmed=confirmed and (titles.get(confirmed[0], confirmed[0]), confirmed[1]),
                happened=HAPPENED,
                used=USED,
                scores=SCORES,
                comment_limit=core.COMMENT,
            )
        )


def _save(
    uow: UnitOfWork,
    view: RoundView,
    principal: Principal,
    form: FormMultiDict,
    language: Language,
) -> Template:
    forms = _Forms.of(uow, view, principal, read_code(form))
    project = str(form.get("project") or "")
    serves = {p.project: p.outcomes for p in forms.projects}
    if project not in serves:
        errors = {"form": language.translate(MESSAGES["project"])}
        return forms.page(language, errors=errors)
    answers = read_answers(form, serves[project])
    errors = answer_errors(answers, project, language)
    if errors:
        return forms.page(language, posted=(project, answers), errors=errors)
    revise = project in forms.saved
    try:
        AssessmentService(uow).assess(
            principal, view.id, project, assessment_in(answers), revise=revise
        )
    except ServiceError as exc:
        refused = {refusal_field(project, exc.field): _refusal(exc, answers, language)}
        again = _Forms.of(uow, view, principal, forms.code)
        return again.page(language, posted=(project, answers), errors=refused)
    done = _Forms.of(uow, view, principal, forms.code)
    return done.page(language, confirmed=(project, revise))


def _refusal(exc: ServiceError, answers: Answers, language: Language) -> str:
    """A refusal the page's own checks did not foresee (a second tab, a phase just ended)."""
    if exc.field == "comment":
        return comment_error(len(answers.comment.strip()), language)
    if exc.field == "phase":
        return language.translate(MESSAGES["closed"])
    if isinstance(exc, ConflictError) and exc.field == "project":
        return language.translate(MESSAGES["again"])
    if exc.field and exc.field.startswith("helped"):
        return language.translate(MESSAGES["helped"])
    if exc.field in MESSAGES:
        return language.translate(MESSAGES[exc.field])
    return exc.problem
