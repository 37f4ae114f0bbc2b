"""Round records: exported from SQLite and PostgreSQL, replayed, compared, extended."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import pbengine
from pbengine.cli import main
from pbengine.core.audit.result import result_hash
from pbengine.core.canonical import digest
from pbengine.formats.pabulib import read_file
from pbengine.service.audit import AuditService
from pbengine.service.config import RoundConfig
from pbengine.service.errors import OPERATOR, Principal
from pbengine.service.events import ballot_event
from pbengine.service.identity import principal_for
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replay import replay, verify_extends
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from pbengine.settings import Settings
from pbengine.store import digest_key
from pbengine.store.database import make_engine, upgrade
from pbengine.store.signing_keys import key_file, keyring
from tests.conftest import FIXTURES
from tests.integration.http import bearer, ok, refused, running_app
from tests.integration.records import relinked

ASSEN = FIXTURES / "Netherlands_Assen_2024.pb"
COUNCIL = Principal(role="council", council="Assen")
AUDITOR = OPERATOR


def imported_and_allocated(engine: Engine, path: Path) -> dict[str, Any]:
    """Import a pabulib file as a round, run its declared rule, and export the record."""
    with Session(engine) as session:
        view = RoundService(session).import_pb(COUNCIL, path.read_text(encoding="utf-8"))
        ResultsService(session).allocate(COUNCIL, view.id)
        return AuditService(session).record(AUDITOR, view.id).model_dump(mode="json")


@pytest.fixture
def both_engines(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Engine, Engine]]:
    engines = (make_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}"), make_engine(postgres_url))
    for engine in engines:
        upgrade(engine)
    yield engines
    for engine in engines:
        engine.dispose()


def test_sqlite_and_postgresql_records_replay_to_one_result_hash(
    both_engines: tuple[Engine, Engine],
) -> None:
    sqlite_record, postgres_record = (imported_and_allocated(e, ASSEN) for e in both_engines)
    replays = [replay(sqlite_record), replay(postgres_record)]
    assert all(r.ok for r in replays), [r.problem for r in replays]
    assert replays[0].result_hash == replays[1].result_hash == sqlite_record["result_hash"]
    # The logs differ only in their times, so their event hashes differ too.
    assert sqlite_record["head"] != postgres_record["head"]
    assert sqlite_record["result"] == postgres_record["result"]


def first_ballot(record: dict[str, Any]) -> int:
    """The first event holding imported ballots (a batch of them, core/imported_ballots.py)."""
    return next(i for i, e in enumerate(record["events"]) if e["type"] == "ballots.imported")


def test_ballot_order_does_not_change_the_result_hash(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of 10: Assen's 84 ballots span 9 events, and move between them.
    monkeypatch.setattr("pbengine.service.imports.BATCH", 10)
    record = imported_and_allocated(engine, ASSEN)
    events = record["events"]
    batches = [i for i, e in enumerate(events) if e["type"] == "ballots.imported"]
    assert len(batches) == 9
    listed = [b for i in batches for b in events[i]["payload"]["ballots"]]
    assert len(listed) == 84
    shuffled_ballots = list(listed)
    random.Random(2027).shuffle(shuffled_ballots)
    assert shuffled_ballots != listed
    reordered = list(events)
    for i in batches:
        payload = events[i]["payload"]
        first, count = payload["first"], payload["count"]
        moved = {**payload, "ballots": shuffled_ballots[first : first + count]}
        reordered[i] = {**events[i], "payload": moved}
    shuffled = relinked(record, reordered)
    outcome = replay(shuffled)
    assert outcome.ok, outcome.problem
    assert outcome.result_hash == record["result_hash"]


def test_a_record_of_an_import_logged_ballot_by_ballot_still_replays(engine: Engine) -> None:
    """Imports before ballots.imported logged a ballot.cast per ballot (channel import)."""
    record = imported_and_allocated(engine, ASSEN)
    events: list[dict[str, Any]] = []
    for event in record["events"]:
        if event["type"] != "ballots.imported":
            events.append(event)
            continue
        batch = event["payload"]
        for voter, projects, points, values in batch["ballots"]:
            attributes = dict(zip(batch["attributes"], values, strict=True))
            cast = ballot_event(voter, projects, points, [], attributes, channel="import")
            events.append({**event, "type": "ballot.cast", "payload": cast})
    assert len(events) == len(record["events"]) - 1 + 84  # one batch, 84 ballots
    outcome = replay(relinked(record, events))
    assert outcome.ok, outcome.problem
    assert outcome.result_hash == record["result_hash"]


def test_an_imported_rounds_ballots_are_counted_without_trackers(engine: Engine) -> None:
    with Session(engine) as session:
        view = RoundService(session).import_pb(COUNCIL, ASSEN.read_bytes())
        listing = AuditService(session).trackers(view.id)
    assert (listing.ballots, listing.trackers, listing.replaced) == (84, [], [])


def test_an_imported_ballot_is_checked_on_replay(engine: Engine) -> None:
    record = imported_and_allocated(engine, ASSEN)
    i = first_ballot(record)

    def unknown_project(ballots: list[Any]) -> None:
        ballots[0][1] = ["no-such-project"]

    def same_voter_twice(ballots: list[Any]) -> None:
        ballots[1][0] = ballots[0][0]

    def one_dropped(ballots: list[Any]) -> None:
        ballots.pop()

    for change, problem in [
        (unknown_project, "not on the ballot"),
        (same_voter_twice, "a second imported ballot"),
        (one_dropped, "count 84 but 83 ballots"),
    ]:
        tampered = json.loads(json.dumps(record))
        change(tampered["events"][i]["payload"]["ballots"])
        outcome = replay(relinked(tampered, tampered["events"]))
        assert not outcome.ok
        assert problem in str(outcome.problem), outcome.problem
    # Without the ballots' count in step, the recomputed result gives a dropped one away.
    dropped = json.loads(json.dumps(record))
    payload = dropped["events"][i]["payload"]
    payload["ballots"].pop()
    payload["count"] -= 1
    outcome = replay(relinked(dropped, dropped["events"]))
    assert not outcome.ok
    assert "differs" in str(outcome.problem), outcome.problem


def test_wieliczka_record_replays_to_what_wieliczka_funded(
    engine: Engine, shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared / "Poland_Wieliczka_2023_Green_Budget.pb"
    funded = {p.id for p in read_file(path).projects if p.attributes.get("selected") == "1"}
    record = imported_and_allocated(engine, path)
    # The import, 64 projects, 6,586 ballots in batches of 2,000, and the allocation.
    batches = [e["payload"] for e in record["events"] if e["type"] == "ballots.imported"]
    assert [b["count"] for b in batches] == [2_000, 2_000, 2_000, 586]
    assert len(record["events"]) == 1 + 64 + 4 + 1
    assert set(record["result"]["selected"]) == funded
    saved = tmp_path / "wieliczka.json"
    saved.write_text(json.dumps(record), encoding="utf-8")
    assert main(["replay", str(saved)]) == 0
    assert capsys.readouterr().out == f"replay OK {record['result_hash']}\n"


def test_a_later_record_extends_an_earlier_one(engine: Engine) -> None:
    with Session(engine) as session:
        rounds = RoundService(session)
        view = rounds.import_pb(COUNCIL, ASSEN.read_text(encoding="utf-8"))
        audit = AuditService(session)
        before = audit.record(AUDITOR, view.id).model_dump(mode="json")
        ResultsService(session).allocate(COUNCIL, view.id)
        rounds.change_phase(COUNCIL, view.id, "published")
        after = audit.record(AUDITOR, view.id).model_dump(mode="json")
    assert before["result"] is None
    assert replay(before).ok
    assert verify_extends(before, after) is None
    assert len(after["events"]) == len(before["events"]) + 2

    rewritten = json.loads(json.dumps(after))
    i = first_ballot(rewritten)
    rewritten["events"][i]["payload"]["ballots"][0][1] = []
    problem = verify_extends(before, relinked(rewritten, rewritten["events"]))
    assert problem == f"event {i} (ballots.imported) was rewritten in the later record"

    shorter = relinked(after, after["events"][:-3])
    problem = verify_extends(before, shorter)
    assert problem is not None
    assert "fewer" in problem
    assert verify_extends(after, before) is not None  # the earlier does not extend the later


def test_export_replay_and_verify_extends_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("PBENGINE_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        view = RoundService(session).import_pb(COUNCIL, ASSEN.read_text(encoding="utf-8"))
        round_id = view.id
    early = tmp_path / "early.json"
    assert main(["export", str(round_id), "--out", str(early)]) == 0
    with Session(engine) as session:
        ResultsService(session).allocate(COUNCIL, round_id)
    engine.dispose()
    late = tmp_path / "late.json"
    assert main(["export", str(round_id), "--out", str(late)]) == 0
    capsys.readouterr()

    assert main(["replay", str(late)]) == 0
    out, err = capsys.readouterr()
    record = json.loads(late.read_text(encoding="utf-8"))
    assert out == f"replay OK {record['result_hash']}\n"
    assert "replaying" in err  # progress goes to stderr, the verdict to stdout

    assert main(["verify-extends", str(early), str(late)]) == 0
    assert capsys.readouterr().out.startswith("extends OK")

    i = first_ballot(record)
    record["events"][i]["payload"]["ballots"][0][1].append("999")
    late.write_text(json.dumps(record), encoding="utf-8")
    assert main(["replay", str(late)]) == 1
    assert capsys.readouterr().out == (
        f"replay FAILED: event {i} (ballots.imported) was altered: its content does not match "
        "its hash\n"
    )
    assert main(["verify-extends", str(early), str(late)]) == 1
    capsys.readouterr()

    late.write_text("{not json", encoding="utf-8")
    assert main(["replay", str(late)]) == 2
    assert "is not JSON" in capsys.readouterr().err
    assert main(["export", "9999", "--out", str(tmp_path / "x.json")]) == 2
    assert "round 9999" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_concurrent_ballots_queue_on_postgresql_and_the_chain_stays_whole(
    postgres_url: str,
) -> None:
    """Four voters' devices at once: the round's row lock makes them take turns."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    staff = Principal(role="council", council="Concurrent")
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        config = RoundConfig.model_validate({"title": "c", "budget": "100"})
        round_id = rounds.create(staff, config).id
        rounds.change_phase(staff, round_id, "proposals")
        key = proposals.propose(Principal(), round_id, ProposalIn(title="p", cost_estimate="5"))
        rounds.change_phase(staff, round_id, "review")
        proposals.review(staff, round_id, key.id, ReviewIn(decision="accept", cost="5"))
        rounds.change_phase(staff, round_id, "voting")
        codes = VotingService(session).issue_codes(staff, round_id, VoterCodesIn(count=40))

    def vote(code: str) -> int:
        with Session(engine) as session:
            voter = principal_for(session, code)
            cast = VotingService(session).cast(voter, round_id, BallotIn(projects=[key.id]))
            return cast.status

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(vote, codes)) == [201] * 40
    with Session(engine) as session:
        RoundService(session).change_phase(staff, round_id, "closed")
        ResultsService(session).allocate(staff, round_id)
        record = AuditService(session).record(AUDITOR, round_id).model_dump(mode="json")
    engine.dispose()
    assert sum(e["type"] == "ballot.cast" for e in record["events"]) == 40
    assert replay(record).ok


