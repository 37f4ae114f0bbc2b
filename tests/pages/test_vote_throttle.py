"""Ballots cast on the voting page meet the ballots throttle as the API's do: 10 stored ballots
per code in 10 minutes (service/throttle.py), counted together whichever way they came; the
11th is answered with the form again (429, Retry-After) saying in the resident's language how
long to wait. A cast sent twice (the same review) stores one ballot, and counts once."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.service.config import BallotSettings
from tests.pages.rounds import hidden_fields, voting_round

Client = TestClient[Litestar]


def reviewed(client: Client, round_id: int, code: str, project: str) -> tuple[int, str]:
    answer = client.post(
        f"/rounds/{round_id}/vote/review", data={"voter_code": code, "project": [project]}
    )
    return answer.status_code, answer.text


def cast(client: Client, round_id: int, review: str) -> tuple[int, str]:
    url = f"/rounds/{round_id}/vote/cast"
    answer = client.post(url, data=hidden_fields(review, url))
    return answer.status_code, answer.text


def form_error(text: str) -> str:
    found = re.search(r'<p class="error" id="form-error">(.*?)</p>', text, re.S)
    assert found, "no error shown for the form"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_ballots_cast_on_the_page_are_throttled_like_the_apis(
    engine: Engine, client: Client
) -> None:
    round_id, (a, b, c), (code, other) = voting_round(engine, BallotSettings(type="approval"))
    status, review = reviewed(client, round_id, code, a)
    assert status == 200
    # The same review sent twice stores one ballot: the replay is not counted.
    assert cast(client, round_id, review)[0] == 200
    assert cast(client, round_id, review)[0] == 200
    # Eight more from the page and one through the API make ten stored ballots.
    for project in [b, c, a, b, c, a, b, c]:
        status, review = reviewed(client, round_id, code, project)
        assert status == 200
        assert cast(client, round_id, review)[0] == 200
    api = f"/api/v1/rounds/{round_id}/ballots"
    voter = {"Authorization": f"Bearer {code}"}
    assert client.post(api, json={"projects": [a]}, headers=voter).status_code == 201

    refused = client.post(
        f"/rounds/{round_id}/vote/review", data={"voter_code": code, "project": [b]}
    )
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 600
    minutes = -(-wait // 60)
    assert form_error(refused.text).endswith(
        "This voter code has cast too many ballots in a short time, and your last ballot "
        f"stands. To change it again, please try again in {minutes} min."
    )
    # A cast posted without a review is held back too, and stores nothing.
    held = client.post(
        f"/rounds/{round_id}/vote/cast",
        data={"voter_code": code, "project": [b], "attempt": "straight-to-cast"},
    )
    assert held.status_code == 429
    assert client.post(api, json={"projects": [b]}, headers=voter).status_code == 429
    count = client.get(f"/api/v1/rounds/{round_id}/ballots/count").json()
    assert count["ballots"] == 1  # one voter, whose ballot was changed ten times

    for lang, words in (("pl", "Spróbuj ponownie za"), ("nl", "Probeer het over")):
        translated = client.post(
            f"/rounds/{round_id}/vote/review?lang={lang}",
            data={"voter_code": code, "project": [b]},
        )
        assert translated.status_code == 429
        assert words in form_error(translated.text)
        assert f"{minutes} min" in form_error(translated.text)

    # Another code is not held back by this one.
    status, review = reviewed(client, round_id, other, b)
    assert status == 200
    assert cast(client, round_id, review)[0] == 200
