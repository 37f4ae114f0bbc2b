"""Pages to read: the rounds, one round, its projects, its results, a tracker."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pbengine.core.phases import AFTER_PUBLICATION, LIFECYCLE, ORDER, Phase
from pbengine.pages.deps import DEPENDENCIES, Lang, Work
from pbengine.pages.explain import PHASES, fairness_sentences, rule_family, rule_sentences
from pbengine.pages.results import results_context
from pbengine.pages.templating import page
from pbengine.service.audit import AuditService
from pbengine.service.errors import PUBLIC, ServiceError
from pbengine.service.proposals import ProposalService
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService, RoundView

# Rounds whose vote is over: their results (and, later, delivery) are what residents read.
PAST = (*AFTER_PUBLICATION, Phase.VOID)


class RoundPages(Controller):
    path = "/"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, uow: Work, language: Lang) -> Template:
        rounds = RoundService(uow)
        views = [rounds.view(r.id) for r in rounds.all_rounds()]
        return page(
            "index.html",
            language,
            current=[v for v in views if v.phase not in PAST],
            past=[v for v in views if v.phase in PAST],
            phases=PHASES,
            dates={
                v.id: (start, end)
                for v in views
                for phase, start, end in schedule(v)
                if phase is v.phase
            },
        )

    @get("/rounds/{round_id:int}", sync_to_thread=True)
    def round(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        projects = ProposalService(uow).listing(PUBLIC, round_id)
        config = view.config
        fairness = fairness_sentences(
            config.fairness.document if config.fairness else None,
            {d.name: d.budget for d in config.districts if d.budget is not None},
            {p.id: p.title for p in projects},
            language,
            config.currency,
        )
        return page(
            "round.html",
            language,
            round=view,
            phases=PHASES,
            schedule=schedule(view),
            rule_family=rule_family(view.rule),
            rule_sentences=rule_sentences(view.rule),
            fairness=fairness,
            accepted=sum(1 for p in projects if p.status == "accepted"),
        )

    @get("/rounds/{round_id:int}/projects", sync_to_thread=True)
    def projects(
        self,
        *,
        uow: Work,
        language: Lang,
        round_id: FromPath[int],
        district: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        outcome: FromQuery[str | None] = None,
    ) -> Template:
        view = RoundService(uow).view(round_id)
        everything = ProposalService(uow).listing(PUBLIC, round_id)
        shown = [
            p
            for p in everything
            if (not district or p.district == district or (district == "-" and not p.district))
            and (not category or category in p.categories)
            and (not outcome or outcome in p.outcomes)
        ]
        return page(
            "projects.html",
            language,
            round=view,
            phases=PHASES,
            projects=shown,
            total=len(everything),
            titles={p.id: p.title for p in everything},
            outcome_titles={o.key: o.title for o in view.config.outcomes},
            chosen={"district": district, "category": category, "outcome": outcome},
        )

    @get("/rounds/{round_id:int}/results", sync_to_thread=True)
    def results(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        try:
            report = ResultsService(uow).results(PUBLIC, round_id)
        except ServiceError:
            return page("results_pending.html", language, round=view, phases=PHASES)
        return page(
            "results.html",
            language,
            round=view,
            phases=PHASES,
            **results_context(report, language),
        )

    @get("/rounds/{round_id:int}/track", sync_to_thread=True)
    def track(
        self,
        uow: Work,
        language: Lang,
        round_id: FromPath[int],
        tracker: FromQuery[str | None] = None,
    ) -> Template:
        view = RoundService(uow).view(round_id)
        published = ORDER.index(view.phase) > ORDER.index(Phase.VOTING)
        asked = (tracker or "").strip().lower()
        answer: str | None = None
        ballots = None
        if published:
            listing = AuditService(uow).trackers(round_id)
            ballots = listing.ballots
            if asked:
                answer = (
                    "counted"
                    if asked in listing.trackers
                    else "replaced"
                    if asked in listing.replaced
                    else "unknown"
                )
        return page(
            "track.html",
            language,
            round=view,
            phases=PHASES,
            published=published,
            tracker=asked,
            answer=answer,
            ballots=ballots,
        )


def schedule(view: RoundView) -> list[tuple[Phase, datetime, datetime | None]]:
    """Each scheduled phase with its start and, when the next one is scheduled, its end."""
    planned = view.config.schedule
    rows = []
    for i, phase in enumerate(LIFECYCLE):
        if phase not in planned:
            continue
        following = next((planned[p] for p in LIFECYCLE[i + 1 :] if p in planned), None)
        rows.append((phase, planned[phase], following))
    return rows
