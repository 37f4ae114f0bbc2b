"""Bar charts drawn on the server: sizes worked out here, the SVG written by a template.

A chart needs no script and no other host; the table beside it says the
same in text, for screen readers and for anyone who prefers numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.money import parse_amount

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
