"""Replay detects every single-event modification of a live round's record (1,000+ events).

The round is run through the real services on SQLite: proposals, review,
1,000 voter codes, 1,000 ballots (some revoted, some entered on paper), an
allocation and publication. Each class of modification is then applied at
every position it can be, and replay must fail every time, naming the event
or record field where the record stops holding together.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from pbengine.core.audit.chain import next_event
from pbengine.core.audit.commitment import ballot_contents, commitment
from pbengine.service.audit import AuditService
from pbengine.service.config import RoundConfig
from pbengine.service.errors import OPERATOR, Principal
from pbengine.service.identity import principal_for
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replay import replay
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from pbengine.store.database import make_engine, upgrade
from tests.integration.records import relinked

STAFF = Principal(role="council", council="Tamperton", staff="Sam at the town hall")
VOTERS = 1_000
Record = dict[str, Any]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Record:
    url = f"sqlite:///{tmp_path_factory.mktemp('tamper') / 'round.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    chance = random.Random(7)
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        config = RoundConfig.model_validate(
            {
                "title": "Tamperton 2027",
                "budget": "100000",
                "districts": [{"name": "East"}, {"name": "West"}],
                "ballot": {"type": "approval", "max_length": 3},
                "rule": "equalshares/add1",
                "revote": True,
            }
        )
        round_id = rounds.create(STAFF, config).id
        rounds.change_phase(STAFF, round_id, "proposals")
        keys = []
        for i in range(8):
            cost = str(10_000 + 5_000 * i)
            proposal = ProposalIn(title=f"Project {i}", cost_estimate=cost, proposer=f"group {i}")
            keys.append(proposals.propose(Principal(), round_id, proposal).id)
        rounds.change_phase(STAFF, round_id, "review")
        for key in keys[:-1]:
            proposals.review(STAFF, round_id, key, ReviewIn(decision="accept", cost="20000"))
        proposals.review(STAFF, round_id, keys[-1], ReviewIn(decision="reject", reason="no site"))
        rounds.change_phase(STAFF, round_id, "voting")
        voting = VotingService(session)
        codes = voting.issue_codes(STAFF, round_id, VoterCodesIn(count=VOTERS // 2))
        codes += voting.issue_codes(
            STAFF, round_id, VoterCodesIn(count=VOTERS // 2, attributes={"district": "West"})
        )
        for n, code in enumerate(codes):
            ballot = BallotIn(projects=chance.sample(keys[:-1], chance.randint(1, 3)))
            if n % 10 == 0:  # every tenth on paper, entered by staff
                paper = ballot.model_copy(update={"voter_code": code, "channel": "paper"})
                voting.cast(STAFF, round_id, paper)
                continue
            voter = principal_for(session, code)
            voting.cast(voter, round_id, ballot)
            if n % 25 == 1:  # some change their mind
                voting.cast(voter, round_id, BallotIn(projects=[keys[0]]))
        voting.issue_codes(STAFF, round_id, VoterCodesIn(count=10))  # never used
        rounds.change_phase(STAFF, round_id, "closed")
        ResultsService(session).allocate(STAFF, round_id)
        rounds.change_phase(STAFF, round_id, "published")
        exported = AuditService(session).record(OPERATOR, round_id)
    engine.dispose()
    return exported.model_dump(mode="json")


def fails(record: Record, *where: str) -> None:
    outcome = replay(record)
    assert not outcome.ok
    assert outcome.problem is not None
    assert any(w in outcome.problem for w in where), outcome.problem


def test_the_untouched_record_replays(record: Record) -> None:
    assert len(record["events"]) >= 1_000
    outcome = replay(record)
    assert outcome.ok, outcome.problem
    assert outcome.result_hash == record["result_hash"]


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "x"]
    if isinstance(value, dict):
        return {**value, "x": 1}
    return "x"  # None


def _with_event(record: Record, i: int, event: dict[str, Any]) -> Record:
    """The record with event i replaced; the rest shared, not copied (1,000 events)."""
    events = list(record["events"])
    events[i] = event
    return {**record, "events": events}


def test_changing_a_payload_field_of_any_event_is_detected(record: Record) -> None:
    """At every event, one payload field, taking each field in turn across the log."""
    covered: set[tuple[str, str]] = set()
    for i, event in enumerate(record["events"]):
        fields = sorted(event["payload"])
        field = fields[i % len(fields)]
        covered.add((event["type"], field))
        payload = {**event["payload"], field: _changed(event["payload"][field])}
        fails(_with_event(record, i, {**event, "payload": payload}), f"event {i} ")
    assert len({kind for kind, _ in covered}) >= 6


def test_changing_an_events_height_type_time_or_parent_is_detected(record: Record) -> None:
    for i, event in enumerate(record["events"]):
        field = ("height", "type", "at", "parent")[i % 4]
        fails(_with_event(record, i, {**event, field: _changed(event[field])}), f"event {i} ")


def test_deleting_any_event_is_detected(record: Record) -> None:
    last = len(record["events"]) - 1
    for i in range(len(record["events"])):
        events = record["events"][:i] + record["events"][i + 1 :]
        # Removing the last event leaves an intact shorter chain: the head gives it away.
        fails({**record, "events": events}, f"event {i} " if i < last else "record field head")


def test_reordering_any_two_neighbouring_events_is_detected(record: Record) -> None:
    for i in range(len(record["events"]) - 1):
        events = list(record["events"])
        events[i], events[i + 1] = events[i + 1], events[i]
        fails({**record, "events": events}, f"event {i} ")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every leaf of a JSON value, as a path of keys and indices."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*path, i))] or [path]
    return [path]


def test_changing_any_field_of_the_result_is_detected(record: Record) -> None:
    leaves = _paths(record["result"])
    assert len(leaves) > 30
    for path in leaves:
        tampered = {**record, "result": copy.deepcopy(record["result"])}
        holder: Any = tampered["result"]
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = _changed(holder[path[-1]])
        fails(tampered, "record field result")
    fails({**record, "result_hash": _changed(record["result_hash"])}, "record field result_hash")


Forged = tuple[dict[str, Any], dict[str, Any]]


def _forged_ballot(record: Record, voter: str) -> Forged:
    """A ballot event committing to a ballot, and the opening a forger would add for it."""
    projects = [p["project"] for p in record["result"]["decisions"]][:1]
    first = next(e for e in record["events"] if e["type"] == "ballot.cast")
    contents = ballot_contents(projects, None, [], {})
    opening: dict[str, Any] = {"nonce": "forged", "ballot": contents}
    sealed = commitment("forged", contents)
    return {**first["payload"], "voter": voter, "commitment": sealed, "replaces": None}, opening


def _voting_window(record: Record) -> range:
    events = record["events"]
    opened = next(i for i, e in enumerate(events) if e["payload"].get("to") == "voting")
    closed = next(i for i, e in enumerate(events) if e["payload"].get("to") == "closed")
    return range(opened + 1, closed + 1)


def _insert(record: Record, at: int, ballot: Forged, relink: bool) -> Record:
    """A forged ballot event at position `at`; `relink`: the forger also re-hashes the rest,
    and files every opening under its ballot's new tracker, the forged one's too."""
    payload, opening = ballot
    events = list(record["events"])
    parent = events[at - 1]["hash"]
    forged = next_event(at, parent, "ballot.cast", events[at - 1]["at"], payload).to_json()
    events.insert(at, forged)
    if not relink:
        return {**record, "events": events}
    linked = relinked(record, events)
    renamed = {old["hash"]: new["hash"] for old, new in zip(events, linked["events"], strict=True)}
    openings = {renamed[t]: o for t, o in record["openings"].items()}
    return {**linked, "openings": {**openings, renamed[forged["hash"]]: opening}}


def test_a_forged_ballot_is_detected_wherever_it_is_put(record: Record) -> None:
    forged = _forged_ballot(record, "voter-who-never-got-a-code")
    for at in range(1, len(record["events"]) + 1):
        # The forgery links to the event before it; the event after it no longer fits.
        fails(_insert(record, at, forged, relink=False), f"event {at + 1} ", "record field head")


def test_a_forged_ballot_is_detected_even_if_the_forger_rehashes_the_whole_log(
    record: Record,
) -> None:
    """With every hash recomputed the chain is whole; the content must give the forgery away."""
    window = list(_voting_window(record))
    issued = {
        key
        for e in record["events"]
        if e["type"] == "voter_codes.issued"
        for key in e["payload"]["voter_keys"]
    }
    issued_at = {
        key: i
        for i, e in enumerate(record["events"])
        if e["type"] == "voter_codes.issued"
        for key in e["payload"]["voter_keys"]
    }
    voted = {e["payload"]["voter"] for e in record["events"] if e["type"] == "ballot.cast"}
    unused = sorted(issued - voted)
    chance = random.Random(11)
    checks: list[tuple[int, Forged, str]] = []
    for at in [*chance.sample(window, 12), *window[-3:]]:
        checks.append((at, _forged_ballot(record, "never-issued"), "forged ballot"))
        # A key issued but never used: before its issue the key gives the forgery away;
        # after it, only the recomputed result can tell.
        why = "differs" if at > issued_at[unused[0]] else "forged ballot"
        checks.append((at, _forged_ballot(record, unused[0]), why))
    assert unused
    # A second ballot for a voter who did vote must name the ballot it replaces.
    voter = sorted(voted)[0]
    checks += [(at, _forged_ballot(record, voter), "replaces") for at in window[-3:]]
    for at, ballot, why in checks:
        fails(_insert(record, at, ballot, relink=True), why)


FIELD_EDITS: list[tuple[str, Callable[[Record], None]]] = [
    ("format", lambda r: r.update(format="something else")),
    ("rules", lambda r: r["rules"].update(rule="greedy")),
    ("head", lambda r: r["head"].update(height=r["head"]["height"] + 1)),
]


@pytest.mark.parametrize(("name", "edit"), FIELD_EDITS, ids=[n for n, _ in FIELD_EDITS])
def test_changing_the_records_own_fields_is_detected(
    record: Record, name: str, edit: Callable[[Record], None]
) -> None:
    tampered = copy.deepcopy(record)
    edit(tampered)
    fails(tampered, name)


def test_a_record_file_round_trips(record: Record, tmp_path: Path) -> None:
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    assert replay(json.loads(saved.read_text(encoding="utf-8"))).ok
