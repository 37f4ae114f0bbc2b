"""Guessing codes through the pages meets the same throttle as through the API: after 20
unknown codes from one address in 10 minutes, a page in the resident's language says to
wait (429, Retry-After), and even a right code waits (service/throttle.py)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.service.config import BallotSettings
from tests.pages.rounds import error_for, voting_round

Client = TestClient[Litestar]


def test_guessing_codes_on_the_vote_page_is_throttled(engine: Engine, client: Client) -> None:
    round_id, (a, _, _), (code, _) = voting_round(engine, BallotSettings(type="approval"))
    review = f"/rounds/{round_id}/vote/review"
    for n in range(20):
        wrong = client.post(review, data={"voter_code": f"AAAA-BBBB-CCCC-{n:04d}", "project": [a]})
        assert wrong.status_code == 422
        assert error_for(wrong.text, "voter_code")
    waited = client.post(review, data={"voter_code": code, "project": [a]})
    assert waited.status_code == 429
    assert 1 <= int(waited.headers["Retry-After"]) <= 600
    assert "Please wait a few minutes" in waited.text
    polish = client.post(f"{review}?lang=pl", data={"voter_code": code, "project": [a]})
    assert "Odczekaj kilka minut" in polish.text
    # The API shares the throttle: the address is held back there too.
    api = client.get(
        f"/api/v1/rounds/{round_id}/projects", headers={"Authorization": f"Bearer {code}"}
    )
    assert api.status_code == 429
