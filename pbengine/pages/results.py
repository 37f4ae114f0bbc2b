"""What a results page shows of a report: charts, funded projects, and the main points of
its equalities report in plain words (the residents' page, and the staff's preview of it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbengine.pages.charts import bar_chart
from pbengine.pages.explain import N_, Sentence
from pbengine.pages.i18n import Language
from pbengine.service.replies import ResultsReport

NONE = "(none)"


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
    return {
        "report": report,
        "charts": charts,
        "funded": [p for p in report.projects if p.funded],
        "not_funded": [p for p in report.projects if not p.funded],
        "points": equality_points(report.equalities, names, language, report.currency),
    }


def _relabelled(amounts: dict[str, str], none: str) -> dict[str, str]:
    return {none if name == NONE else name: amount for name, amount in amounts.items()}


def equality_points(
    report: Mapping[str, Any], names: Mapping[str, str], language: Language, currency: str
) -> list[Sentence]:
    points: list[Sentence] = []
    overall = (report.get("coverage") or {}).get("overall")
    if overall is not None:
        points.append(
            Sentence(
                N_("%(share)s of voters see at least one project they voted for funded."),
                {"share": language.percent(overall)},
            )
        )
    points += _district_points(report, language)
    points += _constraint_points(report, language, currency)
    effect = report.get("effect") or {}
    for key, message in (
        ("brought_in", N_("The fairness rules brought in: %(projects)s.")),
        ("pushed_out", N_("The fairness rules left out: %(projects)s.")),
    ):
        if effect.get(key):
            listed = "; ".join(names.get(p, p) for p in effect[key])
            points.append(Sentence(message, {"projects": listed}))
    return points


def _district_points(report: Mapping[str, Any], language: Language) -> list[Sentence]:
    """Each district's share of the spending beside its share of residents or voters."""
    points = []
    for district, facts in (report.get("spend_by_district") or {}).items():
        if facts.get("share_of_spend") is None:
            continue
        spend = language.percent(facts["share_of_spend"])
        if facts.get("share_of_population") is not None:
            points.append(
                Sentence(
                    N_(
                        "%(district)s: %(spend)s of the spending, home to %(population)s of "
                        "the residents."
                    ),
                    {
                        "district": district,
                        "spend": spend,
                        "population": language.percent(facts["share_of_population"]),
                    },
                )
            )
        elif facts.get("share_of_voters") is not None:
            points.append(
                Sentence(
                    N_("%(district)s: %(spend)s of the spending, %(voters)s of the voters."),
                    {
                        "district": district,
                        "spend": spend,
                        "voters": language.percent(facts["share_of_voters"]),
                    },
                )
            )
    return points


def _constraint_points(
    report: Mapping[str, Any], language: Language, currency: str
) -> list[Sentence]:
    points = []
    for check in report.get("constraints") or []:
        if check.get("met"):
            points.append(Sentence(N_("Rule met: %(rule)s."), {"rule": check["label"]}))
        else:
            points.append(
                Sentence(
                    N_("Rule not met: %(rule)s, short by %(shortfall)s."),
                    {
                        "rule": check["label"],
                        "shortfall": language.money(check.get("shortfall") or "0", currency),
                    },
                )
            )
    return points
