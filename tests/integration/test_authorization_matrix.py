"""Who may call what (issue 15; OWASP API1, API2, API3 and API5), over HTTP on SQLite and
PostgreSQL: every route of the API, enumerated from the app itself, against every kind of
caller, with the status each must get, in one table (MATRIX).

Allowed cells expect a 2xx, or a refusal that is about the request rather than the caller
(a phase or validation 409/422); forbidden cells expect 401 (no or a dead credential), 403
(the wrong kind of caller) or 404 where the API deliberately hides another council's round.
A route added to the app without a row here fails `test_every_route_has_a_row`.

Alongside the matrix: no answer and no log line carries a voter code, a token or a voter's
pseudonym (which ties a ballot's choices to its code), the private parts of a round (who
proposed, a volunteer's contact) reach only those allowed to see them, and every body of a
create or update route refuses server-owned fields by name (400) without storing anything.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from pbengine.api import create_app
from pbengine.api.auth import IDENTIFIED_BY_HANDLER
from pbengine.service.throttle import Limit, Throttle, Throttles
from pbengine.store.tables import TokenRow
from pbengine.store.tokens import TokenRepository, create_token, digest
from tests.integration.http import Client, as_voter, ok

COUNCIL = "Authzville"
OTHER = "Othertown"
PROPOSER = "Wanda Private-Proposer"
CONTACT = "volunteer.private@example.org"
API = "/api/v1"

ROLES = (
    "anonymous",  # no Authorization header
    "resident",  # a voter code of the round the route is about
    "other code",  # a voter code of another round (of the same council)
    "assessor",  # an assessment code of the round in assessment (elsewhere: of another round)
    "council",  # staff of the round's council
    "other council",  # staff of another council
    "auditor",  # an auditor of the round's council
    "other auditor",  # an auditor of another council
    "expired",  # the round's council's staff token, expired
    "revoked",  # the round's council's staff token, revoked
)

# Routes that are not the JSON API (the pages, mounted by pbengine.web, are not in this app)
# or that serve the same document to everyone by construction: the OpenAPI schema and its
# viewer's assets.
EXCLUDED = {
    ("GET", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/swagger"),
    ("GET", "/schema/oauth2-redirect.html"),
    ("GET", "/schema/assets/{file_path:path}"),
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    """The route as the app names it; its {placeholders} are filled in from the world."""
    round: str | None
    """The kind of round the route is called on (World.round), or None."""
    statuses: tuple[int, ...]
    """The expected status for each of ROLES, in order."""
    body: Any = None
    project: int = 0
    """Which of the round's projects a {project} in the path is (bench, lights, pond)."""


def row(
    method: str, path: str, round_: str | None, body: Any, statuses: str, *, project: int = 0
) -> Row:
    expected = tuple(int(status) for status in statuses.split())
    assert len(expected) == len(ROLES), (method, path)
    return Row(method, path, round_, expected, body, project)


R = f"{API}/rounds/{{round_id:int}}"
COUNCILS = f"{API}/councils/{{council:str}}"
BATCHES = f"{R}/paper-batches"
BATCH = f"{BATCHES}/{{batch_id:int}}"
DELIVERY = f"{R}/delivery/{{project:str}}"
ASSESSMENT = f"{R}/assessment/{{project:str}}"
REVIEW = {"decision": "accept", "cost": "1000"}
DECISION = {"position": 1, "choice": "pass_1", "note": "reads as entered"}
SPEND = {"amount": "100", "on": "2027-05-03"}
LINK = {"url": "https://example.org/a.jpg", "title": "A"}
TOOK_PART = {"took_part": True, "note": "came"}
CFG = {"title": "Created", "budget": "1000"}
BALLOT = {"projects": ["{p1}"], "outcomes": ["parks"]}
PAPER = {"voter_code": "{code3}", "projects": ["{p1}"]}
PAPER_FIX = {"voter_code": "{code2}", "projects": ["{p2}"]}
SWINGS = {"title": "Swings", "cost_estimate": "100", "outcomes": ["parks"]}
ASSESS = {"happened": "yes", "used": "yes", "helped": {"parks": 4}}
MILESTONE = {"title": "Dug", "planned": "2027-09-01", "status": "in_progress"}
VOLUNTEER = {"name": "Ola", "kind": "resident", "offer": "I can paint", "contact": CONTACT}
TINY_PB = (
    "META\nkey;value\ndescription;Tiny\ncountry;Nowhere\nunit;Riverside\ninstance;2026\n"
    "num_projects;2\nnum_votes;1\nbudget;1000\nvote_type;approval\nrule;greedy\n"
    "PROJECTS\nproject_id;cost;votes\n1;500;1\n2;600;0\nVOTES\nvoter_id;vote\nv1;1\n"
)

