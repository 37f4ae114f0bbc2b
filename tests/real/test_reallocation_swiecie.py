"""Świecie 2023 through the API: cancel the most expensive funded project and see what the
freed money funds under each reallocation rule, explained; replay reproduces it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.service.replay import replay
from tests.integration.conftest import engine, postgres_url
from tests.integration.http import Client, bearer, ok, refused, running_app
from tests.integration.records import relinked

__all__ = ["engine", "postgres_url"]

RULES = ("next-in-order", "rerun", "carry")


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


def in_delivery(
    client: Client, staff: dict[str, str], path: Path, rule: str
) -> tuple[str, list[str]]:
    answer = client.post(
        "/api/v1/rounds/import",
        content=path.read_bytes(),
        params={"reallocation": rule},
        headers=staff,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["reallocation"] == rule
    url = f"/api/v1/rounds/{answer.json()['id']}"
    selected = ok(client.post(f"{url}/allocation", headers=staff))["selected"]
    for phase in ("published", "delivery"):
        ok(client.post(f"{url}/phase", json={"phase": phase}, headers=staff))
    return url, selected


@pytest.mark.parametrize("rule", RULES)
def test_the_money_freed_by_swiecies_dearest_project(
    client: Client, engine: Engine, shared: Path, rule: str
) -> None:
    staff = bearer(engine, "council", "Świecie")
    url, selected = in_delivery(client, staff, shared / "Poland_Swiecie_2023.pb", rule)
    projects = {p["id"]: p for p in ok(client.get(f"{url}/projects"))}
    dearest = max(selected, key=lambda p: int(projects[p]["cost"]))
    assert dearest == "c21"
    ok(client.post(f"{url}/delivery/{dearest}/cancel", json={"reason": "no bidder"}, headers=staff))

    result: dict[str, Any] = ok(client.post(f"{url}/reallocation", headers=staff))
    assert result["applied"] is True
    assert result["released"] == projects[dearest]["cost"] == "291000"
    funded = [f["project"] for f in result["funded"]]
    # What each rule gives (docs/reallocation.md): c16 (150,000) then c15 (80,000) by the
    # order of the vote and by Equal Shares on what is left; carry keeps the money.
    expected = {"next-in-order": ["c16", "c15"], "rerun": ["c16", "c15"], "carry": []}
    assert funded == expected[rule]
    assert result["carried"] == ("291000" if rule == "carry" else "61000")
    explained = {d["project"]: d["explanation"] for d in result["decisions"]}
    for project in funded:
        assert explained[project], project
    if rule == "next-in-order":
        assert "279 votes, 3rd in line" in explained["c16"]

    # Only once; what-ifs of the other rules are logged and change nothing.
    refused(client.post(f"{url}/reallocation", headers=staff), 409, "reallocation")
    others = [r for r in RULES if r != rule]
    for other in others:
        what_if = ok(
            client.post(f"{url}/reallocation/what-if", json={"rule": other}, headers=staff)
        )
        assert what_if["applied"] is False
    delivery = {p["project"] for p in ok(client.get(f"{url}/delivery"))["projects"]}
    assert set(funded) <= delivery
    assert delivery == set(selected) | set(funded)

    record = ok(client.get(f"{url}/record", headers=staff))
    assert replay(record).ok
    # A forger who swaps the applied reallocation's projects and re-hashes is caught.
    events = record["events"]
    applied = next(e for e in events if e["type"] == "allocation.reallocated")
    applied["payload"]["funded"] = [{"project": "c6", "cost": projects["c6"]["cost"]}]
    forged = replay(relinked(record, events))
    assert not forged.ok
