"""What staff choose from when they set up a round: presets, rules, ballots, next phases.

Every list comes from where the engine keeps it (the presets in rules/, the
rules' registry, the ballot types the service accepts, the phase machine),
so a preset or rule added there appears here without a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbengine.core.phases import VOIDABLE, Phase, next_phase
from pbengine.core.rules import RULES
from pbengine.formats.fairness_document import FairnessDocumentError, load_preset, preset_names
from pbengine.pages.explain import N_, Sentence, fairness_sentences, rule_sentences
from pbengine.pages.i18n import Language
from pbengine.service.config_fields import VOTE_TYPES


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    """As its file writes it (in English)."""
    rule: str | None
    sentences: tuple[str, ...]
    """What it does, in the reader's language."""


@dataclass(frozen=True)
class RuleChoice:
    name: str
    summary: str
    """As the registry writes it (in English)."""
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """A phase a round may move to, the button that moves it, and what that means."""

    target: Phase
    button: str
    consequence: str


BALLOT_TYPES = {
    "approval": N_("Approval: residents tick the projects they support"),
    "knapsack": N_("Knapsack: residents tick projects whose costs together fit the budget"),
    "choose-1": N_("Choose one: residents pick a single project"),
    "cumulative": N_("Cumulative: residents share out points among the projects"),
    "scoring": N_("Scoring: residents give each project points"),
    "ordinal": N_("Ordinal: residents rank the projects"),
}

# The ballot's limits: (field, label, hint); the hint says which ballots a limit is for.
LIMITS = (
    ("min_length", N_("Fewest projects a resident must choose"), N_("A whole number.")),
    ("max_length", N_("Most projects a resident may choose"), N_("A whole number.")),
    ("min_sum_cost", N_("Least total cost of the projects chosen"), N_("An amount.")),
    (
        "max_sum_cost",
        N_("Most total cost of the projects chosen"),
        N_("An amount. For a knapsack ballot, empty means the budget."),
    ),
    ("min_points", N_("Fewest points for one project"), N_("Cumulative and scoring ballots.")),
    ("max_points", N_("Most points for one project"), N_("Cumulative and scoring ballots.")),
    ("min_sum_points", N_("Fewest points to give out"), N_("Cumulative and scoring ballots.")),
    ("max_sum_points", N_("Points to share out"), N_("Cumulative and scoring ballots.")),
    (
        "max_outcomes",
        N_("Most outcome priorities a resident may name"),
        N_("A whole number; empty: all of them."),
    ),
)

OUTCOME_VOTES = {
    "ranking": N_("Residents rank the outcome priorities"),
    "approval": N_("Residents tick the outcome priorities they support"),
}

# The phases a form shows a date for (`draft` starts when the round is created).
SCHEDULED = (Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED)

STEPS = {
    Phase.PROPOSALS: Step(
        Phase.PROPOSALS,
        N_("Open the round for proposals"),
        N_("Residents can send proposals from now on, and the round is listed on the site."),
    ),
    Phase.REVIEW: Step(
        Phase.REVIEW,
        N_("Close proposals and start the review"),
        N_("No more proposals are taken; the council reviews the ones sent."),
    ),
    Phase.VOTING: Step(
        Phase.VOTING,
        N_("Open voting"),
        N_(
            "Residents can vote from now on, and the budget, currency, districts, categories, "
            "outcome priorities, ballot, rule, re-voting and fairness rules are frozen: "
            "they cannot change again."
        ),
    ),
    Phase.CLOSED: Step(
        Phase.CLOSED,
        N_("Close voting"),
        N_("No more ballots are taken, online or on paper."),
    ),
    Phase.PUBLISHED: Step(
        Phase.PUBLISHED,
        N_("Publish the results"),
        N_("Everyone can read the results; this cannot be undone."),
    ),
    Phase.DELIVERY: Step(
        Phase.DELIVERY,
        N_("Start delivery"),
        N_(
            "The funded projects are being delivered from now on: their milestones, spending "
            "and documents are published as they change."
        ),
    ),
    Phase.ASSESSMENT: Step(
        Phase.ASSESSMENT,
        N_("Open the assessment"),
        N_(
            "Residents can now say, project by project, whether what was delivered happened, "
            "is used and helps the outcome priorities it was meant to serve."
        ),
    ),
    Phase.ARCHIVED: Step(
        Phase.ARCHIVED,
        N_("Archive the round"),
        N_("The round is over for good; everything in it stays public and readable."),
    ),
    Phase.VOID: Step(
        Phase.VOID,
        N_("Make the round void"),
        N_(
            "The round ends without a result and cannot be reopened; the reason you give "
            "is published with it."
        ),
    ),
}


def next_steps(phase: Phase) -> list[Step]:
    """The moves the phase machine allows (`allocated` comes from running the allocation)."""
    steps = []
    following = next_phase(phase)
    if following is not None and following in STEPS:
        steps.append(STEPS[following])
    if phase in VOIDABLE:
        steps.append(STEPS[Phase.VOID])
    return steps


def presets(language: Language, currency: str) -> list[Preset]:
    found = []
    for name in preset_names():
        try:
            document = load_preset(name)
        except FairnessDocumentError:
            continue  # a broken file in a council's folder: not offered (the API says why)
        dumped = document.model_dump(exclude_none=True, exclude_defaults=True)
        sentences = [*_rule_sentences(document.rule)]
        sentences += fairness_sentences(dumped, {}, {}, language, currency)
        found.append(
            Preset(
                name=name,
                description=" ".join(document.description.split()),
                rule=document.rule,
                sentences=tuple(s.text(language) for s in sentences),
            )
        )
    return found


def rules(language: Language) -> list[RuleChoice]:
    return [
        RuleChoice(
            rule.name,
            rule.summary,
            tuple(s.text(language) for s in _rule_sentences(rule.name)),
        )
        for rule in RULES.values()
    ]


def ballot_types() -> list[tuple[str, str]]:
    """Every ballot type the service accepts, with its label (the name where none)."""
    return [(name, BALLOT_TYPES.get(name, name)) for name in VOTE_TYPES]


def _rule_sentences(rule: str | None) -> list[Sentence]:
    return rule_sentences(rule) if rule else []
