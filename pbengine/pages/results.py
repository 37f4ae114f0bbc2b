"""What a results page shows of a report: charts, funded projects, and the main points of
its equalities report in plain words (the residents' page, and the staff's preview of it)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import partial
from typing import Any

from pbengine.core.money import parse_amount
from pbengine.pages.charts import NONE, against_population, bar_chart
from pbengine.pages.explain import N_, Sentence
from pbengine.pages.i18n import Language
from pbengine.service.replies import ResultsReport

UNKNOWN = "(unknown)"
"""The equalities report's name for voters who did not say where they live."""


def results_context(report: ResultsReport, language: Language) -> dict[str, Any]:
    """What templates/results.html needs beside the round: one place, so the residents'
    page and the staff's preview before publishing show the same."""
    # "(none)" is the report's name for city-wide projects and for those in no category.
    money = {
        "district": _relabelled(report.spend_by_district, language.translate(N_("Whole city"))),
        "category": _relabelled(report.spend_by_category, language.translate(N_("No category"))),
    }
    charts = {
        what: bar_chart(
            amounts, {k: language.money(v, report.currency) for k, v in amounts.items()}
        )
        for what, amounts in money.items()
    }
    names = {p.id: p.name for p in report.projects}
    effect = report.equalities.get("effect") or {}
    return {
        "report": report,
        "charts": charts,
        # Called by the template with the round's districts (`round.config.districts`),
        # which both the residents' page and the staff's preview give it.
        "against_population": partial(against_population, report, language),
        "funded": [p for p in report.projects if p.funded],
        "not_funded": [p for p in report.projects if not p.funded],
        "points": equality_points(report.equalities, names, language, report.currency),
        "brought_in": set(effect.get("brought_in") or ()),
        "pushed_out": set(effect.get("pushed_out") or ()),
    }


def _relabelled(amounts: dict[str, str], none: str) -> dict[str, str]:
    return {none if name == NONE else name: amount for name, amount in amounts.items()}


def equality_points(
    report: Mapping[str, Any], names: Mapping[str, str], language: Language, currency: str
) -> list[Sentence]:
    """The equalities report in plain words: who is served, which districts got their
    share, how the fairness rules' limits came out and what those rules changed."""
    return [
        *_served_points(report, language),
        *_district_points(report, language),
        *_constraint_points(report, language, currency),
        *_effect_points(report, names),
    ]


def _served_points(report: Mapping[str, Any], language: Language) -> list[Sentence]:
    coverage = report.get("coverage") or {}
    points = []
    if coverage.get("overall") is not None:
        points.append(
            Sentence(
                N_("%(share)s of voters see at least one project they voted for funded."),
                {"share": language.percent(coverage["overall"])},
            )
        )
    by_district = coverage.get("by_district") or {}
    if len(by_district) > 1:
        # Those who did not say where they live come last.
        nowhere = language.translate(N_("district not given"))
        listed = "; ".join(
            f"{nowhere if district == UNKNOWN else district} {language.percent(share)}"
            for district, share in sorted(by_district.items(), key=lambda d: d[0] == UNKNOWN)
        )
        points.append(
            Sentence(
                N_(
                    "Voters who see at least one project they voted for funded, by where they "
                    "live: %(districts)s."
                ),
                {"districts": listed},
            )
        )
    return points


SHARE_OF_RESIDENTS = (
    N_(
        "%(district)s got %(spend)s of the spending and is home to %(people)s of the "
        "residents: at least its share."
    ),
    N_(
        "%(district)s got %(spend)s of the spending and is home to %(people)s of the "
        "residents: less than its share."
    ),
)
SHARE_OF_VOTERS = (
    N_(
        "%(district)s got %(spend)s of the spending, and %(people)s of the voters live "
        "there: at least its share."
    ),
    N_(
        "%(district)s got %(spend)s of the spending, and %(people)s of the voters live "
        "there: less than its share."
    ),
)


def _district_points(report: Mapping[str, Any], language: Language) -> list[Sentence]:
    """Whether each district got its share: of the residents, or else of the voters."""
    points = []
    for district, facts in (report.get("spend_by_district") or {}).items():
        spend = facts.get("share_of_spend")
        measures = (
            ("share_of_population", SHARE_OF_RESIDENTS),
            ("share_of_voters", SHARE_OF_VOTERS),
        )
        known = [(facts[key], messages) for key, messages in measures if facts.get(key) is not None]
        if spend is None or not known:
            continue
        share, (at_least, less) = known[0]
        variables = {
            "district": district,
            "spend": language.percent(spend),
            "people": language.percent(share),
        }
        points.append(Sentence(at_least if Fraction(spend) >= Fraction(share) else less, variables))
    return points


FLOOR = {
    True: N_("%(name)s was guaranteed at least %(floor)s and got %(spend)s."),
    False: N_("%(name)s was guaranteed at least %(floor)s but got %(spend)s, %(shortfall)s short."),
}
CAP = {
    True: N_("%(name)s could get at most %(cap)s and got %(spend)s."),
    False: N_("%(name)s could get at most %(cap)s but got %(spend)s."),
}


def _constraint_points(
    report: Mapping[str, Any], language: Language, currency: str
) -> list[Sentence]:
    """Each floor and cap on a district or a category as it came out; the cap on what one
    proposer's projects get, in one sentence naming no proposer."""
    points = []
    proposers = []
    for check in report.get("constraints") or []:
        amounts = {
            k: language.money(check[k], currency)
            for k in ("floor", "cap", "spend", "shortfall")
            if check.get(k) is not None
        }
        if str(check["key"]).startswith("proposers."):
            proposers.append((check, amounts["cap"]))
            continue
        amounts["name"] = _bound_name(str(check["key"]), str(check["label"]), language)
        spend = parse_amount(check["spend"])
        if check.get("floor") is not None:
            points.append(Sentence(FLOOR[spend >= parse_amount(check["floor"])], amounts))
        if check.get("cap") is not None:
            points.append(Sentence(CAP[spend <= parse_amount(check["cap"])], amounts))
    if proposers:
        over = sum(1 for check, _ in proposers if not check.get("met"))
        points.append(
            Sentence(
                N_("Proposers whose projects together got more than %(cap)s: %(count)s."),
                {"cap": proposers[0][1], "count": language.number(over)},
            )
        )
    return points


def _bound_name(key: str, label: str, language: Language) -> str:
    """The district or category a setting such as "districts.floors.North" names."""
    parts = key.split(".", 2)
    kinds = {"districts": N_("District"), "categories": N_("Category")}
    if len(parts) < 3 or parts[0] not in kinds:
        return label
    return f"{language.translate(kinds[parts[0]])} {parts[2]}"


def _effect_points(report: Mapping[str, Any], names: Mapping[str, str]) -> list[Sentence]:
    """What the fairness rules changed, against the rule run without them."""
    effect = report.get("effect") or {}
    points = [
        Sentence(message, {"projects": "; ".join(names.get(p, p) for p in effect[key])})
        for key, message in (
            ("brought_in", N_("Funded only because of the fairness rules: %(projects)s.")),
            (
                "pushed_out",
                N_(
                    "Not funded because of the fairness rules, though they would have been "
                    "without them: %(projects)s."
                ),
            ),
        )
        if effect.get(key)
    ]
    if not points and report.get("enforcement"):
        points.append(
            Sentence(
                N_(
                    "The fairness rules changed nothing: the same projects would have been "
                    "funded without them."
                )
            )
        )
    return points
