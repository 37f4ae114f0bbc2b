"""Residents assess the delivered projects in Chromium: with the keyboard on a desktop, and
on a phone with JavaScript off; then everyone reads what they said. A round of the demo
council is taken through voting and delivery to the assessment over the JSON API. Every
page is screenshotted and checked with axe-core (pages seen without script as a copy)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_accessible, assert_accessible_copy
from tests.browser.conftest import Live, Shot

pytestmark = pytest.mark.browser

ROUND = {
    "title": "Elmstead 2028",
    "budget": "30000",
    "currency": "EUR",
    "districts": [{"name": "Harbour", "population": 4000}, {"name": "Hill", "population": 6000}],
    "outcomes": [
        {"key": "greener", "title": "Greener streets"},
        {"key": "safer", "title": "Safer routes to school"},
    ],
    "ballot": {"type": "approval", "max_length": 3},
    "rule": "greedy",
}
PROJECTS = {
    "Benches by the canal": ["greener"],
    "Lit path to the school": ["greener", "safer"],
    "A new pier": ["greener"],
}


def api(live: Live, method: str, path: str, body: Any = None, token: str = "") -> Any:
    response = httpx.request(
        method,
        f"{live.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {token or live.staff_token}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


def round_in_assessment(live: Live) -> tuple[int, list[str]]:
    """Benches and the path delivered, the pier cancelled; two voter codes and one
    assessment code (Hill), in that order."""
    round_id: int = api(live, "POST", "/rounds", ROUND)["id"]
    url = f"/rounds/{round_id}"
    step = {phase: {"phase": phase} for phase in ("proposals", "review", "voting", "closed")}
    api(live, "POST", f"{url}/phase", step["proposals"])
    keys = []
    for title, outcomes in PROJECTS.items():
        proposal = {"title": title, "cost_estimate": "9000", "outcomes": outcomes}
        keys.append(api(live, "POST", f"{url}/projects", proposal)["id"])
    api(live, "POST", f"{url}/phase", step["review"])
    for key in keys:
        api(live, "POST", f"{url}/projects/{key}/review", {"decision": "accept", "cost": "9000"})
    api(live, "POST", f"{url}/phase", step["voting"])
    codes: list[str] = []
    for district in ("Harbour", "Hill"):
        order = {"count": 1, "attributes": {"district": district}}
        codes += api(live, "POST", f"{url}/voter-codes", order)["codes"]
    for code in codes:
        api(live, "POST", f"{url}/ballots", {"projects": keys}, token=code)
    api(live, "POST", f"{url}/phase", step["closed"])
    api(live, "POST", f"{url}/allocation")
    for phase in ("published", "delivery"):
        api(live, "POST", f"{url}/phase", {"phase": phase})
    built = {"title": "Built", "planned": "2028-06-01", "actual": "2028-06-03"}
    for key in keys[:2]:
        api(live, "POST", f"{url}/delivery/{key}/milestones", built | {"status": "delivered"})
    api(live, "POST", f"{url}/delivery/{keys[2]}/cancel", {"reason": "the harbour refused it"})
    order = {"count": 1, "district": "Hill"}
    codes += api(live, "POST", f"{url}/assessment-codes", order)["codes"]
    api(live, "POST", f"{url}/phase", {"phase": "assessment"})
    return round_id, codes


def project(page: Page, title: str) -> Locator:
    return page.get_by_role("region", name=title)


def answer_with_the_keyboard(page: Page, path: Locator) -> None:
    """Space ticks the focused answer, Tab goes on to the next question, arrows choose in it;
    the focus ends on the project's Save button."""
    path.get_by_role("group", name="Did it happen?").get_by_role("radio", name="Yes").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to "Is it used?", on its first answer
    page.keyboard.press("ArrowDown")  # Partly
    page.keyboard.press("Tab")  # to greener streets, on "I cannot judge"
    page.keyboard.press("ArrowUp")  # 5, very much
    page.keyboard.press("ArrowUp")  # 4
    page.keyboard.press("Tab")  # safer routes: left as "I cannot judge"
    page.keyboard.press("Tab")
    expect(path.get_by_label("Comment (optional)")).to_be_focused()
    page.keyboard.type("Lit at last; children use it every morning.")
    page.keyboard.press("Tab")
    expect(path.get_by_role("button")).to_be_focused()