def test_no_record_and_so_no_tally_before_voting_closes(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Auditors and the council get the record once voting closes; the public head and the
    signed checkpoints stay open throughout; the operator's export warns."""
    council = "Early birds"
    staff = Principal(role="council", council=council)
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        round_id = rounds.create(
            staff, RoundConfig.model_validate({"title": "e", "budget": "9"})
        ).id
        record_url = f"/api/v1/rounds/{round_id}/record"
        with running_app(engine) as client:
            auditor = bearer(engine, "auditor", council)
            for phase in ("draft", "proposals", "review", "voting"):
                if phase != "draft":
                    rounds.change_phase(staff, round_id, phase)
                for headers in (auditor, bearer(engine, "council", council)):
                    body = refused(client.get(record_url, headers=headers), 409, "phase")
                    assert f"round {round_id} is in '{phase}'" in body["problem"]
                    assert "once voting closes (phase 'closed')" in body["problem"]
                    assert f"/api/v1/rounds/{round_id}/head" in body["problem"]
                    assert f"/api/v1/rounds/{round_id}/checkpoints" in body["problem"]
                if phase == "proposals":
                    key = proposals.propose(
                        Principal(), round_id, ProposalIn(title="p", cost_estimate="5")
                    )
                if phase == "review":
                    proposals.review(staff, round_id, key.id, ReviewIn(decision="accept", cost="5"))
            code = VotingService(session).issue_codes(staff, round_id, VoterCodesIn(count=1))[0]
            cast = VotingService(session).cast(
                principal_for(session, code), round_id, BallotIn(projects=[key.id])
            )
            assert cast.status == 201
            refused(client.get(record_url, headers=auditor), 409, "phase")
            assert ok(client.get(f"/api/v1/rounds/{round_id}/head"))["height"] == 8
            assert len(ok(client.get(f"/api/v1/rounds/{round_id}/checkpoints"))["checkpoints"]) == 3

            # The operator can read every table anyway: the export works, with a warning.
            monkeypatch.setenv(
                "PBENGINE_DATABASE_URL", str(engine.url.render_as_string(hide_password=False))
            )
            early = tmp_path / "early.json"
            assert main(["export", str(round_id), "--out", str(early)]) == 0
            err = capsys.readouterr().err
            assert f"warning: round {round_id} is in 'voting'" in err
            assert "running tallies" in err
            assert replay(json.loads(early.read_text(encoding="utf-8"))).ok

            rounds.change_phase(staff, round_id, "closed")
            record = ok(client.get(record_url, headers=auditor))
            assert sum(e["type"] == "ballot.cast" for e in record["events"]) == 1
            assert replay(record).ok
            assert main(["export", str(round_id), "--out", str(tmp_path / "late.json")]) == 0
            assert "warning" not in capsys.readouterr().err


def pseudonyms(record: dict[str, Any]) -> list[str]:
    return [
        e["payload"]["project"]["attributes"]["proposer"]
        for e in record["events"]
        if e["type"] == "proposal.submitted"
    ]


def test_proposer_digests_are_keyed_and_the_key_is_in_no_record(engine: Engine) -> None:
    """Who holds the record cannot test a guessed name; the per-proposer cap still groups a
    proposer's projects (replay compares pseudonyms), and records with the old unkeyed
    pseudonyms still replay."""
    council = "Keyed"
    staff = Principal(role="council", council=council)
    document = {"rule": "greedy", "proposers": {"cap": "30%"}}
    config = {"title": "k", "budget": "120000", "fairness": {"document": document}}
    names = ["Green Society", "  green   SOCIETY", "Bob"]
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        round_id = rounds.create(staff, RoundConfig.model_validate(config)).id
        rounds.change_phase(staff, round_id, "proposals")
        keys = [
            proposals.propose(
                Principal(), round_id, ProposalIn(title=n, cost_estimate="30000", proposer=n)
            ).id
            for n in names
        ]
        rounds.change_phase(staff, round_id, "review")
        for key in keys:
            proposals.review(staff, round_id, key, ReviewIn(decision="accept", cost="30000"))
        rounds.change_phase(staff, round_id, "voting")
        voting = VotingService(session)
        for code in voting.issue_codes(staff, round_id, VoterCodesIn(count=3)):
            voting.cast(principal_for(session, code), round_id, BallotIn(projects=keys))
        rounds.change_phase(staff, round_id, "closed")
        ResultsService(session).allocate(staff, round_id)
        record = AuditService(session).record(AUDITOR, round_id).model_dump(mode="json")
    assert replay(record).ok
    # One cap of 36,000 per proposer: the Green Society's two projects are grouped.
    first, second, bob = pseudonyms(record)
    assert first == second != bob
    assert len(record["result"]["selected"]) == 2
    assert keys[2] in record["result"]["selected"]

    # The pseudonym is the HMAC of the name under the server's key, in its own 0600 file.
    path = digest_key.beside(key_file(Settings.from_env()))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = bytes.fromhex(json.loads(path.read_text(encoding="utf-8"))["key"])
    assert secret == keyring().digest_key
    keyed = hmac.new(secret, b"green society", hashlib.sha256).hexdigest()
    assert first == "proposer-" + keyed[:12]
    # Guessing a name and hashing it, as the unkeyed digests allowed, matches nothing.
    text = json.dumps(record)
    for name in names:
        guessed = " ".join(name.split()).casefold()
        assert digest(guessed)[:12] not in text
        assert digest(name) not in text
        assert hashlib.sha256(name.encode()).hexdigest() not in text
    assert secret.hex() not in text
    digests = [
        e["payload"]["proposer_digest"]
        for e in record["events"]
        if e["type"] == "proposal.submitted"
    ]
    assert digests[0] == hmac.new(secret, b"Green Society", hashlib.sha256).hexdigest()

    # A record written before digests were keyed holds the unkeyed pseudonyms: it replays.
    for name, pseudonym in zip(names, (first, second, bob), strict=True):
        text = text.replace(pseudonym, "proposer-" + digest(" ".join(name.split()).casefold())[:12])
    old = json.loads(text)
    for event in old["events"]:
        if event["type"] == "allocation.computed":
            # The caps are listed by pseudonym, and the old ones sort otherwise.
            result = event["payload"]["result"]
            result["equalities"]["constraints"].sort(key=lambda c: c["label"])
            event["payload"]["result_hash"] = result_hash(result)
            old["result"], old["result_hash"] = result, result_hash(result)
    old = relinked(old, old["events"])
    assert pseudonyms(old)[0] != first
    outcome = replay(old)
    assert outcome.ok, outcome.problem
    assert outcome.result_hash != record["result_hash"]  # the result names the pseudonyms


def test_an_edited_header_fails_replay(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The round's id, title and council and the engine's version are tied to the log."""
    staff = Principal(role="council", council="Headed")
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        round_id = rounds.create(
            staff, RoundConfig.model_validate({"title": "H", "budget": "9"})
        ).id
        draft = AuditService(session).record(AUDITOR, round_id).model_dump(mode="json")
        rounds.change_phase(staff, round_id, "proposals")
        key = proposals.propose(Principal(), round_id, ProposalIn(title="p", cost_estimate="5")).id
        rounds.change_phase(staff, round_id, "review")
        proposals.review(staff, round_id, key, ReviewIn(decision="accept", cost="5"))
        rounds.change_phase(staff, round_id, "voting")
        code = VotingService(session).issue_codes(staff, round_id, VoterCodesIn(count=1))[0]
        VotingService(session).cast(
            principal_for(session, code), round_id, BallotIn(projects=[key])
        )
        rounds.change_phase(staff, round_id, "closed")
        record = AuditService(session).record(AUDITOR, round_id).model_dump(mode="json")
    created = record["events"][0]["payload"]
    assert (created["round"], created["council"]) == (round_id, "Headed")
    assert (
        record["engine"]
        == created["engine"]
        == {"name": "pbengine", "version": pbengine.__version__}
    )
    assert replay(record).ok
    assert replay(draft).ok
    assert draft["checkpoints"] == []

    edits = {
        ("round", "id"): round_id + 1,
        ("round", "title"): "Another title",
        ("round", "council"): "Another council",
        ("engine", "version"): "9.9.9",
        ("engine", "name"): "otherengine",
    }
    for (part, field), value in edits.items():
        for original in (record, draft):
            edited = json.loads(json.dumps(original))
            edited[part][field] = value
            outcome = replay(edited)
            assert not outcome.ok, (part, field)
            name = f"{part}.{field}"
            assert outcome.problem is not None
            assert outcome.problem.startswith(f"record field {name} ({value!r}) is not "), (
                outcome.problem
            )
            assert outcome.problem.endswith("the record's header was edited")
    # The checkpoints name the round too: a draft has none, the closed round four.
    edited = json.loads(json.dumps(record))
    edited["round"]["id"] = round_id + 1
    edited["events"][0]["payload"]["round"] = round_id + 1
    outcome = replay(relinked(edited, edited["events"]) | {"checkpoints": record["checkpoints"]})
    assert outcome.problem is not None
    assert "the round checkpoints[0] was signed for" in outcome.problem

    saved = tmp_path / "edited.json"
    edited = json.loads(json.dumps(record))
    edited["round"]["title"] = "Another title"
    saved.write_text(json.dumps(edited), encoding="utf-8")
    assert main(["replay", str(saved)]) == 1
    assert capsys.readouterr().out == (
        "replay FAILED: record field round.title ('Another title') is not the title its log "
        "configures ('H'): the record's header was edited\n"
    )

    # A log from before rounds recorded their id and engine still replays.
    older = json.loads(json.dumps(draft))
    for field in ("round", "engine"):
        del older["events"][0]["payload"][field]
    assert replay(relinked(older, older["events"])).ok
