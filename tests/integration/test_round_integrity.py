"""What a council declares before voting is exactly what runs, and a round never gets stuck.

Over HTTP, on SQLite and PostgreSQL: the frozen rule cannot be bypassed (other
rules are what-ifs, logged and never published), voting opens only after a
pre-flight check of the whole configuration, fairness documents name only
what the round declares, and a round that still cannot produce a result can
be made void, publicly, with its reason.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.core.audit import kinds
from pbengine.core.canonical import digest
from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app
from tests.integration.records import relinked

ROUNDS = "/api/v1/rounds"
FIXTURE_ASSEN = Path(__file__).resolve().parents[1] / "fixtures" / "Netherlands_Assen_2024.pb"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


class Council:
    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.staff = bearer(engine, "council", "c")
        self.auditor = bearer(engine, "auditor", "c")

    def create(self, config: dict[str, Any]) -> str:
        return (
            f"{ROUNDS}/{ok(self.client.post(ROUNDS, json=config, headers=self.staff), 201)['id']}"
        )

    def move(self, url: str, phase: str, **extra: Any) -> Any:
        return self.client.post(f"{url}/phase", json={"phase": phase, **extra}, headers=self.staff)

    def projects(self, url: str, projects: list[dict[str, Any]]) -> list[str]:
        """Propose and accept each project; their ids."""
        ok(self.move(url, "proposals"))
        ids = [ok(self.client.post(f"{url}/projects", json=p), 201)["id"] for p in projects]
        ok(self.move(url, "review"))
        for pid, p in zip(ids, projects, strict=True):
            review = {"decision": "accept", "cost": p["cost_estimate"]}
            ok(self.client.post(f"{url}/projects/{pid}/review", json=review, headers=self.staff))
        return ids

    def vote(self, url: str, ballots: list[dict[str, Any]], **attributes: str) -> None:
        body = {"count": len(ballots), "attributes": attributes}
        codes = ok(self.client.post(f"{url}/voter-codes", json=body, headers=self.staff), 201)
        for code, ballot in zip(codes["codes"], ballots, strict=True):
            ok(self.client.post(f"{url}/ballots", json=ballot, headers=as_voter(code)), 201)

    def record(self, url: str) -> dict[str, Any]:
        record: dict[str, Any] = ok(self.client.get(f"{url}/record", headers=self.auditor))
        return record


# Greedy by votes funds the two big favourites; Equal Shares gives the cohesive minority
# its project. So the two rules differ, and a result shows which one ran.
PROJECTS = [
    {"title": "big-1", "cost_estimate": "40"},
    {"title": "big-2", "cost_estimate": "40"},
    {"title": "small", "cost_estimate": "30"},
]


def _closed_mes_round(council: Council) -> tuple[str, list[str]]:
    url = council.create({"title": "t", "budget": "100", "rule": "equalshares/add1"})
    big1, big2, small = council.projects(url, PROJECTS)
    ok(council.move(url, "voting"))
    council.vote(url, [{"projects": [big1, big2]}] * 6 + [{"projects": [small]}] * 4)
    ok(council.move(url, "closed"))
    return url, [big1, big2, small]


def test_the_frozen_rule_cannot_be_bypassed(client: Client, engine: Engine) -> None:
    council = Council(client, engine)
    url, (big1, big2, small) = _closed_mes_round(council)
    staff = council.staff

    asked = refused(client.post(f"{url}/allocation", json={"rule": "greedy"}, headers=staff), 409)
    assert asked["field"] == "rule"
    assert "equalshares/add1" in asked["problem"]
    assert "what-if" in asked["problem"]

    what_if = ok(client.post(f"{url}/allocation/what-if", json={"rule": "greedy"}, headers=staff))
    assert what_if["rule"] == "greedy"
    assert set(what_if["selected"]) == {big1, big2}
    assert what_if["what_if"]["declared_rule"] == "equalshares/add1"
    assert "never be published" in what_if["what_if"]["warning"]
    assert ok(client.get(url))["phase"] == "closed"  # a what-if is not an allocation
    refused(client.get(f"{url}/results", headers=staff), 409, "allocation")
    refused(council.move(url, "published"), 409, "phase")  # nothing to publish yet

    # The declared rule, named or not, is the only one a result can come from.
    ok(client.post(f"{url}/allocation", json={"rule": "equalshares/add1"}, headers=staff))
    result = ok(client.post(f"{url}/allocation", headers=staff))
    assert result["rule"] == "equalshares/add1"
    assert small in result["selected"]
    ok(client.post(f"{url}/allocation/what-if", json={"rule": "greedy"}, headers=staff))
    ok(council.move(url, "published"))
    published = ok(client.get(f"{url}/results"))
    assert published["rule"] == "equalshares/add1"
    assert published["selected"] == result["selected"]
    refused(client.post(f"{url}/allocation/what-if", json={"rule": "dice"}, headers=staff), 422)

    record = council.record(url)
    assert replay(record).ok, replay(record).problem
    types = [e["type"] for e in record["events"]]
    assert types.count(kinds.ALLOCATION_WHAT_IF) == 2
    assert record["result"]["rule"] == "equalshares/add1"


def test_a_published_result_runs_under_the_frozen_settings_and_replay_checks_it(
    client: Client, engine: Engine
) -> None:
    council = Council(client, engine)
    document = {"rule": "greedy", "exclusive": []}
    url = council.create(
        {"title": "t", "budget": "100", "rule": "greedy", "fairness": {"document": document}}
    )
    ids = council.projects(url, PROJECTS)
    frozen = ok(client.get(url))
    ok(council.move(url, "voting"))
    council.vote(url, [{"projects": ids[:2]}] * 3 + [{"projects": ids[2:]}] * 2)
    ok(council.move(url, "closed"))
    ok(client.post(f"{url}/allocation", headers=council.staff))
    ok(council.move(url, "published"))
    published = ok(client.get(f"{url}/results"))
    assert published["rule"] == frozen["rule"]
    assert published["budget"] == frozen["budget"]
    record = council.record(url)
    assert record["rules"]["fairness"] == frozen["fairness"]["document"]
    (allocation,) = [e for e in record["events"] if e["type"] == kinds.ALLOCATION_COMPUTED]
    settings = allocation["payload"]["settings"]
    assert settings == {
        "rule": frozen["rule"],
        "budget": frozen["budget"],
        "fairness_digest": digest(frozen["fairness"]["document"]),
    }
    assert replay(record).ok, replay(record).problem

    # A forger who puts a what-if's result (another rule) in the allocation's place and
    # re-hashes the whole log still fails replay: the allocation is recomputed.
    what_if = ok(
        client.post(f"{url}/allocation/what-if", json={"rule": "phragmen"}, headers=council.staff)
    )
    assert what_if["rule"] == "phragmen"
    assert published["rule"] == "greedy"
    record = council.record(url)
    events = copy.deepcopy(record["events"])
    trial = next(e for e in events if e["type"] == kinds.ALLOCATION_WHAT_IF)
    for event in events:
        if event["type"] == kinds.ALLOCATION_COMPUTED:
            event["payload"] = {**trial["payload"], "rule": None}
            event["payload"].pop("asked")
    forged = relinked(record, events)
    checked = replay({**forged, "result": trial["payload"]["result"]})
    assert not checked.ok
    assert "the allocation ran under other settings" in (checked.problem or "")

    # So does a log written the old way, with the other rule named as an override.
    events = copy.deepcopy(record["events"])
    for event in events:
        if event["type"] == kinds.ALLOCATION_COMPUTED:
            event["payload"]["rule"] = "phragmen"
    checked = replay(relinked(record, events))
    assert not checked.ok
    assert "not the round's declared rule" in (checked.problem or "")

    # And settings that claim another budget.
    events = copy.deepcopy(record["events"])
    for event in events:
        if event["type"] == kinds.ALLOCATION_COMPUTED:
            event["payload"]["settings"]["budget"] = "90"
    checked = replay(relinked(record, events))
    assert not checked.ok
    assert "settings.budget" in (checked.problem or "")


def test_typos_in_a_fairness_document_are_refused_at_set_up(client: Client, engine: Engine) -> None:
    council = Council(client, engine)
    config = {
        "title": "t",
        "budget": "100",
        "districts": [{"name": "North"}, {"name": "South"}],
        "categories": ["green", "streets"],
    }
    url = council.create(config)
    for document, field, known in (
        ({"districts": {"floors": {"Nort": "10"}}}, "districts.floors.Nort", "North, South"),
        ({"districts": {"caps": {"Nowhere": "10"}}}, "districts.caps.Nowhere", "North, South"),
        ({"categories": {"floors": {"gren": "10"}}}, "categories.floors.gren", "green, streets"),
    ):
        body = {"fairness": {"document": document}}
        problem = refused(client.patch(url, json=body, headers=council.staff), 422)
        assert problem["field"] == f"fairness.document.{field}"
        assert known in problem["problem"]
        refused(client.post(ROUNDS, json={**config, **body}, headers=council.staff), 422)
    assert ok(client.get(url))["fairness"] is None
    ok(
        client.patch(
            url,
            json={"fairness": {"document": {"districts": {"floors": {"North": "10"}}}}},
            headers=council.staff,
        )
    )


def test_preflight_refuses_a_preset_that_cannot_work_and_says_what_to_change(
    client: Client, engine: Engine
) -> None:
    """equal-shares-districts on districts without populations, with a city-wide project:
    accepted before, it then could never allocate, or promised a floor it did not keep."""
    council = Council(client, engine)
    config = {
        "title": "t",
        "budget": "10000",
        "districts": [{"name": "North"}, {"name": "South"}],
        "fairness": {"preset": "equal-shares-districts"},
    }
    url = council.create(config)
    ids = council.projects(
        url,
        [
            {"title": "n", "cost_estimate": "3000", "district": "North"},
            {"title": "s", "cost_estimate": "3000", "district": "South"},
            {"title": "city", "cost_estimate": "4000"},
        ],
    )
    report = ok(client.get(f"{url}/preflight", headers=council.staff))
    assert not report["ready"]
    population = [p for p in report["problems"] if "population" in p["problem"]]
    assert [p["field"] for p in population] == ["fairness.districts.floor"]
    steering = [p for p in report["problems"] if "cannot steer" in p["problem"]]
    assert steering
    assert "max-welfare or greedy" in steering[0]["fix"]
    assert ids[2] in steering[0]["problem"]
    refused_opening = refused(council.move(url, "voting"), 409)
    assert refused_opening["problems"] == report["problems"]
    refused(client.get(f"{url}/preflight"), 401)

    # Fixed as the report says: populations, and the city-wide project given a district.
    districts = [{"name": "North", "population": 600}, {"name": "South", "population": 400}]
    ok(client.patch(url, json={"districts": districts}, headers=council.staff))
    report = ok(client.get(f"{url}/preflight", headers=council.staff))
    assert [p["field"] for p in report["problems"]] == ["fairness.districts.floor"]
    ok(
        client.patch(
            url,
            json={"fairness": {"preset": "max-welfare-with-floors"}},
            headers=council.staff,
        )
    )
    report = ok(client.get(f"{url}/preflight", headers=council.staff))
    assert report["ready"], report
    assert any("attributes.district" in w for w in report["warnings"])
    ok(council.move(url, "voting"))
    refused(client.get(f"{url}/preflight", headers=council.staff), 409, "phase")
    council.vote(url, [{"projects": [ids[2]]}] * 3, district="North")
    council.vote(url, [{"projects": [ids[1]]}] * 2, district="South")
    ok(council.move(url, "closed"))
    result = ok(client.post(f"{url}/allocation", headers=council.staff))
    assert result["rule"] == "max-welfare"


def test_floors_no_vote_could_meet_are_proven_before_voting(client: Client, engine: Engine) -> None:
    council = Council(client, engine)
    projects = [
        {"title": "n", "cost_estimate": "50", "district": "North"},
        {"title": "s", "cost_estimate": "50", "district": "South"},
    ]
    districts = [{"name": "North"}, {"name": "South"}]
    alone = {"rule": "greedy", "districts": {"floors": {"North": "60"}}}
    url = council.create(
        {"title": "t", "budget": "100", "districts": districts, "fairness": {"document": alone}}
    )
    council.projects(url, projects)
    problems = refused(council.move(url, "voting"), 409)["problems"]
    assert [p["field"] for p in problems] == ["fairness.districts.floors.North"]
    assert "proven by CP-SAT" in problems[0]["problem"]

    ids = [p["id"] for p in ok(client.get(f"{url}/projects"))]
    together = {
        "rule": "greedy",
        "districts": {"floors": {"North": "50", "South": "50"}},
        "exclusive": [ids],
    }
    ok(client.patch(url, json={"fairness": {"document": together}}, headers=council.staff))
    problems = refused(council.move(url, "voting"), 409)["problems"]
    assert [p["field"] for p in problems] == ["fairness.floors"]
    assert "cannot all be met together" in problems[0]["problem"]

    ok(client.patch(url, json={"fairness": None}, headers=council.staff))
    ok(council.move(url, "voting"))


def test_a_round_that_cannot_allocate_can_be_made_void_publicly(
    client: Client, engine: Engine
) -> None:
    council = Council(client, engine)
    url, _ = _closed_mes_round(council)
    refused(council.move(url, "void"), 422, "reason")
    refused(council.move(url, "published", reason="why not"), 422, "reason")
    refused(client.post(f"{url}/phase", json={"phase": "void", "reason": "x"}), 401)
    reason = "the ballot paper listed a project twice; the vote is run again in March"
    voided = ok(council.move(url, "void", reason=reason))
    assert voided["phase"] == "void"
    public = ok(client.get(url))
    assert public["void_reason"] == reason
    assert public["frozen"]  # its settings stay as they were voted under
    refused(client.post(f"{url}/allocation", headers=council.staff), 409, "phase")
    refused(council.move(url, "published"), 409, "phase")
    refused(council.move(url, "void", reason="again"), 409, "phase")
    assert ok(client.get(f"{url}/trackers"))["ballots"] == 10
    record = council.record(url)
    assert replay(record).ok, replay(record).problem
    assert record["events"][-1]["payload"]["reason"] == reason

    events = copy.deepcopy(record["events"])
    events[-1]["payload"]["reason"] = " "
    assert "without a reason" in (replay(relinked(record, events)).problem or "")

    draft = council.create({"title": "d", "budget": "10"})
    refused(council.move(draft, "void", reason="x"), 409, "phase")


def _with_header_budget(record: dict[str, Any], before: str, budget: str) -> dict[str, Any]:
    """The record with a configuration event just before the first event of type `before`
    that keeps the configuration and changes the election header's budget, re-hashed."""
    events = copy.deepcopy(record["events"])
    at = next(i for i, e in enumerate(events) if e["type"] == before)
    last = next(e for e in reversed(events[:at]) if "header" in e["payload"])
    header = {**last["payload"]["header"], "budget": budget}
    forged = {
        "type": kinds.ROUND_CONFIGURED,
        "at": events[at]["at"],
        "payload": {"config": last["payload"]["config"], "header": header},
    }
    return relinked(record, [*events[:at], forged, *events[at:]])


