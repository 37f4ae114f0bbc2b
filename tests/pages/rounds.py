"""A round built through the services, stepped through its phases as the tests need."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.config import BallotSettings, District, OutcomePriority, RoundConfig
from pbengine.service.errors import PUBLIC, Principal
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import VoterCodesIn, VotingService

STAFF = Principal(role="council", council="Pages test", staff="clerk")

CONFIG = RoundConfig(
    title="Greenfield 2027",
    description="How Greenfield spends part of its 2027 budget.",
    budget="100000",
    currency="EUR",
    districts=[District(name="North", population=5000), District(name="South", population=7000)],
    categories=["parks", "streets"],
    outcomes=[
        OutcomePriority(key="greener", title="Greener streets"),
        OutcomePriority(key="safer", title="Safer routes to school"),
    ],
    ballot=BallotSettings(type="approval", max_length=2, max_outcomes=2),
    rule="greedy",
    fairness=None,
    schedule={
        Phase.PROPOSALS: datetime(2027, 3, 1, tzinfo=UTC),
        Phase.REVIEW: datetime(2027, 4, 1, tzinfo=UTC),
        Phase.VOTING: datetime(2027, 5, 1, tzinfo=UTC),
        Phase.CLOSED: datetime(2027, 5, 31, tzinfo=UTC),
    },
)


def new_round(engine: Engine, config: RoundConfig = CONFIG) -> int:
    with Session(engine) as session:
        return RoundService(session).create(STAFF, config).id


def move(engine: Engine, round_id: int, phase: Phase) -> None:
    with Session(engine) as session:
        RoundService(session).change_phase(STAFF, round_id, phase)


def review(engine: Engine, round_id: int, project: str, decision: ReviewIn) -> None:
    with Session(engine) as session:
        ProposalService(session).review(STAFF, round_id, project, decision)


def codes(engine: Engine, round_id: int, count: int) -> list[str]:
    with Session(engine) as session:
        return VotingService(session).issue_codes(STAFF, round_id, VoterCodesIn(count=count))


def allocate_and_publish(engine: Engine, round_id: int) -> None:
    with Session(engine) as session:
        ResultsService(session).allocate(STAFF, round_id)
        RoundService(session).change_phase(STAFF, round_id, Phase.PUBLISHED)


class _Fields(HTMLParser):
    """The hidden fields of the form posting to `action`, as a browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("action") == self.action
        elif tag == "input" and self.inside and found.get("type") == "hidden":
            self.fields.append((found.get("name") or "", found.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def hidden_fields(page: str, action: str) -> dict[str, Any]:
    parser = _Fields(action)
    parser.feed(page)
    fields: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = [value] if name in ("project", "outcome") else value
    return fields


def error_for(page: str, field: str) -> str:
    """The error shown next to `field`, checking the control names it (aria-describedby)."""
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error shown for {field}"
    control = re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page)
    assert control, f"the {field} control does not point to its error"
    return re.sub(r"<[^>]+>", "", found.group(1))


def voting_round(engine: Engine, ballot: BallotSettings) -> tuple[int, list[str], list[str]]:
    """A round open for voting on `ballot`, with three accepted projects and two codes."""
    round_id = new_round(engine, CONFIG.model_copy(update={"ballot": ballot}))
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        projects = [
            ProposalService(session)
            .propose(
                PUBLIC,
                round_id,
                ProposalIn(title=title, cost_estimate="10000", outcomes=["greener"]),
            )
            .id
            for title in ("Benches", "Bike racks", "Bird boxes")
        ]
    move(engine, round_id, Phase.REVIEW)
    for project in projects:
        review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    move(engine, round_id, Phase.VOTING)
    return round_id, projects, codes(engine, round_id, 2)
