"""Bar charts drawn on the server: sizes worked out here, the SVG written by a template.

A chart needs no script and no other host; the table beside it says the
same in text, for screen readers and for anyone who prefers numbers. Besides
plain bars: each district's share of the spending beside its share of the
residents (`against_population`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.money import parse_amount
from pbengine.pages.explain import N_, Sentence
from pbengine.pages.i18n import Language
from pbengine.service.config import District
from pbengine.service.replies import ResultsReport

NONE = "(none)"
"""The results report's name for city-wide projects and for those in no category."""

BAR_HEIGHT = 28
GAP = 12
WIDTH = 400
TEXT_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    amount: str
    shown: str
    """The amount as the reader's language writes it."""
    y: int
    width: float
    """Per cent of the chart's width."""


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int = WIDTH


def bar_chart(amounts: dict[str, str], shown: dict[str, str]) -> Chart:
    """Bars for `amounts` (exact decimal strings), largest first; `shown`: each formatted."""
    values = {label: parse_amount(a) for label, a in amounts.items()}
    top = max(values.values(), default=Fraction(0))
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    step = TEXT_HEIGHT + BAR_HEIGHT + GAP
    bars = [
        Bar(
            label=label,
            amount=amounts[label],
            shown=shown[label],
            y=i * step,
            # A bar is never quite invisible, so a small amount still shows it exists.
            width=round(max(float(value / top) * 100, 0.5), 2) if top else 0.5,
        )
        for i, (label, value) in enumerate(ordered)
    ]
    return Chart(bars=bars, height=max(len(bars) * step, step))


PAIR_BAR = 20
PAIR_STEP = 18 + PAIR_BAR + 4 + PAIR_BAR + 16
"""A pair: its label, its first bar, a gap, its second bar, and the space before the next."""
LEGEND_HEIGHT = 56
BAR_ROOM = 280
"""The longest bar of a paired chart; its value is written after it, within WIDTH."""


@dataclass(frozen=True)
class Pair:
    """Two shares of one thing side by side: e.g. a district's spending and its residents."""

    label: str
    y: int
    first: float
    """The first bar's length, in the chart's units."""
    first_shown: str
    second: float | None
    """None: the second share is not known (its value says so, with no bar)."""
    second_shown: str


@dataclass(frozen=True)
class PairedChart:
    pairs: list[Pair]
    height: int
    width: int = WIDTH
    top: int = LEGEND_HEIGHT
    """Where the pairs start: above them, the legend."""


def paired_chart(
    rows: Sequence[tuple[str, Fraction, Fraction | None]], shown: dict[str, tuple[str, str]]
) -> PairedChart:
    """Pairs of shares (label, first, second), in the order given, on one scale;
    `shown`: each label's two shares as the reader's language writes them."""
    shares = [s for _, first, second in rows for s in (first, second) if s is not None]
    top = max(shares, default=Fraction(0))

    def length(share: Fraction) -> float:
        # As in bar_chart, a bar is never quite invisible.
        return round(max(float(share / top) * BAR_ROOM, 1.0), 1) if top else 1.0

    pairs = [
        Pair(
            label=label,
            y=LEGEND_HEIGHT + i * PAIR_STEP,
            first=length(first),
            first_shown=shown[label][0],
            second=None if second is None else length(second),
            second_shown=shown[label][1],
        )
        for i, (label, first, second) in enumerate(rows)
    ]
    return PairedChart(pairs=pairs, height=LEGEND_HEIGHT + max(len(pairs), 1) * PAIR_STEP)


@dataclass(frozen=True)
class DistrictShare:
    """One district's row of the table beside the chart: its shares as the reader reads them."""

    name: str
    spend: str
    population: str | None
    residents: str | None
    """How many people live there, as the round's districts say."""
    per_resident: str | None


@dataclass(frozen=True)
class AgainstPopulation:
    """Each district's share of the spending beside its share of the residents."""

    chart: PairedChart | None
    """None: no district's population is known, and the page says so instead."""
    rows: list[DistrictShare]
    notes: list[Sentence]


def against_population(
    report: ResultsReport, language: Language, districts: Sequence[District]
) -> AgainstPopulation:
    """From the equalities report, where a city-wide project counts towards each district
    in proportion to its supporters living there; spending per resident needs the
    populations themselves, from the round's districts."""
    populations = {d.name: d.population for d in districts if d.population is not None}
    facts = report.equalities.get("spend_by_district") or {}
    if not populations or not facts:
        return AgainstPopulation(chart=None, rows=[], notes=[])
    rows: list[DistrictShare] = []
    pairs: list[tuple[str, Fraction, Fraction | None]] = []
    shown: dict[str, tuple[str, str]] = {}
    unknown = language.translate(N_("not known"))
    for name, fact in facts.items():
        spend = Fraction(fact.get("share_of_spend") or 0)
        population = _share(fact.get("share_of_population"))
        people = populations.get(name)
        per_resident = (
            language.money(parse_amount(fact["spend"]) / people, report.currency)
            if people and fact.get("spend") is not None  # nobody lives there: no amount
            else None
        )
        shown_population = None if population is None else language.percent(population)
        rows.append(
            DistrictShare(
                name,
                language.percent(spend),
                shown_population,
                None if people is None else language.number(people),
                per_resident,
            )
        )
        pairs.append((name, spend, population))
        shown[name] = (language.percent(spend), shown_population or unknown)
    return AgainstPopulation(
        chart=paired_chart(pairs, shown),
        rows=rows,
        notes=_population_notes(report, language, [s for _, s, _ in pairs]),
    )


def _population_notes(
    report: ResultsReport, language: Language, shares: list[Fraction]
) -> list[Sentence]:
    """How city-wide projects count, and the spending that counts towards no district."""
    if NONE not in report.spend_by_district:
        return []
    notes = [
        Sentence(
            N_(
                "A project for the whole city counts towards each district in proportion to "
                "its supporters who live there."
            )
        )
    ]
    nowhere = 1 - sum(shares, Fraction(0))
    if nowhere >= Fraction(1, 2000):  # what rounding each share leaves is not worth a sentence
        notes.append(
            Sentence(
                N_(
                    "%(share)s of the spending went to projects for the whole city whose "
                    "supporters did not say where they live, so it counts towards no district."
                ),
                {"share": language.percent(nowhere)},
            )
        )
    return notes


def _share(share: str | None) -> Fraction | None:
    return None if share is None else Fraction(share)