def test_replay_refuses_a_header_changed_after_voting_opened(
    client: Client, engine: Engine
) -> None:
    """The budget the rule runs with lives in the election header beside the configuration:
    a forger who changes it after voting opened (or in an imported round, whose votes were
    cast before it was imported) fails replay, even with every event re-hashed."""
    council = Council(client, engine)
    url, _ = _closed_mes_round(council)
    ok(client.post(f"{url}/allocation", headers=council.staff))
    record = council.record(url)
    assert replay(record).ok
    checked = replay(_with_header_budget(record, kinds.ALLOCATION_COMPUTED, "40"))
    assert not checked.ok
    assert "election header" in (checked.problem or "")

    imported = ok(
        client.post(f"{ROUNDS}/import", content=FIXTURE_ASSEN.read_bytes(), headers=council.staff),
        201,
    )
    url = f"{ROUNDS}/{imported['id']}"
    ok(client.post(f"{url}/allocation", headers=council.staff))
    record = council.record(url)
    assert replay(record).ok
    checked = replay(_with_header_budget(record, kinds.ALLOCATION_COMPUTED, "50000"))
    assert not checked.ok
    assert "election header" in (checked.problem or "")


def test_an_import_whose_configuration_would_not_validate_is_refused(
    client: Client, engine: Engine
) -> None:
    council = Council(client, engine)
    text = FIXTURE_ASSEN.read_text(encoding="utf-8").replace("budget;100000", "budget;0")
    before = ok(client.get(ROUNDS))
    problem = refused(
        client.post(f"{ROUNDS}/import", content=text.encode(), headers=council.staff), 422
    )
    assert "positive" in problem["problem"]
    assert ok(client.get(ROUNDS)) == before


