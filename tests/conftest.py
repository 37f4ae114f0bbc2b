from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest

from pbengine.store.signing_keys import load_or_create, use_keyring

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "pabulib"
POSTGRES_ADMIN = os.environ.get(
    "PBENGINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def unavailable(reason: str) -> NoReturn:
    """Skip for want of something the machine lacks; under CI=true, fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def shared_elections() -> Path:
    """The 267 real elections beside the project, or a skip (a failure in CI) when absent."""
    if not SHARED.is_dir():
        unavailable(
            f"real elections not found at {SHARED} (they ship beside the project, not with it)"
        )
    return SHARED


@pytest.fixture
def shared() -> Path:
    return shared_elections()


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the PBENGINE_TEST_POSTGRES server, dropped after; its
    SQLAlchemy URL. No server: a skip, or a failure under CI=true."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {POSTGRES_ADMIN}: {exc}".strip())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(autouse=True, scope="session")
def _signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Receipts and checkpoints are signed with a key made for the test run: never one in
    the user's data folder, where a server on PostgreSQL keeps its key by default. The
    variable reaches what bootstraps in this process and the servers tests start."""
    path = tmp_path_factory.mktemp("keys") / "signing-keys.json"
    before = os.environ.get("PBENGINE_SIGNING_KEY")
    os.environ["PBENGINE_SIGNING_KEY"] = str(path)
    use_keyring(load_or_create(path))
    yield
    use_keyring(None)
    if before is None:
        del os.environ["PBENGINE_SIGNING_KEY"]
    else:
        os.environ["PBENGINE_SIGNING_KEY"] = before
