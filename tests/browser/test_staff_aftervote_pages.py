"""Council staff after the vote, signed in through the form in Chromium: the delivery desk
used from the keyboard (a milestone, a refused amount shown beside its field, spending, a
confirmed cancellation, a what-if and the reallocation applied), the volunteers with their
contacts, assessment codes shown once and a public answer. Every page is screenshotted on
desktop and phone widths and checked with axe-core."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser

ROUND = {
    "title": "Millbrook after the vote",
    "budget": "20000",
    "currency": "EUR",
    "districts": [{"name": "Harbour", "population": 4000}, {"name": "Hill", "population": 6000}],
    "outcomes": [{"key": "greener", "title": "Greener streets"}],
    "ballot": {"type": "approval", "max_length": 2},
    "rule": "greedy",
    "reallocation": "next-in-order",
}
PROJECTS = ("Benches", "Bike racks", "Bird boxes")
CONTACT = "ada.private@example.org"


def api(live: Live, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    response = httpx.request(
        method,
        f"{live.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {token or live.staff_token}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


def round_in_delivery(live: Live) -> tuple[int, dict[str, str]]:
    """Benches and Bike racks funded (20,000 of three projects at 10,000), in delivery."""
    round_id: int = api(live, "POST", "/rounds", ROUND)["id"]
    url = f"/rounds/{round_id}"
    api(live, "POST", f"{url}/phase", {"phase": "proposals"})
    keys = {}
    for title in PROJECTS:
        proposal = {"title": title, "cost_estimate": "10000", "outcomes": ["greener"]}
        keys[title] = api(live, "POST", f"{url}/projects", proposal)["id"]
    api(live, "POST", f"{url}/phase", {"phase": "review"})
    for key in keys.values():
        api(live, "POST", f"{url}/projects/{key}/review", {"decision": "accept", "cost": "10000"})
    api(live, "POST", f"{url}/phase", {"phase": "voting"})
    codes = api(live, "POST", f"{url}/voter-codes", {"count": 3})["codes"]
    choices = ([keys["Benches"], keys["Bike racks"]],) * 2 + ([keys["Bird boxes"]],)
    for code, chosen in zip(codes, choices, strict=True):
        api(live, "POST", f"{url}/ballots", {"projects": chosen}, token=code)
    api(live, "POST", f"{url}/phase", {"phase": "closed"})
    api(live, "POST", f"{url}/allocation")
    for phase in ("published", "delivery"):
        api(live, "POST", f"{url}/phase", {"phase": phase})
    return round_id, keys


def card(page: Page, title: str) -> Locator:
    heading = page.get_by_role("heading", name=title, exact=True)
    return page.locator(".delivery-project").filter(has=heading)


def by_keyboard(page: Page, round_id: int, shot: Shot) -> None:
    """A milestone added and money spent with the keyboard alone: Tab, type, Enter."""
    benches = card(page, "Benches")
    benches.get_by_label("Title").focus()
    page.keyboard.type("Benches ordered")
    page.keyboard.press("Tab")
    page.keyboard.type("06012027")  # June 1: headless Chromium puts the month first
    page.keyboard.press("Enter")  # submits the form from any of its fields
    expect(page.get_by_role("status")).to_contain_text("Saved: a milestone added to “Benches”.")
    expect(card(page, "Benches").get_by_role("table")).to_contain_text("June 1, 2027")

    card(page, "Benches").get_by_label("Amount (EUR)").focus()
    page.keyboard.type("12,50")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("an exact amount above zero")
    amount = card(page, "Benches").get_by_label("Amount (EUR)")
    expect(amount).to_have_attribute("aria-invalid", "true")
    shot(page, "2-spending-refused")
    assert_accessible(page)
    amount.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1500.50")
    page.keyboard.press("Tab")
    page.keyboard.type("06022027")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved: money spent on “Benches”.")
    expect(card(page, "Benches")).to_contain_text("€1,500.50")


def cancel_and_reallocate(page: Page, shot: Shot) -> None:
    racks = card(page, "Bike racks")
    racks.get_by_text("Cancel this project").focus()
    page.keyboard.press("Enter")  # opens the details
    racks.get_by_label("Public reason").fill("The racks were donated by a local shop.")
    racks.get_by_label("I confirm that this project will not be delivered.").focus()
    page.keyboard.press("Space")
    racks.get_by_role("button", name="Cancel the project Bike racks").click()
    expect(page.get_by_role("status")).to_contain_text("is cancelled, with its reason")
    expect(card(page, "Bike racks")).to_contain_text("Will not be delivered")

    page.get_by_role("button", name="Show what it would fund now").click()
    preview = page.locator(".preview")
    expect(preview).to_contain_text("Bird boxes (€10,000.00)")
    preview.get_by_text("Why each project is or is not funded").click()
    shot(page, "3-what-if")
    assert_accessible(page)
    page.get_by_label("I confirm: reallocate the released money by the declared rule").check()
    page.get_by_role("button", name="Apply the reallocation").click()
    expect(page.get_by_role("status")).to_contain_text("the released money is reallocated")
    expect(page.get_by_role("heading", name="Funded projects (3)")).to_be_visible()
    shot(page, "4-reallocated")
    assert_accessible(page)


def volunteers(page: Page, live: Live, round_id: int, keys: dict[str, str], shot: Shot) -> None:
    offer = {"name": "Ada Lovelace", "offer": "I can paint the benches", "contact": CONTACT}
    path = f"/rounds/{round_id}/delivery/{keys['Benches']}/volunteers"
    httpx.post(f"{live.base}/api/v1{path}", json=offer, timeout=30).raise_for_status()
    page.get_by_role("link", name="Volunteers", exact=True).click()
    expect(page.get_by_text(CONTACT)).to_be_visible()
    page.get_by_label("Yes, they took part").check()
    page.get_by_role("button", name="Save · Ada Lovelace").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    shot(page, "5-volunteers")
    assert_accessible(page)


def assessment(page: Page, live: Live, round_id: int, shot: Shot) -> None:
    page.get_by_role("link", name="Assessment", exact=True).click()
    page.get_by_label("How many codes").fill("6")
    page.get_by_label("District of these residents (optional)").select_option("Hill")
    page.get_by_role("button", name="Issue the codes and show them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("6 assessment codes")
    assert len(set(page.locator(".codes-list code").all_inner_texts())) == 6
    shot(page, "6-assessment-codes")
    assert_accessible(page)
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "assessment"})
    page.goto(f"{live.base}/staff/rounds/{round_id}/assessment")
    answer = page.locator("li.card").filter(has=page.get_by_role("heading", name="Bike racks"))
    answer.get_by_label("The council's answer").fill("The racks came as a gift.")
    answer.get_by_role("button", name="Publish the answer").click()
    expect(page.get_by_role("status")).to_contain_text("answer on “Bike racks” is published")
    shot(page, "7-answered")
    assert_accessible(page)


def test_council_staff_record_the_delivery_by_keyboard_and_answer_residents(
    live: Live, staff_desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    round_id, keys = round_in_delivery(live)
    page = staff_desktop
    page.goto(f"{live.base}/staff/rounds/{round_id}")
    page.get_by_role("link", name="Delivery and released money").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery")
    shot(page, "1-delivery")
    assert_accessible(page)
    by_keyboard(page, round_id, shot)
    cancel_and_reallocate(page, shot)
    volunteers(page, live, round_id, keys, shot)
    assessment(page, live, round_id, shot)
    assert offsite == []


def test_the_after_vote_pages_on_a_phone(
    live: Live, browser: Browser, shot: Shot, offsite: list[str]
) -> None:
    round_id, keys = round_in_delivery(live)
    offer = {
        "name": "Hill Gardeners",
        "kind": "organisation",
        "offer": "Planting",
        "contact": CONTACT,
    }
    path = f"/rounds/{round_id}/delivery/{keys['Bike racks']}/volunteers"
    httpx.post(f"{live.base}/api/v1{path}", json=offer, timeout=30).raise_for_status()
    context = new_context(browser, offsite, PHONE)
    page = context.new_page()
    sign_in(page, live, live.staff_token)
    for name in ("delivery", "volunteers", "assessment"):
        page.goto(f"{live.base}/staff/rounds/{round_id}/{name}")
        shot(page, name)
        assert_accessible(page)
    page.goto(f"{live.base}/staff/rounds/{round_id}/delivery")
    card(page, "Benches").get_by_label("Title").fill("")
    card(page, "Benches").get_by_role("button", name="Add the milestone").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shot(page, "delivery-refused")
    assert_accessible(page)
    context.close()
    assert offsite == []
