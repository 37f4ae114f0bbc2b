"""Every page for the demo rounds, in every language, served by pbengine alone."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.demo.rounds import load_demo
from pbengine.pages.i18n import languages
from pbengine.service.config import Fairness
from tests.pages.hosts import other_hosts
from tests.pages.rounds import CONFIG, new_round

Client = TestClient[Litestar]
STATIC = Path(str(resources.files("pbengine.pages") / "static"))
PAGES = ("", "/projects", "/propose", "/vote", "/track", "/results")


def test_every_page_in_every_language_uses_no_other_host(engine: Engine, client: Client) -> None:
    demo = load_demo(engine)
    own = client.base_url.host
    paths = ["/"] + [
        f"/rounds/{r}{p}" for r in (demo.published_round, demo.voting_round) for p in PAGES
    ]
    for code in languages():
        for path in paths:
            response = client.get(path, params={"lang": code})
            assert response.status_code == 200, (path, code, response.text)
            assert f'<html lang="{code}">' in response.text
            assert other_hosts(response.text, own) == [], (path, code)
            assert "default-src 'self'" in response.headers["content-security-policy"]
    for file in STATIC.iterdir():
        assert client.get(f"/static/{file.name}").status_code == 200
        assert other_hosts(file.read_text(encoding="utf-8"), own) == [], file.name


def test_a_published_round_shows_its_rule_and_results(engine: Engine, client: Client) -> None:
    demo = load_demo(engine)
    about = client.get(f"/rounds/{demo.published_round}").text
    assert "equal share of the budget" in about  # Equal Shares, in plain words
    assert "£120,000.00" in about
    polish = client.get(f"/rounds/{demo.published_round}", params={"lang": "pl"}).text
    assert "120\u00a0000,00\u00a0GBP" in polish  # Babel writes money the Polish way
    results = client.get(f"/rounds/{demo.published_round}/results", params={"lang": "en"}).text
    assert "Funded projects" in results
    assert "Not funded" in results
    assert "of voters see at least one project they voted for funded" in results


def test_the_vote_form_labels_every_control(engine: Engine, client: Client) -> None:
    demo = load_demo(engine)
    form = client.get(f"/rounds/{demo.voting_round}/vote").text
    ids = re.findall(r"<(?:input|select|textarea)[^>]*\bid=\"([^\"]+)\"", form)
    assert ids
    for control in ids:
        assert f'for="{control}"' in form, control
    assert "Number of projects: at least 1." in form


def test_fairness_rules_in_plain_words(engine: Engine, client: Client) -> None:
    config = CONFIG.model_copy(
        update={
            "rule": "max-welfare",
            "fairness": Fairness(
                document={
                    "rule": "max-welfare",
                    "districts": {"floor": "voters", "floor_share": "50%"},
                    "categories": {"caps": {"parks": "25%"}},
                    "support": {"min_share": "2%"},
                }
            ),
        }
    )
    round_id = new_round(engine, config)
    about = client.get(f"/rounds/{round_id}", params={"lang": "en"}).text
    assert "The combination with the most votes in total is funded." in about
    assert "its share of 50% of the budget, in proportion to the voters" in about
    assert "parks gets at most 25% of the budget." in about
    assert "at least 2% of the voters" in about
    dutch = client.get(f"/rounds/{round_id}", params={"lang": "nl"}).text
    assert "parks krijgt hoogstens 25% van het budget." in dutch
