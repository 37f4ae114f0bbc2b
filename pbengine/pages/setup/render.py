"""The two set-up pages as templates: the new round's form, and a round's set-up page.

The set-up page always carries the pre-flight report, computed afresh by the
service for every page it renders (and for the report alone, which the
page's script fetches again to keep it current).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from litestar.response import Template

from pbengine.pages.explain import PHASES, fairness_sentences
from pbengine.pages.i18n import Language
from pbengine.pages.setup import choices
from pbengine.pages.setup.form import KEEP, Values
from pbengine.pages.setup.problems import Errors
from pbengine.pages.templating import page
from pbengine.service.errors import ConflictError
from pbengine.service.replies import PreflightReport
from pbengine.service.rounds import RoundService, RoundView
from pbengine.service.sign_in import StaffSession


@dataclass(frozen=True)
class PhaseErrors:
    """A refused phase move: the step it was for, and why (each problem of a pre-flight)."""

    target: str
    errors: Errors = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    reason: str = ""
    """The reason a void was asked with, shown again."""


def new_page(
    language: Language, staff: StaffSession, values: Values, errors: Errors, status: int = 200
) -> Template:
    return page(
        "setup/new.html",
        language,
        status=status,
        staff=staff,
        values=values,
        errors=errors,
        **_form_choices(language, str(values.get("currency") or "")),
    )


def setup_page(
    service: RoundService,
    language: Language,
    staff: StaffSession,
    view: RoundView,
    values: Values,
    *,
    errors: Errors | None = None,
    moved: PhaseErrors | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Template:
    config = view.config
    return page(
        "setup/setup.html",
        language,
        status=status,
        staff=staff,
        round=view,
        values=values,
        errors=errors or {},
        moved=moved,
        notice=notice,
        **_report(service, staff, view.id),
        steps=choices.next_steps(view.phase),
        fairness_now=[
            s.text(language)
            for s in fairness_sentences(
                config.fairness.document if config.fairness else None,
                {d.name: d.budget for d in config.districts if d.budget is not None},
                {},
                language,
                config.currency,
            )
        ],
        **_form_choices(language, config.currency),
    )


def report_page(
    service: RoundService, language: Language, staff: StaffSession, view: RoundView
) -> Template:
    """The pre-flight report alone, for the set-up page's script to put in place."""
    return page(
        "setup/report.html",
        language,
        round=view,
        **_report(service, staff, view.id),
    )


def preflight_report(
    service: RoundService, staff: StaffSession, round_id: int
) -> PreflightReport | None:
    """The service's report; None once voting has opened (the check is then behind it)."""
    try:
        return service.preflight(staff.principal, round_id)
    except ConflictError:
        return None


def _report(service: RoundService, staff: StaffSession, round_id: int) -> dict[str, Any]:
    """The report, and a digest of it: the page's script replaces the report when it differs."""
    report = preflight_report(service, staff, round_id)
    text = report.model_dump_json() if report else "voting has opened"
    return {"report": report, "report_state": hashlib.sha256(text.encode()).hexdigest()[:16]}


def _form_choices(language: Language, currency: str) -> dict[str, Any]:
    # The presets' amounts in the round's currency, or euros while none is written well.
    currency = currency if re.fullmatch(r"[A-Z]{3}", currency) else "EUR"
    return {
        "presets": choices.presets(language, currency),
        "rules": choices.rules(language),
        "ballot_types": choices.ballot_types(),
        "limits": choices.LIMITS,
        "outcome_votes": choices.OUTCOME_VOTES,
        "scheduled": choices.SCHEDULED,
        "phases": PHASES,
        "keep": KEEP,
    }