def test_a_resident_assesses_and_revises_with_the_keyboard(
    live: Live, desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    page = desktop
    round_id, codes = round_in_assessment(live)
    page.goto(f"{live.base}/rounds/{round_id}")
    page.get_by_role("link", name="Assess the delivered projects").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assess the delivered projects")
    shot(page, "1-code")
    assert_accessible(page)
    page.get_by_label("Your code").fill("NOT-A-CODE")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields")
    shot(page, "2-code-refused")
    assert_accessible(page)
    page.get_by_label("Your code").fill(codes[0])
    page.keyboard.press("Enter")
    path = project(page, "Lit path to the school")
    expect(path).to_be_visible()
    expect(project(page, "A new pier")).to_have_count(0)
    assert codes[0] not in page.url
    shot(page, "3-forms")
    assert_accessible(page)

    answer_with_the_keyboard(page, path)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "Thank you: your assessment of “Lit path to the school” is recorded."
    )
    path = project(page, "Lit path to the school")
    expect(path.get_by_role("group", name="Is it used?").get_by_label("Partly")).to_be_checked()
    greener = path.get_by_role("group", name="Did it help towards “Greener streets”?")
    expect(greener.get_by_label("4")).to_be_checked()
    shot(page, "4-recorded")
    assert_accessible(page)

    # Revising: the answer shown is changed, and saved again.
    path.get_by_role("group", name="Is it used?").get_by_label("Partly").focus()
    page.keyboard.press("ArrowUp")  # Yes
    path.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is revised: it replaces your earlier one")
    used = project(page, "Lit path to the school").get_by_role("group", name="Is it used?")
    expect(used.get_by_label("Yes")).to_be_checked()
    shot(page, "5-revised")
    assert_accessible(page)
    assert offsite == []


def test_a_resident_assesses_on_a_phone_without_javascript_and_reads_the_results(
    live: Live, phone_without_script: Page, phone: Page, shot: Shot, offsite: list[str]
) -> None:
    page = phone_without_script
    round_id, codes = round_in_assessment(live)
    page.goto(f"{live.base}/rounds/{round_id}/delivery")
    page.get_by_role("link", name="Assess the delivered projects").click()
    page.get_by_label("Your code").fill(codes[2])  # an assessment code
    page.get_by_role("button", name="Continue").click()
    benches = project(page, "Benches by the canal")
    benches.get_by_role("button").click()  # nothing answered
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields")
    expect(project(page, "Benches by the canal")).to_contain_text(
        "Say whether the project happened."
    )
    shot(page, "1-refused")
    assert_accessible_copy(phone, page)

    benches = project(page, "Benches by the canal")
    benches.get_by_role("group", name="Did it happen?").get_by_label("Partly").check()
    benches.get_by_role("group", name="Is it used?").get_by_label("I don't know").check()
    benches.get_by_label("2", exact=True).check()
    benches.get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("is recorded")
    shot(page, "2-recorded")
    assert_accessible_copy(phone, page)
    assert fits(page), "the forms scroll sideways on a phone"

    api(
        live,
        "POST",
        f"/rounds/{round_id}/assessment/{benches_key(live, round_id)}/answer",
        {"text": "We will add more benches along the towpath."},
    )
    for size, seen in (("phone", page), ("phone-script", phone)):
        seen.goto(f"{live.base}/rounds/{round_id}")
        seen.get_by_role(
            "link", name="Read what residents said about the delivered projects"
        ).click()
        expect(seen.get_by_role("heading", level=1)).to_have_text(
            "What residents said about the delivered projects"
        )
        expect(seen.get_by_text("1 resident assessed at least one project.")).to_be_visible()
        expect(seen.get_by_text("We will add more benches along the towpath.")).to_be_visible()
        shot(seen, f"3-results-{size}")
        assert fits(seen), "the results page scrolls sideways on a phone"
    assert_accessible(phone)
    assert offsite == []


def fits(page: Page) -> bool:
    wide: bool = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    return wide


def benches_key(live: Live, round_id: int) -> str:
    projects = api(live, "GET", f"/rounds/{round_id}/projects")
    listed = projects if isinstance(projects, list) else projects["projects"]
    [key] = [p["id"] for p in listed if p["title"] == "Benches by the canal"]
    return str(key)


def test_the_results_page_is_accessible_on_desktop(
    live: Live, desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    round_id, _ = round_in_assessment(live)
    desktop.goto(f"{live.base}/rounds/{round_id}/assessment")
    expect(desktop.get_by_role("heading", name="Outcome priorities")).to_be_visible()
    shot(desktop, "results")
    assert_accessible(desktop)
    assert offsite == []
