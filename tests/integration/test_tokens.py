"""Tokens have a life: they expire, can be revoked (ending their staff sessions at once), and
keep their last use; `pbengine token list|revoke` manages them, naming the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from pbengine.cli import main
from pbengine.store.tables import TokenRow
from pbengine.store.tokens import DEFAULT_LIFETIME_DAYS, TokenRepository, create_token, digest
from pbengine.web import create_app

ROUNDS = "/api/v1/rounds"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def made(engine: Engine, days: int = DEFAULT_LIFETIME_DAYS) -> tuple[str, int]:
    with Session(engine) as session:
        secret = create_token(session, role="council", council="Tokens", label="Ana", days=days)
        session.commit()
        row = session.exec(select(TokenRow).where(TokenRow.token_hash == digest(secret))).one()
        assert row.id is not None
        return secret, row.id


def change(engine: Engine, token_id: int, **fields: int | None) -> None:
    with Session(engine) as session:
        row = session.get(TokenRow, token_id)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def row_of(engine: Engine, token_id: int) -> TokenRow:
    with Session(engine) as session:
        row = session.get(TokenRow, token_id)
        assert row is not None
        return row


def test_a_new_token_expires_in_ninety_days_and_keeps_its_last_use(
    client: TestClient[Litestar], engine: Engine
) -> None:
    secret, token_id = made(engine)
    row = row_of(engine, token_id)
    assert row.expires_at is not None
    assert abs(row.expires_at - (time.time() + 90 * 86_400)) < 60
    assert row.last_used_at is None
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{ROUNDS}/1/record", headers=headers).status_code == 404
    used = row_of(engine, token_id).last_used_at
    assert used is not None
    assert abs(used - time.time()) < 60


def test_an_expired_token_is_refused(client: TestClient[Litestar], engine: Engine) -> None:
    secret, token_id = made(engine)
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"title": "T", "budget": "100"}
    assert client.post(ROUNDS, json=body, headers=headers).status_code == 201
    change(engine, token_id, expires_at=int(time.time()) - 1)
    refused = client.post(ROUNDS, json=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["field"] == "authorization"
    assert "expired" in refused.json()["problem"]


def test_revoking_a_token_ends_its_staff_sessions_at_once(
    client: TestClient[Litestar], engine: Engine
) -> None:
    secret, token_id = made(engine)
    signed_in = client.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 200
    with Session(engine) as session:
        assert TokenRepository(session).revoke(token_id) is not None
        session.commit()
    assert client.get("/staff", follow_redirects=False).status_code in (302, 303)
    headers = {"Authorization": f"Bearer {secret}"}
    assert (
        client.post(ROUNDS, json={"title": "T", "budget": "1"}, headers=headers).status_code == 401
    )
    again = client.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    assert again.status_code == 401


def test_token_list_and_revoke_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'tokens.sqlite3'}"
    monkeypatch.setenv("PBENGINE_DATABASE_URL", url)
    assert main(["token", "create", "--role", "auditor", "--council", "Hill", "--name", "Bo"]) == 0
    assert main(["token", "create", "--role", "council", "--council", "Dale", "--days", "7"]) == 0
    capsys.readouterr()
    assert main(["token", "list"]) == 0
    out, err = capsys.readouterr()
    assert str(tmp_path / "tokens.sqlite3") in err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["id", "role", "council"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["1", "auditor", "Hill", "Bo"],
        ["2", "council", "Dale", "-"],
    ]
    assert all(line.endswith("active") for line in lines[1:])
    assert all("never" in line for line in lines[1:])  # neither was used yet
    assert main(["token", "revoke", "1"]) == 0
    assert "token 1 (auditor, Hill, Bo) is revoked" in capsys.readouterr().out
    assert main(["token", "list", "--council", "Hill"]) == 0
    (only,) = capsys.readouterr().out.splitlines()[1:]
    assert "revoked" in only
    assert main(["token", "revoke", "9"]) == 2
    assert "no token 9" in capsys.readouterr().err
    assert main(["token", "create", "--role", "council", "--council", "Dale", "--days", "0"]) == 2
