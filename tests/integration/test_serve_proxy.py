"""Behind a reverse proxy, rate limits key on the resident's address, not the proxy's.

`pbengine serve` runs uvicorn with its proxy headers on: a request from an
address in FORWARDED_ALLOW_IPS is taken to come from the last address in its
X-Forwarded-For that is not itself trusted (README, "Running it for a city").
The throttle on wrong voter codes (service/throttle.py) shows whose address
the server saw: one address refused with 429 leaves another answered.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from pbengine.store.database import make_engine
from tests.integration.served import VotingRound, serving

RESIDENT = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"
MOST_TRIES = 500  # far above any limit on wrong codes the server could sensibly have


def _wrong_code(client: httpx.Client, url: str, forwarded: str | None) -> int:
    headers = {"Authorization": "Bearer WRNG-CODE-0000"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return client.post(url, json={"projects": []}, headers=headers).status_code


def _throttle(client: httpx.Client, url: str, forwarded: str) -> None:
    """Wrong codes from `forwarded` until the server refuses them with 429."""
    for _ in range(MOST_TRIES):
        status = _wrong_code(client, url, forwarded)
        if status == 429:
            return
        assert status == 401, status
    raise AssertionError(f"{MOST_TRIES} wrong codes from one address, never a 429")


def _ballots_url(base: str, database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        return f"{base}{VotingRound(base, engine, council='Proxy').url}/ballots"
    finally:
        engine.dispose()


def test_a_proxy_on_this_machine_forwards_each_residents_address(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    with serving(url, tmp_path, env={"FORWARDED_ALLOW_IPS": "127.0.0.1"}) as served:
        ballots = _ballots_url(served.base, url)
        with httpx.Client(timeout=30) as client:
            _throttle(client, ballots, RESIDENT)
            # Another resident behind the same proxy has a budget of their own,
            assert _wrong_code(client, ballots, NEIGHBOUR) == 401
            # and so has the proxy's own address (a request it sends without the header).
            assert _wrong_code(client, ballots, None) == 401
            # A resident who sends the header themselves cannot pose as another: the proxy
            # appends the address it saw, and that last untrusted one is theirs.
            assert _wrong_code(client, ballots, f"{NEIGHBOUR}, {RESIDENT}") == 429


def test_the_header_of_an_untrusted_sender_is_ignored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    # The proxy is elsewhere: requests from this machine are not the proxy's.
    with serving(url, tmp_path, env={"FORWARDED_ALLOW_IPS": "192.0.2.1"}) as served:
        ballots = _ballots_url(served.base, url)
        with httpx.Client(timeout=30) as client:
            _throttle(client, ballots, RESIDENT)
            # Every request came from 127.0.0.1, whatever its header said.
            assert _wrong_code(client, ballots, NEIGHBOUR) == 429
            assert _wrong_code(client, ballots, None) == 429