def test_small_errors_say_what_is_wrong(client: Client, engine: Engine) -> None:
    council = Council(client, engine)
    url = council.create({"title": "t", "budget": "100"})
    # No token at all is 401 (send one); a token that may not do this is 403.
    refused(client.patch(url, json={"title": "x"}), 401, "authorization")
    refused(client.patch(url, json={"title": "x"}, headers=council.auditor), 403)
    refused(client.post(f"{url}/allocation"), 401)

    # Proposals and ballots need kilobytes; only an import takes megabytes.
    ok(council.move(url, "proposals"))
    huge = {"title": "x", "cost_estimate": "10", "description": "x" * 70_000}
    refused(client.post(f"{url}/projects", json=huge), 413, "body")
    assert ok(client.get(f"{url}/projects")) == []
    ballot = {"projects": ["1"] * 20_000}
    refused(client.post(f"{url}/ballots", json=ballot, headers=as_voter("x")), 413, "body")
    header, votes = FIXTURE_ASSEN.read_text(encoding="utf-8").split("VOTES\n")
    voters = [f"v{i};3,9" for i in range(8_000)]
    big = header + "VOTES\nvoter_id;vote\n" + "\n".join(voters) + "\n"
    assert len(big.encode()) > 64 * 1024
    imported = client.post(f"{ROUNDS}/import", content=big.encode(), headers=council.staff)
    assert imported.status_code == 201, imported.text
    assert votes  # the fixture's own ballots were replaced, not appended
    assert ok(client.get(f"{ROUNDS}/{imported.json()['id']}/ballots/count"))["ballots"] == 8_000
