"""Signed receipts and checkpoints: a record nobody can quietly rewrite (docs/audit.md).

Ballots are cast over HTTP and their receipts kept as a resident would keep
them; every phase change leaves a signed checkpoint. A record rewritten
consistently (one ballot changed, every later hash recomputed, the checkpoints
signed again with the server's own key) replays, yet every receipt and
checkpoint signed after the changed ballot exposes it.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.api import create_app
from pbengine.bootstrap import bootstrap
from pbengine.cli import main
from pbengine.core.audit.chain import GENESIS, Event, next_event
from pbengine.core.audit.commitment import commitment
from pbengine.core.audit.signing import CHECKPOINT, RECEIPT, signed_head
from pbengine.service.config import RoundConfig
from pbengine.service.errors import Principal
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replay import replay, verify_signed_head
from pbengine.service.rounds import RoundService
from pbengine.service.voting import VoterCodesIn, VotingService
from pbengine.settings import Settings
from pbengine.store.signing_keys import (
    Keyring,
    SigningKeyError,
    keyring,
    load_or_create,
    rotate,
    use_keyring,
)
from tests.integration.http import Client, as_voter, bearer, ok, running_app

COUNCIL = "Signham"
STAFF = Principal(role="council", council=COUNCIL, staff="clerk")
VOTERS = 8
Record = dict[str, Any]


@dataclass
class Round:
    id: int
    projects: list[str]
    receipts: list[dict[str, Any]]
    record: Record


def voting_round(engine: Engine) -> tuple[int, list[str], list[str]]:
    """A round through proposals and review, open for voting, with its voter codes."""
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        config = RoundConfig.model_validate(
            {"title": "Signham 2027", "budget": "50000", "ballot": {"type": "approval"}}
        )
        round_id = rounds.create(STAFF, config).id
        rounds.change_phase(STAFF, round_id, "proposals")
        projects = [
            proposals.propose(
                Principal(), round_id, ProposalIn(title=f"Project {i}", cost_estimate="10000")
            ).id
            for i in range(3)
        ]
        rounds.change_phase(STAFF, round_id, "review")
        for project in projects:
            proposals.review(STAFF, round_id, project, ReviewIn(decision="accept", cost="10000"))
        rounds.change_phase(STAFF, round_id, "voting")
        codes = VotingService(session).issue_codes(STAFF, round_id, VoterCodesIn(count=VOTERS))
    return round_id, projects, codes


def cast_and_close(engine: Engine) -> Round:
    """Every voter votes online and keeps their receipt; voting closes; the record is read."""
    round_id, projects, codes = voting_round(engine)
    council = bearer(engine, "council", COUNCIL)
    receipts = []
    with running_app(engine) as client:
        for n, code in enumerate(codes):
            body = {"projects": [projects[n % len(projects)]]}
            reply = ok(
                client.post(
                    f"/api/v1/rounds/{round_id}/ballots", json=body, headers=as_voter(code)
                ),
                201,
            )
            receipts.append(reply["receipt"])
        ok(
            client.post(
                f"/api/v1/rounds/{round_id}/phase", json={"phase": "closed"}, headers=council
            )
        )
        record = ok(client.get(f"/api/v1/rounds/{round_id}/record", headers=council))
    return Round(round_id, projects, receipts, record)


def close(client: Client, engine: Engine, round_id: int) -> None:
    """Voting closes: only then do auditors get the record."""
    staff = bearer(engine, "council", COUNCIL)
    ok(client.post(f"/api/v1/rounds/{round_id}/phase", json={"phase": "closed"}, headers=staff))


@pytest.fixture
def signed(engine: Engine) -> Round:
    return cast_and_close(engine)


def saved(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_every_receipt_verifies_against_the_record(
    signed: Round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = saved(tmp_path / "record.json", signed.record)
    assert replay(signed.record).ok
    key = keyring().key_id
    for n, receipt in enumerate(signed.receipts):
        assert receipt["kind"] == RECEIPT
        assert receipt["key_id"] == key
        event = signed.record["events"][receipt["height"] - 1]
        assert (event["type"], event["hash"], event["at"]) == (
            "ballot.cast",
            receipt["hash"],
            receipt["at"],
        )
        assert main(["verify-receipt", saved(tmp_path / f"r{n}.json", receipt), record]) == 0
        assert capsys.readouterr().out.startswith(f"receipt OK: signed by key {key}")


def test_the_whole_ballot_reply_and_the_well_known_keys_verify_too(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    round_id, projects, codes = voting_round(engine)
    with running_app(engine) as client:
        reply = ok(
            client.post(
                f"/api/v1/rounds/{round_id}/ballots",
                json={"projects": projects[:1]},
                headers=as_voter(codes[0]),
            ),
            201,
        )
        keys = ok(client.get("/.well-known/pbengine-keys.json"))
        close(client, engine, round_id)
        record = ok(
            client.get(
                f"/api/v1/rounds/{round_id}/record", headers=bearer(engine, "auditor", COUNCIL)
            )
        )
    assert keys["algorithm"] == "Ed25519"
    assert keys["current"] == reply["receipt"]["key_id"]
    assert record["signing_keys"] == keys
    args = [saved(tmp_path / "reply.json", reply), saved(tmp_path / "record.json", record)]
    assert main(["verify-receipt", *args, "--keys", saved(tmp_path / "keys.json", keys)]) == 0
    assert capsys.readouterr().out.startswith("receipt OK")


def test_checkpoints_are_signed_at_every_phase_change(
    signed: Round, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = signed.record["events"]
    changes = [e for e in events if e["type"] == "phase.changed"]
    assert [e["payload"]["to"] for e in changes] == ["proposals", "review", "voting", "closed"]
    with running_app(engine) as client:
        listed = ok(client.get(f"/api/v1/rounds/{signed.id}/checkpoints"))  # public
    assert listed["checkpoints"] == signed.record["checkpoints"]
    assert [(c["height"], c["hash"], c["at"]) for c in listed["checkpoints"]] == [
        (e["height"] + 1, e["hash"], e["at"]) for e in changes
    ]
    record = saved(tmp_path / "record.json", signed.record)
    for n, checkpoint in enumerate(listed["checkpoints"]):
        assert checkpoint["kind"] == CHECKPOINT
        assert main(["verify-extends", saved(tmp_path / f"c{n}.json", checkpoint), record]) == 0
        assert capsys.readouterr().out.startswith("extends OK: the later record holds")
    assert main(["verify-extends", saved(tmp_path / "all.json", listed), record]) == 0
    heights = ", ".join(str(e["height"] + 1) for e in changes)
    assert capsys.readouterr().out.endswith(f"checkpoint(s) at height {heights}\n")


def forged(head: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**head, **changes}


def test_a_forged_or_altered_signature_fails(
    signed: Round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = saved(tmp_path / "record.json", signed.record)
    receipt = signed.receipts[3]
    signature = bytearray(base64.b64decode(receipt["signature"]))
    signature[0] ^= 1
    stranger = signed_head(
        os.urandom(32),
        RECEIPT,
        round_id=signed.id,
        height=receipt["height"],
        hash_=receipt["hash"],
        at=receipt["at"],
    )
    cases = {
        "flipped bit": forged(receipt, signature=base64.b64encode(bytes(signature)).decode()),
        "other height": forged(receipt, height=receipt["height"] + 1),
        "other hash": forged(receipt, hash="0" * 64),
        "unknown key": stranger,
        "key id of the server's key": forged(stranger, key_id=receipt["key_id"]),
    }
    for name, head in cases.items():
        assert main(["verify-receipt", saved(tmp_path / "forged.json", head), record]) == 1, name
        out = capsys.readouterr().out
        assert out.startswith("receipt FAILED: the signature does not hold"), (name, out)
    checkpoint = forged(signed.record["checkpoints"][-1], at="2020-01-01T00:00:00+00:00")
    assert main(["verify-extends", saved(tmp_path / "cp.json", checkpoint), record]) == 1
    assert "signature does not hold" in capsys.readouterr().out
    keyless = saved(tmp_path / "keyless.json", {**signed.record, "signing_keys": None})
    assert main(["verify-receipt", saved(tmp_path / "r.json", receipt), keyless]) == 1
    assert "lists no signing keys" in capsys.readouterr().out
    in_record = copy.deepcopy(signed.record)
    in_record["checkpoints"][0]["signature"] = base64.b64encode(bytes(64)).decode()
    outcome = replay(in_record)
    assert not outcome.ok
    assert "checkpoints[0]" in str(outcome.problem)


def rewritten(record: Record, position: int, projects: list[str], server: Keyring) -> Record:
    """The record as an operator holding the database and the server's key would rewrite it:
    the ballot at `position` changed, every hash from there on recomputed with the core's
    chain functions, and the checkpoints signed again over the new hashes."""
    events = copy.deepcopy(record["events"])
    openings = copy.deepcopy(record["openings"])
    opening = openings[events[position]["hash"]]
    opening["ballot"]["projects"] = projects
    events[position]["payload"]["commitment"] = commitment(opening["nonce"], opening["ballot"])
    parent = events[position - 1]["hash"] if position else GENESIS
    renamed = {}
    for event in events[position:]:
        linked = next_event(event["height"], parent, event["type"], event["at"], event["payload"])
        renamed[event["hash"]] = linked.hash
        event.update(parent=parent, hash=linked.hash)
        parent = linked.hash
    # The openings are filed under the ballots' trackers, which the rewrite changed.
    openings = {renamed.get(t, t): o for t, o in openings.items()}
    checkpoints = [
        server.sign(CHECKPOINT, record["round"]["id"], Event(**events[c["height"] - 1]))
        for c in record["checkpoints"]
    ]
    head = {"height": len(events), "hash": parent}
    return {
        **record,
        "events": events,
        "head": head,
        "checkpoints": checkpoints,
        "openings": openings,
    }


def test_a_consistent_rewrite_is_caught_by_every_later_receipt_and_checkpoint(
    signed: Round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ballots = [r["height"] - 1 for r in signed.receipts]
    changed = ballots[VOTERS // 2]
    tracker = signed.record["events"][changed]["hash"]
    voted = signed.record["openings"][tracker]["ballot"]["projects"]
    other = [p for p in signed.projects if p not in voted][:1]
    forged_record = rewritten(signed.record, changed, other, keyring())
    assert replay(forged_record).ok, "the rewrite is consistent: replay alone cannot see it"
    record = saved(tmp_path / "rewritten.json", forged_record)
    for n, receipt in enumerate(signed.receipts):
        path = saved(tmp_path / f"r{n}.json", receipt)
        if receipt["height"] - 1 < changed:
            assert main(["verify-receipt", path, record]) == 0
            capsys.readouterr()
            continue
        assert main(["verify-receipt", path, record]) == 1
        out = capsys.readouterr().out
        assert out.startswith(f"receipt FAILED: event {receipt['height'] - 1} of the record "), out
        assert "the log was rewritten at or before that event" in out
    later = [c for c in signed.record["checkpoints"] if c["height"] - 1 > changed]
    assert later, "voting closed after the changed ballot"
    for n, checkpoint in enumerate(signed.record["checkpoints"]):
        expected = 1 if checkpoint in later else 0
        path = saved(tmp_path / f"c{n}.json", checkpoint)
        assert main(["verify-extends", path, record]) == expected
        assert capsys.readouterr().out.startswith("extends FAILED" if expected else "extends OK")


def test_rotation_keeps_earlier_receipts_and_checkpoints_verifiable(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = keyring()
    keys = tmp_path / "rotated" / "signing-keys.json"
    use_keyring(load_or_create(keys))
    try:
        round_id, projects, codes = voting_round(engine)
        with running_app(engine) as client:
            url = f"/api/v1/rounds/{round_id}/ballots"
            first = ok(
                client.post(url, json={"projects": projects[:1]}, headers=as_voter(codes[0])), 201
            )
            monkeypatch.setenv("PBENGINE_SIGNING_KEY", str(keys))
            assert main(["rotate-key"]) == 0
            assert capsys.readouterr().out.startswith(
                f"signing key {first['receipt']['key_id']} retired"
            )
            use_keyring(load_or_create(keys))  # as the restarted server loads it
            second = ok(
                client.post(url, json={"projects": projects[1:2]}, headers=as_voter(codes[1])), 201
            )
            listed = ok(client.get("/.well-known/pbengine-keys.json"))
            close(client, engine, round_id)
            record = ok(
                client.get(
                    f"/api/v1/rounds/{round_id}/record", headers=bearer(engine, "auditor", COUNCIL)
                )
            )
    finally:
        use_keyring(before)
    old, new = first["receipt"]["key_id"], second["receipt"]["key_id"]
    assert old != new
    assert listed["current"] == new
    assert [(k["key_id"], k["retired"] is None) for k in listed["keys"]] == [
        (new, True),
        (old, False),
    ]
    assert "private_key" not in json.dumps(listed)
    # Checkpoints up to opening voting were signed by the retired key, closing by the new one.
    assert replay(record).ok
    assert [c["key_id"] for c in record["checkpoints"]] == [old, old, old, new]
    saved_record = saved(tmp_path / "record.json", record)
    for n, reply in enumerate((first, second)):
        assert main(["verify-receipt", saved(tmp_path / f"{n}.json", reply), saved_record]) == 0
    assert verify_signed_head(first["receipt"], RECEIPT, record, listed) is None


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring()
    yield
    use_keyring(before)


@pytest.mark.usefixtures("restore_keyring")
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_key_file_is_made_private_at_first_start_and_kept_across_restarts(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        sqlite_file = tmp_path / "city.sqlite3"
        env = {"PBENGINE_DATABASE_URL": f"sqlite:///{sqlite_file}"}
        key_file = tmp_path / "city.sqlite3.signing-keys.json"  # beside the database
    else:
        key_file = tmp_path / "secrets" / "pbengine-keys.json"
        env = {
            "PBENGINE_DATABASE_URL": request.getfixturevalue("postgres_url"),
            "PBENGINE_SIGNING_KEY": str(key_file),
        }
    settings = Settings.from_env(env)
    assert settings.signing_key == key_file
    assert not key_file.exists()
    key_ids, digest_keys = [], []
    secret_file = key_file.with_name(key_file.name.removesuffix(".json") + ".digest-key")
    for _ in range(2):  # a start, and a restart
        started = bootstrap(settings)  # what `pbengine serve` starts with
        with TestClient(create_app(started)) as client:
            key_ids.append(ok(client.get("/.well-known/pbengine-keys.json"))["current"])
        started.dispose()
        digest_keys.append(keyring().digest_key)
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert key_ids[0] == key_ids[1] == load_or_create(key_file).key_id
    assert len(digest_keys[0]) == 32
    assert digest_keys[0] == digest_keys[1] == load_or_create(key_file).digest_key
    assert sorted(
        p.name for p in key_file.parent.iterdir() if "signing" in p.name or "keys" in p.name
    ) == sorted([key_file.name, secret_file.name])
    # Rotating the signing key keeps the digest key: pseudonyms stay the same.
    old, new = rotate(key_file)
    assert old.key_id != new.key_id
    assert old.digest_key == new.digest_key == load_or_create(key_file).digest_key
    # A digest key file that cannot be read stops the start, naming the file.
    secret_file.write_text("{}", encoding="utf-8")
    with pytest.raises(SigningKeyError, match="digest key file"):
        load_or_create(key_file)
