"""Checking a tracker: counted, replaced by a later vote with the same code, or unknown."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.audit import AuditService
from pbengine.service.config import BallotSettings
from tests.pages.rounds import hidden_fields, move, voting_round

Client = TestClient[Litestar]


def vote(client: Client, round_id: int, code: str, projects: list[str]) -> str:
    """A vote through the pages, reviewed then cast: its tracker."""
    path = f"/rounds/{round_id}/vote"
    checked = client.post(f"{path}/review", data={"voter_code": code, "project": projects})
    assert checked.status_code == 200, checked.text
    done = client.post(f"{path}/cast", data=hidden_fields(checked.text, f"{path}/cast"))
    assert done.status_code == 200, done.text
    found = re.search(r'<p class="tracker"><code>([0-9a-f]+)</code>', done.text)
    assert found
    return found.group(1)


def answer(client: Client, round_id: int, tracker: str, lang: str = "en") -> str:
    page = client.get(f"/rounds/{round_id}/track", params={"tracker": tracker, "lang": lang})
    assert page.status_code == 200, page.text
    found = re.search(r'<p class="result[^"]*">(.*?)</p>', page.text, re.S)
    assert found, page.text
    return found.group(1)


def test_a_replaced_vote_is_told_apart_from_a_counted_and_an_unknown_one(
    engine: Engine, client: Client
) -> None:
    round_id, (a, b, c), (code, other) = voting_round(engine, BallotSettings(max_length=2))
    first = vote(client, round_id, code, [a])
    second = vote(client, round_id, code, [b, c])  # the same code again: a revote online
    kept = vote(client, round_id, other, [c])
    assert first != second
    # While voting is open, no list is public and nothing is said of any tracker.
    early = client.get(f"/rounds/{round_id}/track", params={"tracker": first}).text
    assert "not published" in early
    assert 'class="result' not in early

    move(engine, round_id, Phase.CLOSED)
    assert answer(client, round_id, first).startswith("Replaced: a later vote with the same")
    assert answer(client, round_id, second).startswith("Counted:")
    assert answer(client, round_id, kept).startswith("Counted:")
    # Typed with capitals and spaces around it, a tracker is still found.
    assert answer(client, round_id, f"  {first.upper()} ").startswith("Replaced:")
    assert answer(client, round_id, "0" * 64).startswith("Not on the list: no vote")
    assert answer(client, round_id, first, "pl").startswith("Zastąpiony:")
    assert answer(client, round_id, first, "nl").startswith("Vervangen:")
    page = client.get(f"/rounds/{round_id}/track", params={"tracker": second, "lang": "en"}).text
    assert "2 votes were counted in this round." in page

    with Session(engine) as session:
        listing = AuditService(session).trackers(round_id)
    assert listing.trackers == sorted([second, kept])
    assert listing.replaced == [first]
    assert listing.ballots == 2
