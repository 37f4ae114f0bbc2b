"""`kill -9` under load: nothing acknowledged is lost, nothing is half-written, a retry counts once.

The server is started as users start it (`pbengine serve`: on a SQLite file
with one worker, on PostgreSQL with two) and loaded by 16 clients casting
ballots for distinct voters, each request with an Idempotency-Key of its own.
At a random moment the server's whole process group gets SIGKILL (as a
machine or container going down would), and the server is started again on
the same database. Then:

- every request that was sent and got no answer is sent again, same key, same ballot: it
  must get 201, either cast now or the reply kept from before the crash
  (`Idempotency-Replayed: true`), never a second ballot;
- a few acknowledged requests are sent again too: they must get the reply
  they got before the crash, with the same tracker;
- the public ballot count is the number of voters acknowledged.

After the last crash the round is closed and its record exported: its
ballot.cast events are exactly the trackers acknowledged, one per voter, its
heights run on without a gap, and it replays.

By default 2 crashes per database, to keep CI's time; issue 15's 50 per
database run with `-m load_full` (several minutes: each restart starts the
server's processes again). The random moments come from a seed printed with
every failure.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from pbengine.service.replay import replay
from pbengine.store.database import make_engine
from tests.integration.http import as_voter
from tests.integration.served import Served, VotingRound, cast_trackers, heights, serving

CLIENTS = 16
CODES_PER_TRIAL = 300  # more than the clients can cast before the latest kill
LATEST_KILL = 1.5  # seconds after the load starts
CLIENT_TIMEOUT = 30.0


@dataclass
class Sent:
    code: str
    key: str
    body: dict[str, Any]
    tried: bool = False
    status: int = 0  # 0: no answer (the server died, or was down when it was sent)
    tracker: str = ""


@dataclass
class Ledger:
    """What the clients were told: the tracker acknowledged for each voter."""

    acknowledged: dict[str, str] = field(default_factory=dict)
    lost_replies: int = 0  # stored before the crash, the reply never reached the client
    unsent: int = 0  # sent but not stored before the crash: cast by the retry

    def acknowledge(self, sent: Sent) -> None:
        earlier = self.acknowledged.setdefault(sent.code, sent.tracker)
        assert earlier == sent.tracker, f"voter acknowledged twice: {earlier} and {sent.tracker}"


@pytest.fixture(
    params=[("sqlite", 1), ("postgresql", 2)], ids=["sqlite-1-worker", "postgresql-2-workers"]
)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    dialect, workers = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with serving(url, tmp_path, workers) as server:
        yield server


def _send(client: httpx.Client, url: str, sent: Sent) -> bool:
    """Send one ballot; False once the server does not answer."""
    headers = as_voter(sent.code) | {"Idempotency-Key": sent.key}
    sent.tried = True
    try:
        response = client.post(url, json=sent.body, headers=headers)
    except httpx.HTTPError:
        return False
    sent.status = response.status_code
    if response.status_code == 201:
        sent.tracker = response.json()["tracker"]
    return True


def _load_until_killed(served: Served, url: str, batch: list[Sent], delay: float) -> None:
    """CLIENTS threads cast the batch until the server is killed, `delay` s after they start."""
    pending = iter(batch)
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=served.base, timeout=CLIENT_TIMEOUT) as c:
            while True:
                with lock:
                    sent = next(pending, None)
                if sent is None or not _send(c, url, sent):
                    return

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(delay)
    served.kill()
    for thread in threads:
        thread.join(timeout=CLIENT_TIMEOUT + 10)
        assert not thread.is_alive()


def _retry_after_restart(served: Served, url: str, batch: list[Sent], ledger: Ledger) -> None:
    with httpx.Client(base_url=served.base, timeout=CLIENT_TIMEOUT) as c:
        for sent in batch:
            if sent.status == 201:
                ledger.acknowledge(sent)
            if sent.status == 201 or not sent.tried:
                continue
            # Never answered: the client does what a client should, and sends it again.
            assert sent.status == 0, (sent.status, served.log_tail())
            headers = as_voter(sent.code) | {"Idempotency-Key": sent.key}
            answer = c.post(url, json=sent.body, headers=headers)
            assert answer.status_code == 201, answer.text
            replayed = answer.headers.get("Idempotency-Replayed") == "true"
            ledger.lost_replies += replayed
            ledger.unsent += not replayed
            sent.status, sent.tracker = 201, answer.json()["tracker"]
            ledger.acknowledge(sent)
        # Replies kept before the crash outlive it: a late retry gets the same ballot back.
        for sent in [s for s in batch if s.status == 201][-3:]:
            headers = as_voter(sent.code) | {"Idempotency-Key": sent.key}
            answer = c.post(url, json=sent.body, headers=headers)
            assert answer.status_code == 201, answer.text
            assert answer.headers.get("Idempotency-Replayed") == "true"
            assert answer.json()["tracker"] == sent.tracker


def crash_trials(served: Served, trials: int) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    engine = make_engine(served.database_url)
    try:
        r = VotingRound(served.base, engine, council=f"Crash {served.port}")
    finally:
        engine.dispose()
    url = f"{r.url}/ballots"
    ledger = Ledger()
    for trial in range(trials):
        codes = r.codes(CODES_PER_TRIAL)
        batch = [Sent(code, f"{trial}-{i}", r.ballot(i)) for i, code in enumerate(codes)]
        delay = rng.uniform(0.05, LATEST_KILL)
        _load_until_killed(served, url, batch, delay)
        served.start()
        where = f"seed {seed}, trial {trial}, killed after {delay:.2f} s"
        try:
            _retry_after_restart(served, url, batch, ledger)
        except AssertionError as failed:
            raise AssertionError(f"{where}: {failed}") from failed
        assert r.counted() == len(ledger.acknowledged), where

    record = r.close_and_export()
    cast = cast_trackers(record)
    assert sorted(cast) == sorted(ledger.acknowledged.values()), f"seed {seed}"
    assert heights(record) == list(range(len(record["events"]))), f"seed {seed}"
    outcome = replay(record)
    assert outcome.ok, f"seed {seed}: {outcome.problem}"
    print(
        f"\n{served.database_url.split(':')[0]}, {served.workers} worker(s), seed {seed}: "
        f"{trials} kills, {len(cast)} ballots acknowledged and stored; after the crashes "
        f"{ledger.lost_replies} retries got the reply the crash had cut off, "
        f"{ledger.unsent} were cast by the retry"
    )


def test_a_few_crashes_under_load(served: Served) -> None:
    crash_trials(served, trials=2)


@pytest.mark.load_full
def test_fifty_crashes_under_load(served: Served) -> None:
    crash_trials(served, trials=50)
