"""Ballot secrecy in the record (docs/audit.md, "Ballot secrecy"), over HTTP on SQLite and
PostgreSQL: a live round's ballot events commit to the ballot; auditors open every
commitment; the published record lists the ballots apart, so no tracker maps to one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.cli import main
from pbengine.core.audit.commitment import commitment
from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app
from tests.integration.records import relinked

COUNCIL = "Secret Ballot Town"
BALLOTS = [["a"], ["a", "b"], ["c"], ["b", "c"], ["a", "c"]]


def voted_round(client: Client, engine: Engine) -> tuple[str, dict[str, str], list[str]]:
    """Five voters online (one revotes), staff enter nothing; voting closes."""
    staff = bearer(engine, "council", COUNCIL, name="clerk")
    config = {"title": "Secrets 2027", "budget": "30000", "ballot": {"type": "approval"}}
    url = (
        f"/api/v1/rounds/{ok(client.post('/api/v1/rounds', json=config, headers=staff), 201)['id']}"
    )
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    keys = {}
    for title in "abc":
        body: dict[str, Any] = {"title": title, "cost_estimate": "10000"}
        keys[title] = ok(client.post(f"{url}/projects", json=body), 201)["id"]
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    for key in keys.values():
        review = {"decision": "accept", "cost": "10000"}
        ok(client.post(f"{url}/projects/{key}/review", json=review, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    codes = ok(client.post(f"{url}/voter-codes", json={"count": 5}, headers=staff), 201)["codes"]
    trackers = []
    for code, names in zip(codes, BALLOTS, strict=True):
        body = {"projects": [keys[n] for n in names]}
        trackers.append(
            ok(client.post(f"{url}/ballots", json=body, headers=as_voter(code)), 201)["tracker"]
        )
    # The first voter changes their mind: only the later ballot counts.
    body = {"projects": [keys["b"]]}
    trackers[0] = ok(client.post(f"{url}/ballots", json=body, headers=as_voter(codes[0])), 201)[
        "tracker"
    ]
    ok(client.post(f"{url}/phase", json={"phase": "closed"}, headers=staff))
    return url, staff, trackers


@dataclass
class Records:
    url: str
    full: dict[str, Any]
    published: dict[str, Any]
    trackers: list[str]
    projects: list[str]

    def casts(self) -> list[dict[str, Any]]:
        return [e for e in self.full["events"] if e["type"] == "ballot.cast"]


@pytest.fixture
def records(engine: Engine) -> Records:
    with running_app(engine) as client:
        url, staff, trackers = voted_round(client, engine)
        auditor = bearer(engine, "auditor", COUNCIL)
        # Published only once the result is: before, 409 naming the phase.
        refused(client.get(f"{url}/record?published=1"), 409, "phase")
        ok(client.post(f"{url}/allocation", headers=staff))
        ok(client.post(f"{url}/phase", json={"phase": "published"}, headers=staff))
        full = ok(client.get(f"{url}/record", headers=auditor))
        published = ok(client.get(f"{url}/record?published=1"))  # anyone
        projects = [p["id"] for p in ok(client.get(f"{url}/projects"))]
    return Records(url, full, published, trackers, projects)


def test_a_tracker_maps_to_no_ballot_and_both_records_replay(
    records: Records,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    full, published, trackers = records.full, records.published, records.trackers
    casts = records.casts()
    assert len(casts) == 6
    for event in casts:
        assert set(event["payload"]) == {"voter", "commitment", "channel", "staff", "replaces"}
    # The full record opens each counted ballot, and only those.
    assert sorted(full["openings"]) == sorted(trackers)
    for tracker, opening in full["openings"].items():
        event = next(e for e in casts if e["hash"] == tracker)
        assert commitment(opening["nonce"], opening["ballot"]) == event["payload"]["commitment"]
    full_replay = replay(full)
    assert full_replay.ok, full_replay.problem

    # The published record: the same chain, the ballots apart, sorted, without nonce or key.
    assert published["events"] == full["events"]
    assert published["openings"] is None
    assert len(published["ballots"]) == 5
    assert published["ballots"] == sorted(
        published["ballots"], key=lambda b: json.dumps(b, sort_keys=True, separators=(",", ":"))
    )
    text = json.dumps(published["ballots"])
    assert not any(o["nonce"] in json.dumps(published) for o in full["openings"].values())
    assert not any(e["payload"]["voter"] in text for e in casts)
    assert sorted(map(json.dumps, published["ballots"])) == sorted(
        json.dumps(o["ballot"]) for o in full["openings"].values()
    )
    published_replay = replay(published)
    assert published_replay.ok, published_replay.problem
    assert published_replay.result_hash == full_replay.result_hash == full["result_hash"]

    # The command line writes the published record too, and replays it.
    monkeypatch.setenv("PBENGINE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    out = tmp_path / "published.json"
    round_id = records.url.rsplit("/", 1)[1]
    assert main(["export", round_id, "--out", str(out), "--published"]) == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["ballots"] == published["ballots"]
    assert exported["openings"] is None
    capsys.readouterr()
    assert main(["replay", str(out)]) == 0
    assert capsys.readouterr().out == f"replay OK {full['result_hash']}\n"


def test_replay_catches_an_altered_missing_or_extra_opening_and_a_changed_list(
    records: Records,
) -> None:
    full, published, trackers, casts = (
        records.full,
        records.published,
        records.trackers,
        records.casts(),
    )
    first = trackers[1]
    changed = json.loads(json.dumps(full))
    changed["openings"][first]["ballot"]["projects"] = [records.projects[2]]
    assert "does not match its commitment" in str(replay(changed).problem)
    missing = json.loads(json.dumps(full))
    del missing["openings"][first]
    assert f"the counted ballot {first} has no opening" in str(replay(missing).problem)
    extra = json.loads(json.dumps(full))
    replaced = next(e["payload"]["replaces"] for e in casts if e["payload"]["replaces"])
    extra["openings"][replaced] = full["openings"][first]
    assert "is no counted ballot's tracker" in str(replay(extra).problem)
    fewer = json.loads(json.dumps(published))
    fewer["ballots"].pop()
    assert "lists 4 ballots, and the log counts 5 committed ballots" in str(replay(fewer).problem)
    swapped = json.loads(json.dumps(published))
    swapped["ballots"][0]["projects"] = [records.projects[0]]
    swapped["ballots"][1]["projects"] = [records.projects[0]]
    assert "differs from the recomputed allocation" in str(replay(swapped).problem)
    forged = json.loads(json.dumps(published))
    forged["ballots"][0]["projects"] = ["no-such-project"]
    assert "names projects not on the ballot" in str(replay(forged).problem)
    bare = {k: v for k, v in full.items() if k != "openings"}
    assert "neither their openings nor a published list" in str(replay(bare).problem)
    # A forger who re-hashes the chain still cannot swap a commitment unnoticed.
    rewritten = json.loads(json.dumps(full))
    i = next(n for n, e in enumerate(rewritten["events"]) if e["hash"] == first)
    rewritten["events"][i]["payload"]["commitment"] = "0" * 64
    rewritten = relinked(rewritten, rewritten["events"])
    assert replay(rewritten).ok is False
