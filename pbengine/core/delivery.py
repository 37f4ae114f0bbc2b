"""The delivery of funded projects, folded from the round's delivery events.

Each change (a milestone set or updated, money spent, a document linked, a
project cancelled) is one event in the round's log. The service checks a change
with `apply` before it logs it, on the state folded from the events before it;
replay folds the same events through the same `apply`, so a record holding a
change the service would have refused does not replay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from pbengine.core.money import plain

MILESTONE = "delivery.milestone"
"""{project, number, title, planned, actual, status, reason}: a milestone set or updated."""
SPEND = "delivery.spend"
"""{project, amount, on, note}: money spent on a project."""
LINK = "delivery.link"
"""{project, url, title}: a photo or document, as a link."""
CANCELLED = "delivery.cancelled"
"""{project, reason}: a funded project that will not be delivered."""
REALLOCATED = "allocation.reallocated"
"""{rule, released, funded: [{project, cost}], …}: released money given to projects the vote
did not fund (service/reallocation.py); they join the delivery."""
KINDS = (MILESTONE, SPEND, LINK, CANCELLED, REALLOCATED)
SIGNED_UP = "codelivery.signed_up"
"""{volunteer, project, kind}: someone offers to help deliver a project; who they are, what
they offer and how to reach them stay with the council, out of the record."""
TOOK_PART = "codelivery.took_part"
"""{volunteer, took_part}: the council records whether they helped."""

STATUSES = ("planned", "in_progress", "delivered", "delayed", "cancelled")
NEEDS_REASON = ("delayed", "cancelled")
# Money as councils write it, exactly: no exponent, no sign, at most six decimals.
MONEY = re.compile(r"\d{1,15}(\.\d{1,6})?")
TEXT = 200
NOTE = 1000
URL = 2000


class DeliveryError(ValueError):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    planned: str | None
    actual: str | None
    status: str
    reason: str | None


@dataclass(frozen=True)
class Spend:
    amount: Fraction
    on: str
    note: str


@dataclass
class ProjectDelivery:
    """One funded project's delivery so far."""

    project: str
    allocated: Fraction
    milestones: dict[int, Milestone] = field(default_factory=dict)
    spending: list[Spend] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    cancelled: str | None = None
    """Why it will not be delivered; None while it may still be."""

    @property
    def spent(self) -> Fraction:
        return sum((s.amount for s in self.spending), Fraction(0))

    @property
    def state(self) -> str:
        """cancelled; delivered once it has milestones and every one is delivered (or
        dropped as cancelled); in progress once anything has happened; else planned."""
        if self.cancelled is not None:
            return "cancelled"
        statuses = [m.status for m in self.milestones.values()]
        if statuses and "delivered" in statuses and set(statuses) <= {"delivered", "cancelled"}:
            return "delivered"
        if self.spending or any(s != "planned" for s in statuses):
            return "in_progress"
        return "planned"


Delivery = dict[str, ProjectDelivery]


def start(funded: Mapping[str, Fraction]) -> Delivery:
    """Every funded project (id → allocated cost), nothing delivered yet."""
    return {project: ProjectDelivery(project, cost) for project, cost in funded.items()}


def fold(
    funded: Mapping[str, Fraction], events: Iterable[tuple[str, Mapping[str, Any]]]
) -> Delivery:
    delivery = start(funded)
    for kind, payload in events:
        apply(delivery, kind, payload)
    return delivery


def apply(delivery: Delivery, kind: str, payload: Mapping[str, Any]) -> None:
    """Check one change against the delivery so far, then make it (DeliveryError if not)."""
    if kind == REALLOCATED:
        for funded in payload["funded"]:
            key = str(funded["project"])
            delivery[key] = ProjectDelivery(key, Fraction(str(funded["cost"])))
        return
    project = _project(delivery, payload)
    if kind == MILESTONE:
        milestone = _milestone(project, payload)
        project.milestones[milestone.number] = milestone
    elif kind == SPEND:
        project.spending.append(
            Spend(
                _money(payload.get("amount")),
                _date(payload.get("on"), "on", True) or "",
                _text(payload.get("note"), "note", NOTE, required=False),
            )
        )
    elif kind == LINK:
        project.links.append((_url(payload.get("url")), _text(payload.get("title"), "title", TEXT)))
    elif kind == CANCELLED:
        project.cancelled = _text(payload.get("reason"), "reason", NOTE)
    else:
        raise DeliveryError("type", f"unknown kind of delivery change {kind!r}")


def to_json(delivery: ProjectDelivery) -> dict[str, Any]:
    """The delivery of one project as the public reads it; money as exact decimal text."""
    return {
        "project": delivery.project,
        "allocated": plain(delivery.allocated),
        "spent": plain(delivery.spent),
        "state": delivery.state,
        "cancelled": delivery.cancelled,
        "milestones": [vars(m) for _, m in sorted(delivery.milestones.items())],
        "spending": [
            {"amount": plain(s.amount), "on": s.on, "note": s.note} for s in delivery.spending
        ],
        "links": [{"url": url, "title": title} for url, title in delivery.links],
    }


def _project(delivery: Delivery, payload: Mapping[str, Any]) -> ProjectDelivery:
    key = str(payload.get("project") or "")
    found = delivery.get(key)
    if found is None:
        raise DeliveryError("project", f"project {key!r} was not funded in this round")
    if found.cancelled is not None:
        raise DeliveryError("project", f"project {key!r} is cancelled: its delivery is over")
    return found


def _milestone(project: ProjectDelivery, payload: Mapping[str, Any]) -> Milestone:
    number = payload.get("number")
    following = len(project.milestones) + 1
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= following:
        raise DeliveryError(
            "number", f"a milestone of this project is numbered 1 to {following} (the next)"
        )
    status = str(payload.get("status") or "")
    if status not in STATUSES:
        raise DeliveryError("status", f"a milestone's status is one of {', '.join(STATUSES)}")
    reason = payload.get("reason")
    if status in NEEDS_REASON:
        reason = _text(reason, "reason", NOTE)
    elif reason is not None:
        reason = _text(reason, "reason", NOTE, required=False) or None
    planned = _date(payload.get("planned"), "planned", False)
    actual = _date(payload.get("actual"), "actual", False)
    if status == "delivered" and actual is None:
        raise DeliveryError("actual", "a delivered milestone needs its actual date")
    return Milestone(
        number, _text(payload.get("title"), "title", TEXT), planned, actual, status, reason
    )


def _text(value: Any, name: str, limit: int, *, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DeliveryError(name, f"{name} is required")
    if len(text) > limit:
        raise DeliveryError(name, f"{name} is at most {limit:,} characters")
    return text


def _date(value: Any, name: str, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise DeliveryError(name, f"{name} is required: a date such as 2027-06-30")
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise DeliveryError(name, f"{value!r} is not a date such as 2027-06-30") from None


def _money(value: Any) -> Fraction:
    text = str(value or "").strip()
    if not MONEY.fullmatch(text):
        raise DeliveryError("amount", "an amount above zero, such as 1200 or 1200.50")
    amount = Fraction(text)
    if amount <= 0:
        raise DeliveryError("amount", "an amount above zero, such as 1200 or 1200.50")
    return amount


def _url(value: Any) -> str:
    url = str(value or "").strip()
    if not re.fullmatch(r"https?://[^\s]+", url) or len(url) > URL:
        raise DeliveryError(
            "url", f"a link is an http:// or https:// address of at most {URL:,} characters"
        )
    return url