# One row per route (a route may have several, one per round it is tried on). Each row's
# second line is the expected status for each caller, in the order of ROLES:
#   ano  anonymous         cou  council of the round's council
#   res  resident's code   ocu  another council's staff
#   oth  another round's   aud  auditor of the round's council
#   asc  assessment code   oau  another council's auditor
#                          exp, rev  the council's token, expired / revoked
# fmt: off
MATRIX = (
    # Public reads, the same for everyone with a live credential or none. A dead token
    # (expired, revoked) is refused on every route of the API, public ones included, so a
    # client learns at once that it is dead (api/auth.py).
    #                                                    ano res oth asc cou ocu aud oau exp rev
    row("GET", f"{API}/rounds", None, None,              "200 200 200 200 200 200 200 200 401 401"),
    row("GET", R, "draft", None,                         "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/head", "voting", None,              "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/checkpoints", "voting", None,       "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/ballots/count", "voting", None,     "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/trackers", "allocated", None,       "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/delivery", "delivery", None,        "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/assessment", "assessment", None,    "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{COUNCILS}/outcomes", None, None,       "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{COUNCILS}/outcomes.csv", None, None,   "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{API}/rules", None, None,               "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{API}/rules/presets", None, None,       "200 200 200 200 200 200 200 200 401 401"),
    # Not the API: liveness, readiness and the published keys serve everyone alike and do
    # not look at the header (a load balancer or a verifier sends none).
    row("GET", "/health", None, None,                    "200 200 200 200 200 200 200 200 200 200"),
    row("GET", "/ready", None, None,                     "200 200 200 200 200 200 200 200 200 200"),
    row("GET", "/.well-known/pbengine-keys.json", None, None,
                                                         "200 200 200 200 200 200 200 200 200 200"),
    # Anyone may offer to help deliver a funded project; only the council reads who did.
    row("POST", f"{DELIVERY}/volunteers", "delivery", VOLUNTEER,
                                                         "201 201 201 201 201 201 201 201 401 401"),
    # Public, but they know the caller (insiders see more).
    row("GET", f"{R}/projects", "proposals", None,       "200 200 200 200 200 200 200 200 401 401"),
    row("GET", f"{R}/results", "published", None,        "200 200 200 200 200 200 200 200 401 401"),
    # Anyone may propose while the round takes proposals.
    row("POST", f"{R}/projects", "proposals", SWINGS,    "201 201 201 201 201 201 201 201 401 401"),
    # Before publication the result is its council's (staff and auditors) only.
    row("GET", f"{R}/results", "allocated", None,        "403 403 403 403 200 403 200 403 401 401"),
    # The record and the export: the council's staff and auditors; to another council's
    # token the round does not exist.
    row("GET", f"{R}/record", "allocated", None,         "401 403 403 403 200 404 200 404 401 401"),
    row("GET", f"{R}/export.pb", "allocated", None,      "401 403 403 403 200 404 200 404 401 401"),
    # Council staff only: residents and auditors are refused, another council's staff are
    # not told the round exists.
    row("POST", f"{API}/rounds", None, CFG,              "401 403 403 403 201 201 403 403 401 401"),
    row("POST", f"{API}/rounds/import", None, TINY_PB,   "401 403 403 403 201 201 403 403 401 401"),
    row("PATCH", R, "draft", {"description": "New"},     "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/phase", "mover", {"phase": "proposals"},
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("GET", f"{R}/preflight", "draft", None,          "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/outcomes", "draft", {"key": "play", "title": "Play"},
                                                         "401 403 403 403 201 404 403 403 401 401"),
    row("POST", f"{R}/projects/{{project_id:str}}/review", "review", REVIEW,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/voter-codes", "voting", {"count": 1},
                                                         "401 403 403 403 201 404 403 403 401 401"),
    row("POST", f"{R}/allocation", "closed", None,       "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/allocation/what-if", "allocated", {},
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/successor", "published", {"budget": "500"},
                                                         "401 403 403 403 201 404 403 403 401 401"),
    # A ballot: with the round's own voter code. Staff enter a paper ballot for a code they
    # give; this body gives none, so the council's is refused for that (422).
    row("POST", f"{R}/ballots", "voting", BALLOT,        "401 201 403 403 422 404 403 403 401 401"),
    # Paper batches: the council's staff. The batch cannot be counted yet: its second pass
    # has not been entered (409).
    row("POST", BATCHES, "voting", {"label": "Library box"},
                                                         "401 403 403 403 201 404 403 403 401 401"),
    row("GET", BATCHES, "voting", None,                  "401 403 403 403 200 404 403 403 401 401"),
    row("GET", BATCH, "voting", None,                    "401 403 403 403 200 404 403 403 401 401"),
    row("GET", f"{BATCH}/ballots", "voting", None,       "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{BATCH}/ballots", "voting", PAPER,     "401 403 403 403 201 404 403 403 401 401"),
    row("PUT", f"{BATCH}/ballots/{{position:int}}", "voting", PAPER_FIX,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{BATCH}/resolutions", "voting", DECISION,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{BATCH}/count", "voting", None,        "401 403 403 403 409 404 403 403 401 401"),
    # Delivery: the council records it (on the bench; the pond is cancelled).
    row("POST", f"{DELIVERY}/milestones", "delivery", MILESTONE,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("PUT", f"{DELIVERY}/milestones/{{number:int}}", "delivery", MILESTONE,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{DELIVERY}/spending", "delivery", SPEND,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{DELIVERY}/links", "delivery", LINK,   "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{DELIVERY}/cancel", "delivery", {"reason": "flooded"},
                                                         "401 403 403 403 200 404 403 403 401 401",
        project=2),
    row("POST", f"{R}/reallocation/what-if", "delivery", {"rule": "carry"},
                                                         "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/reallocation", "delivery", None,   "401 403 403 403 200 404 403 403 401 401"),
    row("GET", f"{R}/volunteers", "delivery", None,      "401 403 403 403 200 404 403 403 401 401"),
    row("POST", f"{R}/volunteers/{{volunteer:int}}/took-part", "delivery", TOOK_PART,
                                                         "401 403 403 403 200 404 403 403 401 401"),
    # Assessment: the council issues codes and answers (on the lights); residents of the
    # round assess with their voter code or an assessment code (the pond; they revise the
    # lights), nobody else.
    row("POST", f"{R}/assessment-codes", "assessment", {"count": 1},
                                                         "401 403 403 403 201 404 403 403 401 401"),
    row("POST", f"{ASSESSMENT}/answer", "assessment", {"text": "We will mend it."},
                                                         "401 403 403 403 200 404 403 403 401 401",
        project=1),
    row("GET", f"{R}/my-assessments", "assessment", None,
                                                         "401 200 403 200 403 403 403 403 401 401"),
    row("POST", ASSESSMENT, "assessment", ASSESS,        "401 201 403 201 403 403 403 403 401 401",
        project=2),
    row("PUT", ASSESSMENT, "assessment", ASSESS,         "401 200 403 200 403 403 403 403 401 401",
        project=1),
)
# fmt: on

FORBIDDEN = {401, 403, 404}


def throttles() -> Throttles:
    # Every cell comes from one client address, and a dead token counts as a wrong code:
    # the real limits (tests/integration/test_limits.py) would answer 429 long before the
    # table ends. Limits this high keep the throttles in the path without deciding a cell.
    def high(what: str) -> Throttle:
        return Throttle(Limit(100_000, 600, what))

    return Throttles(codes=high("codes"), ballots=high("ballots"), proposals=high("proposals"))


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with TestClient(create_app(engine, throttles=throttles())) as test_client:
        yield test_client


class Captured(logging.Handler):
    """Every record of the pbengine loggers, as text with its extra fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__}")


@pytest.fixture
def logs() -> Iterator[Captured]:
    captured = Captured()
    root = logging.getLogger("pbengine")
    level = root.level
    root.addHandler(captured)
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(captured)
        root.setLevel(level)


@dataclass
class Built:
    id: int
    projects: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    batch: int | None = None
    volunteer: int | None = None

    @property
    def url(self) -> str:
        return f"{API}/rounds/{self.id}"


# The phase each kind of round is left in; "mover" is moved by the phase row, "elsewhere"
# holds the other round's code.
KINDS = {
    "draft": "draft",
    "mover": "draft",
    "proposals": "proposals",
    "review": "review",
    "voting": "voting",
    "elsewhere": "draft",
    "closed": "closed",
    "allocated": "allocated",
    "published": "published",
    "delivery": "delivery",
    "assessment": "assessment",
}
ORDER = list(dict.fromkeys(KINDS.values()))
THEIRS = "theirs "
"""A kind prefixed with this is a round of the other council, built by its staff."""


class World:
    """Two councils' tokens, and rounds of the first council in every phase, built on
    demand by driving the real API (each kind once)."""

    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.engine = engine
        self.staff = self.token("council", COUNCIL, "Sam")
        self.secrets: set[str] = set()
        self.credentials: dict[str, str | None] = {
            "anonymous": None,
            "council": self.staff,
            "other council": self.token("council", OTHER, "Olga"),
            "auditor": self.token("auditor", COUNCIL, "Ada"),
            "other auditor": self.token("auditor", OTHER, "Otto"),
            "expired": self.token("council", COUNCIL, "Eve", expired=True),
            "revoked": self.token("council", COUNCIL, "Rex", revoked=True),
        }
        self.rounds: dict[str, Built] = {}
        self.assessment_code = ""
        self.acting = self.staff

    def token(
        self, role: str, council: str, name: str, *, expired: bool = False, revoked: bool = False
    ) -> str:
        with Session(self.engine) as session:
            secret = create_token(session, role=role, council=council, label=name)
            session.commit()
            found = session.exec(
                select(TokenRow).where(TokenRow.token_hash == digest(secret))
            ).one()
            assert found.id is not None
            if revoked:
                TokenRepository(session).revoke(found.id)
            if expired:
                # A token lasts at least a day: its expiry is moved into the past on its row.
                found.expires_at = int(time.time()) - 1
                session.add(found)
            session.commit()
        return secret

    def headers(self, role: str, on: Built | None) -> dict[str, str]:
        if role == "resident":
            secret: str | None = (on or self.round("draft")).codes[0]
        elif role == "other code":
            secret = self.round("elsewhere").codes[0]
        elif role == "assessor":
            self.round("assessment")
            secret = self.assessment_code
        else:
            secret = self.credentials[role]
        return {} if secret is None else {"Authorization": f"Bearer {secret}"}

    def all_secrets(self) -> set[str]:
        known = {s for s in self.credentials.values() if s} | self.secrets
        return known | {s.replace("-", "") for s in known}

    def round(self, kind: str) -> Built:
        if kind not in self.rounds:
            theirs = kind.startswith(THEIRS)
            other = self.credentials["other council"]
            self.acting = other if theirs and other else self.staff
            try:
                self.rounds[kind] = self.build(KINDS[kind.removeprefix(THEIRS)])
            finally:
                self.acting = self.staff
        return self.rounds[kind]

    def move(self, r: Built, phase: str) -> None:
        body = {"phase": phase}
        ok(self.client.post(f"{r.url}/phase", json=body, headers=self.auth()))

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.acting}"}

    def issue(self, r: Built, count: int) -> list[str]:
        made = self.client.post(f"{r.url}/voter-codes", json={"count": count}, headers=self.auth())
        codes: list[str] = ok(made, 201)["codes"]
        self.secrets.update(codes)
        return codes

    def build(self, phase: str) -> Built:
        config = {
            "title": f"{COUNCIL} {phase}",
            "budget": "10000",
            "outcomes": [{"key": "parks", "title": "Parks"}, {"key": "safe", "title": "Safe"}],
            "ballot": {"type": "approval", "max_length": 3},
        }
        r = Built(
            ok(self.client.post(f"{API}/rounds", json=config, headers=self.auth()), 201)["id"]
        )
        r.codes = self.issue(r, 4)
        for step in ORDER[1 : ORDER.index(phase) + 1]:
            getattr(self, f"_to_{step}")(r)
        return r

    def _to_proposals(self, r: Built) -> None:
        self.move(r, "proposals")
        for title in ("bench", "lights", "pond"):
            proposal = {
                "title": title,
                "cost_estimate": "1000",
                "outcomes": ["parks"],
                "proposer": PROPOSER,
            }
            made = self.client.post(f"{r.url}/projects", json=proposal, headers=self.auth())
            r.projects.append(ok(made, 201)["id"])

    def _to_review(self, r: Built) -> None:
        self.move(r, "review")

    def _to_voting(self, r: Built) -> None:
        for project in r.projects:
            review = {"decision": "accept", "cost": "1000"}
            path = f"{r.url}/projects/{project}/review"
            ok(self.client.post(path, json=review, headers=self.auth()))
        self.move(r, "voting")
        batch = {"label": "Town hall box"}
        r.batch = ok(
            self.client.post(f"{r.url}/paper-batches", json=batch, headers=self.auth()), 201
        )["id"]
        entry = {"voter_code": r.codes[2], "projects": [r.projects[0]]}
        path = f"{r.url}/paper-batches/{r.batch}/ballots"
        ok(self.client.post(path, json=entry, headers=self.auth()), 201)

    def _to_closed(self, r: Built) -> None:
        for code in r.codes[:2]:
            ballot = {"projects": r.projects, "outcomes": ["parks"]}
            ok(self.client.post(f"{r.url}/ballots", json=ballot, headers=as_voter(code)), 201)
        self.move(r, "closed")

    def _to_allocated(self, r: Built) -> None:
        ok(self.client.post(f"{r.url}/allocation", headers=self.auth()))

    def _to_published(self, r: Built) -> None:
        self.move(r, "published")

    def _to_delivery(self, r: Built) -> None:
        self.move(r, "delivery")
        path = f"{r.url}/delivery/{r.projects[0]}"
        ok(self.client.post(f"{path}/milestones", json=MILESTONE, headers=self.auth()))
        offer = {**VOLUNTEER, "name": "Setup"}
        r.volunteer = ok(self.client.post(f"{path}/volunteers", json=offer), 201)["volunteer"]

    def _to_assessment(self, r: Built) -> None:
        done = {"title": "Built", "planned": "2027-05-01", "actual": "2027-05-03"}
        # The bench stays under way (its milestone from delivery); lights and pond are done.
        for project in r.projects[1:]:
            path = f"{r.url}/delivery/{project}"
            body = done | {"status": "delivered"}
            ok(self.client.post(f"{path}/milestones", json=body, headers=self.auth()))
            spend = {"amount": "900", "on": "2027-05-03"}
            ok(self.client.post(f"{path}/spending", json=spend, headers=self.auth()))
        self.move(r, "assessment")
        made = self.client.post(f"{r.url}/assessment-codes", json={"count": 1}, headers=self.auth())
        (self.assessment_code,) = ok(made, 201)["codes"]
        self.secrets.add(self.assessment_code)
        # Both residents assessed the second project already, so that they can revise it.
        for code in (r.codes[0], self.assessment_code):
            path = f"{r.url}/assessment/{r.projects[1]}"
            ok(self.client.post(path, json=ASSESS, headers=as_voter(code)), 201)

    def fill(self, text: str, on: Built | None, project: int = 0) -> str:
        """A route's path, or a body's string, with the world's ids and codes in it."""
        on = on or self.round("draft")
        projects = on.projects or ["none"]
        project = min(project, len(projects) - 1)
        values = {
            "{round_id:int}": str(on.id),
            "{council:str}": COUNCIL,
            "{project_id:str}": projects[project],
            "{project:str}": projects[project],
            "{batch_id:int}": str(on.batch),
            "{position:int}": "1",
            "{number:int}": "1",
            "{volunteer:int}": str(on.volunteer),
            "{p1}": projects[0],
            "{p2}": projects[min(1, len(projects) - 1)],
            "{code2}": on.codes[2],
            "{code3}": on.codes[3],
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    def body(self, body: Any, on: Built | None) -> Any:
        if isinstance(body, str):
            return self.fill(body, on)
        if isinstance(body, dict):
            return {k: self.body(v, on) for k, v in body.items()}
        if isinstance(body, list):
            return [self.body(v, on) for v in body]
        return body

    def call(self, r: Row, role: str, headers: dict[str, str] | None = None) -> Any:
        on = self.round(r.round) if r.round else None
        path = self.fill(r.path, on, r.project)
        sent = self.headers(role, on) if headers is None else headers
        if isinstance(r.body, str):
            content = self.fill(r.body, on).encode()
            return self.client.request(r.method, path, content=content, headers=sent)
        body = self.body(r.body, on)
        return self.client.request(r.method, path, json=body, headers=sent)


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    # OPTIONS and HEAD are answered by the framework itself (CORS preflight, GET without
    # its body), never by a handler of ours.
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method not in ("OPTIONS", "HEAD"):
                found.add((method, route.path))
    return found - EXCLUDED


def test_every_route_has_a_row(client: Client) -> None:
    """A route added to the app without a row in MATRIX fails here (and a row for a route
    that no longer exists)."""
    routes = app_routes(client.app)
    rows = {(r.method, r.path) for r in MATRIX}
    assert not routes - rows, f"routes without a row in MATRIX: {sorted(routes - rows)}"
    assert not rows - routes, f"rows for routes the app does not have: {sorted(rows - routes)}"


ISSUING = ("/voter-codes", "/assessment-codes")
VOTER_KEY = re.compile(r"\bv-[0-9a-f]{16}\b")


def test_every_route_for_every_caller(client: Client, engine: Engine, logs: Captured) -> None:
    world = World(client, engine)
    for kind in KINDS:
        world.round(kind)
    wrong: list[str] = []
    replies: list[tuple[str, Row, str]] = []
    for r in MATRIX:
        for role, expected in zip(ROLES, r.statuses, strict=True):
            response = world.call(r, role)
            got = response.status_code
            cell = f"{r.method} {r.path} on {r.round or '-'} as {role}"
            if got != expected:
                wrong.append(f"{cell}: {got}, expected {expected}: {response.text[:300]}")
            elif got in FORBIDDEN:
                wrong.extend(refusal_problems(cell, response, world.round(r.round or "draft")))
            text = response.text
            if r.path.endswith(ISSUING) and got == 201:
                for code in response.json()["codes"]:
                    world.secrets.add(code)
                    text = text.replace(code, "<issued>")
            replies.append((role, r, text))
    assert not wrong, "cells that differ from MATRIX:\n" + "\n".join(wrong)
    check_nothing_leaks(world, replies, logs.lines)


def refusal_problems(cell: str, response: Any, on: Built) -> list[str]:
    """A refusal says why in the usual body; another council's round is answered exactly as a
    round that does not exist."""
    body = response.json()
    if body.get("status") != response.status_code or not body.get("problem"):
        return [f"{cell}: a refusal without its body: {response.text[:300]}"]
    if response.status_code == 401 and body.get("field") != "authorization":
        return [f"{cell}: a 401 that does not name the credential: {body}"]
    if response.status_code == 404 and (body["field"], body["problem"]) != (
        "id",
        f"no round {on.id}",
    ):
        return [f"{cell}: 404 unlike a missing round's: {body}"]
    return []


def check_nothing_leaks(
    world: World, replies: list[tuple[str, Row, str]], lines: list[str]
) -> None:
    secrets = world.all_secrets()
    assert len(secrets) > 10
    for role, r, text in replies:
        where = f"{r.method} {r.path} as {role}"
        assert not [s for s in secrets if s in text], f"{where} answered with a secret"
        if role not in ("council", "auditor"):
            assert PROPOSER not in text, f"{where} named who proposed"
        if role != "council":
            assert CONTACT not in text, f"{where} showed a volunteer's contact"
    # The private parts were there to leak: the council was shown them.
    council_saw = " ".join(text for role, _, text in replies if role == "council")
    assert PROPOSER in council_saw
    assert CONTACT in council_saw
    assert any("/ballots" in line for line in lines), "the pbengine loggers logged nothing"
    for line in lines:
        assert not [s for s in secrets if s in line], f"a log line holds a secret: {line}"
        assert not VOTER_KEY.search(line), f"a log line ties a ballot to its code: {line}"
        assert PROPOSER not in line, line
        assert CONTACT not in line, line


# Mass assignment (OWASP API3): each create or update body, as the caller the route is for,
# with one field the server owns. The import's body is a .pb file, not JSON: what it may set
# is the file format's (tests/integration/test_api.py).
# Object-level authorization (OWASP API1): a batch, volunteer or project of another
# council's round, named through a round the caller may act on, is not found there, and
# nothing of it changes. Each route is tried both ways: each council's staff, on their own
# round, with the other council's object.
NESTED = (
    ("GET", BATCH, None),
    ("GET", f"{BATCH}/ballots", None),
    ("POST", f"{BATCH}/ballots", PAPER),
    ("PUT", f"{BATCH}/ballots/{{position:int}}", PAPER_FIX),
    ("POST", f"{BATCH}/resolutions", DECISION),
    ("POST", f"{BATCH}/count", None),
    ("POST", f"{R}/volunteers/{{volunteer:int}}/took-part", TOOK_PART),
    ("POST", f"{DELIVERY}/milestones", MILESTONE),
    ("PUT", f"{DELIVERY}/milestones/{{number:int}}", MILESTONE),
    ("POST", f"{DELIVERY}/spending", SPEND),
    ("POST", f"{DELIVERY}/links", LINK),
    ("POST", f"{DELIVERY}/volunteers", VOLUNTEER),
    ("POST", f"{DELIVERY}/cancel", {"reason": "flooded"}),
)


def test_another_councils_objects_are_not_found_through_ones_own_round(
    client: Client, engine: Engine
) -> None:
    world = World(client, engine)
    ours = ("council", "voting", "delivery")
    theirs = ("other council", THEIRS + "voting", THEIRS + "delivery")
    before = {kind: seen(world, kind) for kind in (*ours[1:], *theirs[1:])}

    def send(role: str, own_kinds: tuple[str, ...], object_kinds: tuple[str, ...]) -> list[Any]:
        replies = []
        for method, path, body in NESTED:
            which = 0 if "/paper-batches/" in path else 1
            own, owner = world.round(own_kinds[which]), world.round(object_kinds[which])
            url = world.fill(path.replace("{round_id:int}", str(own.id)), owner)
            headers = {"Authorization": f"Bearer {world.credentials[role]}"}
            sent = world.body(body, own)
            replies.append(client.request(method, url, json=sent, headers=headers))
        return replies

    crossed = send(ours[0], ours[1:], theirs[1:]) + send(theirs[0], theirs[1:], ours[1:])
    wrong = [f"{r.request.url}: {r.status_code} {r.text[:200]}" for r in crossed]
    assert [r.status_code for r in crossed] == [404] * len(crossed), "\n".join(wrong)
    assert {kind: seen(world, kind) for kind in before} == before
    # The same requests with the caller's own objects are not refused as not found: the
    # 404s above were the objects' owner's.
    own = send(ours[0], ours[1:], ours[1:])
    assert [r.status_code for r in own if r.status_code == 404] == [], [r.text for r in own]


def seen(world: World, kind: str) -> tuple[Any, ...]:
    """What a change would show in a round: its log's height, its batch, its volunteers."""
    r = world.round(kind)
    owner = world.credentials["other council" if kind.startswith(THEIRS) else "council"]
    headers = {"Authorization": f"Bearer {owner}"}
    height = ok(world.client.get(f"{r.url}/head"))["height"]
    batch = ok(world.client.get(f"{r.url}/paper-batches", headers=headers))
    volunteers = ok(world.client.get(f"{r.url}/volunteers", headers=headers))
    return height, batch, volunteers


@dataclass(frozen=True)
class Mass:
    method: str
    path: str
    kind: str | None
    role: str
    body: dict[str, Any]
    owned: str
    value: Any


def mass(*args: Any) -> Any:
    case = Mass(*args)
    return pytest.param(case, id=f"{case.method} {case.path} {case.owned}")


PASS = {"count": 1}
ON = "2020-01-01T00:00:00Z"
MASS = (
    mass("POST", f"{API}/rounds", None, "council", CFG, "council", OTHER),
    mass("POST", f"{API}/rounds", None, "council", CFG, "id", 1),
    mass("POST", f"{API}/rounds", None, "council", CFG, "phase", "published"),
    mass("PATCH", R, "draft", "council", {"description": "New"}, "phase", "published"),
    mass("PATCH", R, "draft", "council", {"description": "New"}, "council", OTHER),
    mass("PATCH", R, "draft", "council", {"description": "New"}, "frozen", []),
    mass(
        "POST",
        f"{R}/phase",
        "mover",
        "council",
        {"phase": "proposals"},
        "council",
        OTHER,
    ),
    mass("POST", f"{R}/outcomes", "draft", "council", {"key": "play", "title": "P"}, "round", 1),
    mass("POST", f"{R}/projects", "proposals", "anonymous", SWINGS, "status", "accepted"),
    mass("POST", f"{R}/projects", "proposals", "anonymous", SWINGS, "cost", "1"),
    mass("POST", f"{R}/projects", "proposals", "anonymous", SWINGS, "id", "1"),
    mass(
        "POST",
        f"{R}/projects/{{project_id:str}}/review",
        "review",
        "council",
        REVIEW,
        "status",
        "rejected",
    ),
    mass("POST", f"{R}/ballots", "voting", "resident", BALLOT, "tracker", "t-0000"),
    mass("POST", f"{R}/ballots", "voting", "resident", BALLOT, "voter_key", "v-00000000"),
    mass("POST", f"{R}/ballots", "voting", "resident", BALLOT, "hash", "0" * 64),
    mass("POST", f"{R}/ballots", "voting", "resident", BALLOT, "created_at", ON),
    mass("POST", f"{R}/voter-codes", "voting", "council", PASS, "codes", ["AAAA-BBBB"]),
    mass("POST", BATCHES, "voting", "council", {"label": "Box"}, "status", "counted"),
    mass("POST", f"{BATCH}/ballots", "voting", "council", PAPER, "position", 9),
    mass(
        "PUT",
        f"{BATCH}/ballots/{{position:int}}",
        "voting",
        "council",
        PAPER_FIX,
        "staff",
        "Someone else",
    ),
    mass("POST", f"{BATCH}/resolutions", "voting", "council", DECISION, "status", "counted"),
    mass("POST", f"{R}/allocation", "closed", "council", {}, "selected", ["1"]),
    mass("POST", f"{R}/allocation/what-if", "allocated", "council", {}, "result_hash", "0"),
    mass("POST", f"{R}/successor", "published", "council", {"budget": "5"}, "council", OTHER),
    mass("POST", f"{R}/successor", "published", "council", {"budget": "5"}, "phase", "voting"),
    mass("POST", f"{DELIVERY}/milestones", "delivery", "council", MILESTONE, "number", 7),
    mass(
        "PUT",
        f"{DELIVERY}/milestones/{{number:int}}",
        "delivery",
        "council",
        MILESTONE,
        "project",
        "2",
    ),
    mass("POST", f"{DELIVERY}/spending", "delivery", "council", SPEND, "id", 1),
    mass("POST", f"{DELIVERY}/links", "delivery", "council", LINK, "created_at", ON),
    mass(
        "POST",
        f"{DELIVERY}/cancel",
        "delivery",
        "council",
        {"reason": "flooded"},
        "status",
        "delivered",
    ),
    mass(
        "POST",
        f"{R}/reallocation/what-if",
        "delivery",
        "council",
        {"rule": "carry"},
        "applied",
        True,
    ),
    mass("POST", f"{DELIVERY}/volunteers", "delivery", "anonymous", VOLUNTEER, "took_part", True),
    mass(
        "POST",
        f"{R}/volunteers/{{volunteer:int}}/took-part",
        "delivery",
        "council",
        TOOK_PART,
        "contact",
        "attacker@example.org",
    ),
    mass("POST", f"{R}/assessment-codes", "assessment", "council", PASS, "codes", ["X"]),
    mass("POST", ASSESSMENT, "assessment", "resident", ASSESS, "assessor", "a-0000"),
    mass("PUT", ASSESSMENT, "assessment", "resident", ASSESS, "created_at", ON),
    mass(
        "POST",
        f"{ASSESSMENT}/answer",
        "assessment",
        "council",
        {"text": "We will."},
        "replaced",
        False,
    ),
)


@pytest.mark.parametrize("case", MASS)
def test_server_owned_fields_are_refused_by_name(
    client: Client, engine: Engine, case: Mass
) -> None:
    world = World(client, engine)
    target = world.round(case.kind or "draft")
    before = stored(world, target)
    # The project a {project} names: the one the route's row in MATRIX acts on.
    (project,) = {r.project for r in MATRIX if (r.method, r.path) == (case.method, case.path)}
    sent = Row(
        case.method, case.path, case.kind, (), {**case.body, case.owned: case.value}, project
    )
    response = world.call(sent, case.role)
    assert response.status_code == 400, response.text
    refusal = response.json()
    assert refusal["field"] == case.owned, refusal
    assert not [s for s in world.all_secrets() if s in response.text]
    # Refused whole: nothing stored, nothing logged in the round's record.
    assert stored(world, target) == before
    # The same body without the field is the caller's to send: the field was refused.
    fine = world.call(Row(case.method, case.path, case.kind, (), case.body, project), case.role)
    assert fine.status_code < 300, fine.text


def stored(world: World, r: Built) -> tuple[int, int]:
    """How many rounds there are, and how long the round's log is."""
    rounds = ok(world.client.get(f"{API}/rounds"))
    head = ok(world.client.get(f"{r.url}/head"))
    return len(rounds), head["height"]


def test_unknown_codes_on_public_routes_meet_the_wrong_codes_throttle(engine: Engine) -> None:
    """A guessed code sent to a public route is refused (401) and counted like one sent to
    a route that needs it: the 21st from one address in 10 minutes is 429, before any
    lookup, while the public without a credential is still served."""
    world = World(Client(create_app(engine)), engine)
    with world.client:
        public = [f"{API}/rounds", f"{API}/rules", f"{world.round('voting').url}/ballots/count"]
        for n in range(20):
            guess = {"Authorization": f"Bearer ZZZZ-YYYY-XXXX-{n:04d}"}
            refused = world.client.get(public[n % len(public)], headers=guess)
            assert refused.status_code == 401, refused.text
            assert refused.json()["field"] == "authorization"
        code = {"Authorization": f"Bearer {world.round('voting').codes[0]}"}
        for path in public:
            waited = world.client.get(path, headers=code)
            assert waited.status_code == 429, waited.text
            assert waited.json()["field"] == "rate"
            assert 1 <= int(waited.headers["Retry-After"]) <= 600
            assert world.client.get(path).status_code == 200


def test_the_routes_left_to_their_handler_exist(client: Client) -> None:
    """The guard leaves a route whose handler looks its caller up itself (the ballot route)
    to that handler; a route renamed would silently be looked up twice."""
    served = {
        (method, route.path_format)
        for route in client.app.routes
        for method in getattr(route, "methods", ())
    }
    assert not IDENTIFIED_BY_HANDLER - served, IDENTIFIED_BY_HANDLER - served
