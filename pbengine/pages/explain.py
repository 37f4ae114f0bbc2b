"""A round's settings in plain words: its phases, its allocation rule, its fairness rules.

The sentences are English message ids, translated when a page is rendered
(`N_` only marks them for the catalogue); amounts come already formatted
for the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pbengine.core.phases import Phase
from pbengine.pages.i18n import Language


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name)
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Sentence:
    """A message id and its variables, translated by the page that shows it."""

    message: str
    variables: dict[str, Any] = field(default_factory=dict)

    def text(self, language: Language) -> str:
        return language.translate(self.message, **self.variables)


PHASES: dict[Phase, str] = {
    Phase.DRAFT: N_("In preparation"),
    Phase.PROPOSALS: N_("Proposals"),
    Phase.REVIEW: N_("Council review"),
    Phase.VOTING: N_("Voting"),
    Phase.CLOSED: N_("Voting closed"),
    Phase.ALLOCATED: N_("Counted"),
    Phase.PUBLISHED: N_("Results published"),
    Phase.DELIVERY: N_("Delivery"),
    Phase.ASSESSMENT: N_("Residents' assessment"),
    Phase.ARCHIVED: N_("Archived"),
    Phase.VOID: N_("Cancelled"),
}

# Two plain sentences per rule family; the variants (thresholds, completions) share them.
RULE_FAMILIES: dict[str, tuple[str, str]] = {
    "greedy": (
        N_(
            "Projects are funded in order of their votes, most votes first, for as long "
            "as the money left covers them."
        ),
        N_("A project that no longer fits in the budget is passed over."),
    ),
    "equalshares": (
        N_(
            "Every voter gets an equal share of the budget to spend on the projects they voted for."
        ),
        N_(
            "A project is funded when its supporters can pay for it together, so every "
            "group of voters gets a fair part of the budget."
        ),
    ),
    "max-welfare": (
        N_("Every combination of projects that fits the budget is considered."),
        N_("The combination with the most votes in total is funded."),
    ),
    "phragmen": (
        N_(
            "The cost of each funded project is shared out among its supporters as evenly "
            "as possible."
        ),
        N_(
            "Projects are chosen one by one so that no group of voters carries much more "
            "of the cost than the others."
        ),
    ),
}


def rule_family(rule: str) -> str | None:
    for family in ("greedy", "equalshares", "max-welfare", "phragmen"):
        if rule.startswith(family):
            return family
    return None


def rule_sentences(rule: str) -> list[Sentence]:
    family = rule_family(rule)
    if family is None:
        return []
    return [Sentence(message) for message in RULE_FAMILIES[family]]


def fairness_sentences(
    document: Mapping[str, Any] | None,
    district_budgets: Mapping[str, str],
    titles: Mapping[str, str],
    language: Language,
    currency: str,
) -> list[Sentence]:
    """The round's fairness rules (its fairness document, its district budgets) in words."""

    def amount(text: str) -> str:
        if text.endswith("%"):
            share = Decimal(text.removesuffix("%")) / 100
            return language.translate(N_("%(share)s of the budget"), share=language.percent(share))
        return language.money(text, currency)

    sentences = [
        Sentence(
            N_("%(district)s has a budget of its own, %(amount)s, for its projects alone."),
            {"district": name, "amount": language.money(budget, currency)},
        )
        for name, budget in district_budgets.items()
    ]
    sentences += list(_document_sentences(document or {}, titles, language, amount))
    return sentences


def _document_sentences(
    document: Mapping[str, Any],
    titles: Mapping[str, str],
    language: Language,
    amount: Any,
) -> Iterator[Sentence]:
    yield from _spending_sentences(document, language, amount)
    yield from _support_sentences(document, language, amount)
    yield from _set_sentences(document, titles)


def _spending_sentences(
    document: Mapping[str, Any], language: Language, amount: Any
) -> Iterator[Sentence]:
    """Floors and caps on districts and categories."""
    districts = document.get("districts") or {}
    if districts.get("floor"):
        share = Decimal(str(districts.get("floor_share", "100%")).removesuffix("%")) / 100
        message = (
            N_(
                "Every district is guaranteed at least its share of %(share)s of the budget, "
                "in proportion to its population."
            )
            if districts["floor"] == "population"
            else N_(
                "Every district is guaranteed at least its share of %(share)s of the budget, "
                "in proportion to the voters who live there."
            )
        )
        yield Sentence(message, {"share": language.percent(share)})
    for section in (districts, document.get("categories") or {}):
        for name, value in (section.get("floors") or {}).items():
            yield Sentence(N_("%(name)s gets at least %(amount)s."), _named(name, value, amount))
        for name, value in (section.get("caps") or {}).items():
            yield Sentence(N_("%(name)s gets at most %(amount)s."), _named(name, value, amount))


def _support_sentences(
    document: Mapping[str, Any], language: Language, amount: Any
) -> Iterator[Sentence]:
    """Thresholds, the proposer cap, reweighting and outcome shares."""
    support = document.get("support") or {}
    if support.get("min_votes"):
        yield Sentence(
            N_("A project needs at least %(votes)s votes to be funded."),
            {"votes": language.number(support["min_votes"])},
        )
    if support.get("min_share"):
        share = Decimal(str(support["min_share"]).removesuffix("%")) / 100
        yield Sentence(
            N_("A project needs the votes of at least %(share)s of the voters to be funded."),
            {"share": language.percent(share)},
        )
    if document.get("proposers"):
        yield Sentence(
            N_("The projects of any one proposer get at most %(amount)s in total."),
            {"amount": amount(str(document["proposers"]["cap"]))},
        )
    if document.get("reweighting"):
        yield Sentence(
            N_(
                "Votes are weighted so that each group of residents counts in proportion to "
                "its population, however many of them voted."
            )
        )
    outcome_shares = document.get("outcome_shares")
    if outcome_shares is not None:
        floor = Decimal(str(outcome_shares.get("floor", "0%")).removesuffix("%")) / 100
        yield Sentence(
            N_(
                "Residents' votes on the outcome priorities share out the budget: each "
                "priority gets at least %(share)s, the rest follows the votes."
            ),
            {"share": language.percent(floor)},
        )


def _set_sentences(document: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Sentence]:
    for group in document.get("exclusive") or []:
        yield Sentence(
            N_("At most one of these projects can be funded: %(projects)s."),
            {"projects": _listed(group, titles)},
        )
    for group in document.get("together") or []:
        yield Sentence(
            N_("These projects are funded together or not at all: %(projects)s."),
            {"projects": _listed(group, titles)},
        )


def _named(name: str, value: Any, amount: Any) -> dict[str, str]:
    return {"name": name, "amount": amount(str(value))}


def _listed(ids: list[str], titles: Mapping[str, str]) -> str:
    return "; ".join(titles.get(i, i) for i in ids)
