"""A resident votes in the demo round open for voting, on a phone with JavaScript off.

From the home page to the round, the ballot form, the review and the cast, through the
server-rendered pages (pbengine/pages) and `pbengine serve --demo`'s voter codes. Every
page is screenshotted and checked with axe-core (pages seen without script are checked
as a copy in a page with script, where axe can run).
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_accessible_copy
from tests.browser.conftest import Live, Shot

pytestmark = pytest.mark.browser


def ballots(live: Live) -> int:
    url = f"{live.base}/api/v1/rounds/{live.voting_round}/ballots/count"
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    count: int = response.json()["ballots"]
    return count


def test_the_public_pages_are_accessible_on_desktop_and_phone(
    live: Live, desktop: Page, phone: Page, shot: Shot, offsite: list[str]
) -> None:
    for size, page in (("desktop", desktop), ("phone", phone)):
        for name, path in (
            ("home", "/"),
            ("round", f"/rounds/{live.voting_round}"),
            ("projects", f"/rounds/{live.voting_round}/projects"),
            ("vote", f"/rounds/{live.voting_round}/vote"),
            ("results", f"/rounds/{live.published_round}/results"),
            ("delivery", f"/rounds/{live.published_round}/delivery"),
        ):
            response = page.goto(f"{live.base}{path}")
            assert response is not None
            assert response.status == 200, f"{path}: {response.status}"
            shot(page, f"{size}-{name}")
            assert_accessible(page)
    assert offsite == [], "the pages asked for files off this machine"


def test_a_resident_votes_on_a_phone_without_javascript(
    live: Live, phone_without_script: Page, phone: Page, shot: Shot, offsite: list[str]
) -> None:
    page = phone_without_script
    before = ballots(live)

    page.goto(f"{live.base}/")
    shot(page, "1-home")
    assert_accessible_copy(phone, page)
    page.get_by_role("link", name="Riverside 2027: try voting here (demo)").click()
    expect(page).to_have_url(f"{live.base}/rounds/{live.voting_round}")
    shot(page, "2-round")
    assert_accessible_copy(phone, page)

    page.get_by_role("navigation", name="This round").get_by_role(
        "link", name="Vote", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vote")
    shot(page, "3-ballot")
    assert_accessible_copy(phone, page)

    # No code yet: the form comes back with the field marked, and the choice kept.
    projects = page.get_by_role("group", name="Projects").get_by_role("checkbox")
    projects.first.check()
    page.get_by_role("button", name="Review my vote").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields")
    expect(projects.first).to_be_checked()
    shot(page, "4-ballot-refused")
    assert_accessible_copy(phone, page)

    page.get_by_label("Voter code").fill(live.voter_codes[0])
    projects.nth(1).check()
    # With script, vote.js would count the choices here: proof that script is off.
    expect(page.locator("#vote-status")).to_be_empty()
    # The demo round asks residents to rank up to two outcome priorities.
    page.get_by_label("Priority number 1").select_option(label="Safer routes to school")
    page.get_by_role("button", name="Review my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote before it is cast")
    expect(page.get_by_role("main")).to_contain_text("Warm Hub: weekly lunch club")
    expect(page.get_by_role("main")).to_contain_text("Safe crossing and lollipop patrol")
    expect(page.get_by_role("main")).to_contain_text("Safer routes to school")
    shot(page, "5-review")
    assert_accessible_copy(phone, page)
    assert ballots(live) == before, "reviewing a vote must not cast it"

    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is cast")
    tracker = page.locator(".tracker code").inner_text()
    assert len(tracker) >= 32, tracker
    shot(page, "6-cast")
    assert_accessible_copy(phone, page)
    assert ballots(live) == before + 1
    assert offsite == [], "the pages asked for files off this machine"
