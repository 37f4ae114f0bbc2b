"""The set-up form: what staff wrote, kept as written, and the configuration it asks for.

A district is a line "North, 5000" (name, population, and optionally a
budget of its own), an outcome priority a line "greener, Greener streets"
(key, title), a category a line. Nothing is checked here: the
configuration goes to the service's models, which decide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from litestar.datastructures import FormMultiDict

from pbengine.pages.setup.choices import LIMITS, SCHEDULED
from pbengine.service.config import RoundConfig

TEXTS = ("title", "description", "budget", "currency", "districts", "categories", "outcomes")
CHOICES = ("rule", "fairness", "ballot-type", "outcome_vote", "reallocation")
KEEP = "keep"
"""The fairness choice that keeps a round's own document (one not from a preset)."""

Values = dict[str, Any]


def defaults() -> Values:
    """A new round's form before staff change anything."""
    return {
        **dict.fromkeys(TEXTS, ""),
        "currency": "EUR",
        "rule": "greedy",
        "fairness": "",
        "ballot-type": "approval",
        "outcome_vote": "ranking",
        "revote": True,
        "reallocation": "carry",
        "settings": True,
    }


def posted(form: FormMultiDict) -> Values:
    """The form as sent. `settings` says whether the settings that freeze were on it."""
    values: Values = {name: str(form.get(name) or "").strip() for name in (*TEXTS, *CHOICES)}
    for field, _, _ in LIMITS:
        values[f"ballot-{field}"] = _number(form.get(f"ballot-{field}"))
    for phase in SCHEDULED:
        values[f"schedule-{phase}"] = str(form.get(f"schedule-{phase}") or "").strip()
    values["revote"] = form.get("revote") == "yes"
    values["settings"] = form.get("settings") == "yes"
    return values


def of_config(config: RoundConfig) -> Values:
    """A stored round's settings, written as the form writes them."""
    values: Values = {
        "title": config.title,
        "description": config.description,
        "budget": config.budget,
        "currency": config.currency,
        "districts": "\n".join(
            _district_line(d.name, d.population, d.budget) for d in config.districts
        ),
        "categories": "\n".join(config.categories),
        "outcomes": "\n".join(f"{o.key}, {o.title}" for o in config.outcomes),
        "rule": config.rule or "",
        "fairness": _fairness_choice(config),
        "ballot-type": config.ballot.type,
        "outcome_vote": config.ballot.outcome_vote,
        "revote": config.revote,
        "reallocation": config.reallocation,
        "settings": True,
    }
    for field, _, _ in LIMITS:
        value = getattr(config.ballot, field)
        values[f"ballot-{field}"] = "" if value is None else str(value)
    for phase in SCHEDULED:
        when = config.schedule.get(phase)
        values[f"schedule-{phase}"] = when.date().isoformat() if when else ""
    return values


def config_data(values: Values, current: RoundConfig | None = None) -> dict[str, Any]:
    """The configuration (a new round's) or the changes (a stored round's) the form asks for.

    For a stored round, a date left as it was keeps its time of day, and the preset it
    already uses keeps the document stored with it (even if the preset's file changed).
    """
    data: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "schedule": _schedule(values, current),
    }
    if not values["settings"]:
        return data
    data |= {
        "budget": values["budget"].replace(" ", "").replace("\u00a0", ""),
        "currency": values["currency"].upper(),
        "districts": [_district(line) for line in _lines(values["districts"])],
        "categories": _lines(values["categories"]),
        "outcomes": [_outcome(line) for line in _lines(values["outcomes"])],
        "ballot": _ballot(values),
        "rule": values["rule"],
        "revote": values["revote"],
        "reallocation": values["reallocation"] or "carry",
    }
    chosen = values["fairness"]
    unchanged = current is not None and chosen in (KEEP, _fairness_choice(current))
    if not unchanged:
        data["fairness"] = {"preset": chosen} if chosen and chosen != KEEP else None
    return data


def _fairness_choice(config: RoundConfig) -> str:
    if config.fairness is None:
        return ""
    return config.fairness.preset or KEEP


def _district_line(name: str, population: int | None, budget: str | None) -> str:
    parts = [name, "" if population is None else str(population)]
    if budget is not None:
        parts.append(budget)
    return ", ".join(parts).removesuffix(", ")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _district(line: str) -> dict[str, Any]:
    name, *rest = (part.strip() for part in line.split(","))
    district: dict[str, Any] = {"name": name}
    for key, value in zip(("population", "budget"), rest, strict=False):
        if value:
            district[key] = _number(value)
    if len(rest) > 2:
        district["more"] = ", ".join(rest[2:])  # refused by the model: one line, one district
    return district


def _outcome(line: str) -> dict[str, str]:
    key, _, title = line.partition(",")
    return {"key": key.strip(), "title": title.strip()}


def _ballot(values: Values) -> dict[str, Any]:
    ballot: dict[str, Any] = {
        "type": values["ballot-type"],
        "outcome_vote": values["outcome_vote"],
    }
    for field, _, _ in LIMITS:
        if values[f"ballot-{field}"]:
            ballot[field] = values[f"ballot-{field}"]
    return ballot


def _schedule(values: Values, current: RoundConfig | None) -> dict[str, str]:
    schedule = {}
    for phase in SCHEDULED:
        written = values[f"schedule-{phase}"]
        if not written:
            continue
        before = current.schedule.get(phase) if current else None
        if before is not None and before.date().isoformat() == written:
            schedule[str(phase)] = before.isoformat()
        else:
            schedule[str(phase)] = _midnight(written)
    return schedule


def _midnight(written: str) -> str:
    """A date as the start of that day (UTC); anything else as written, for the model."""
    try:
        return datetime.combine(date.fromisoformat(written), datetime.min.time(), UTC).isoformat()
    except ValueError:
        return written


def _number(value: Any) -> str:
    """A number as people write it: spaces between thousands are dropped."""
    return str(value or "").strip().replace(" ", "").replace("\u00a0", "")
