"""Council staff, signed in through the form in Chromium: review proposals, issue voter
codes and print their slips, a resident votes from a slip's QR address, staff allocate and
publish. Every page is screenshotted (desktop and phone) and checked with axe-core; the
slips are also laid out for print (a screenshot and a PDF)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, SCREENSHOTS, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser

ROUND = {
    "title": "Millbrook 2028",
    "budget": "50000",
    "currency": "EUR",
    "districts": [{"name": "Harbour", "population": 4000}, {"name": "Hill", "population": 6000}],
    "categories": ["parks", "streets"],
    "outcomes": [{"key": "greener", "title": "Greener streets"}],
    "ballot": {"type": "approval", "max_length": 2},
    "rule": "greedy",
}
PROPOSALS = (
    ("Benches by the canal", "Harbour", "Ada Lovelace"),
    ("Canal benches, more of them", "Harbour", None),
    ("A new pier", "Harbour", "Pier Friends"),
    ("Hill park lighting", "Hill", None),
)


def api(live: Live, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method,
        f"{live.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {live.staff_token}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


def round_in_review(live: Live) -> int:
    round_id: int = api(live, "POST", "/rounds", ROUND)["id"]
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "proposals"})
    for title, district, proposer in PROPOSALS:
        proposal = {
            "title": title,
            "description": f"{title}: what residents asked for.",
            "cost_estimate": "12000",
            "district": district,
            "categories": ["parks"],
            "outcomes": ["greener"],
            "proposer": proposer,
        }
        api(live, "POST", f"/rounds/{round_id}/projects", proposal)
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "review"})
    return round_id


def card(page: Page, title: str) -> Any:
    return page.locator(".proposal").filter(has=page.get_by_role("heading", name=title, exact=True))


def review(page: Page, live: Live, round_id: int, shot: Shot) -> None:
    page.goto(f"{live.base}/staff/rounds/{round_id}/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review the proposals")
    shot(page, "1-review")
    assert_accessible(page)

    # A reject without a reason: refused, the field marked and the queue still there.
    card(page, "A new pier").get_by_role("button", name="Reject A new pier").click()
    expect(page.get_by_role("alert")).to_contain_text("Write why the proposal is rejected")
    expect(page.get_by_role("heading", name="Awaiting review (4)")).to_be_visible()
    shot(page, "2-review-refused")
    assert_accessible(page)

    pier = card(page, "A new pier")
    pier.get_by_label("Reason for rejecting").fill("The pier belongs to the port authority.")
    pier.get_by_role("button", name="Reject A new pier").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: “A new pier”.")
    benches = card(page, "Benches by the canal")
    benches.get_by_label("Final cost (EUR)").fill("14500")
    benches.get_by_role("button", name="Accept Benches by the canal").click()
    more = card(page, "Canal benches, more of them")
    more.get_by_label("Merge into").select_option(label="Benches by the canal")
    more.get_by_role("button", name="Merge Canal benches, more of them").click()
    light = card(page, "Hill park lighting")
    light.get_by_role("button", name="Accept Hill park lighting").click()
    expect(page.get_by_role("heading", name="Awaiting review (0)")).to_be_visible()
    shot(page, "3-reviewed")
    assert_accessible(page)

    page.goto(f"{live.base}/rounds/{round_id}/projects")
    expect(page.get_by_role("main")).to_contain_text("The pier belongs to the port authority.")


def issue_codes(page: Page, live: Live, round_id: int, shot: Shot) -> list[str]:
    page.goto(f"{live.base}/staff/rounds/{round_id}/codes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voter codes")
    shot(page, "4-codes")
    assert_accessible(page)
    page.get_by_label("How many codes").fill("9")
    page.get_by_label("District of these voters (optional)").select_option("Hill")
    page.get_by_role("button", name="Issue the codes and show the slips").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("9 voter codes, ready to print")
    expect(page.get_by_text("These codes are shown only this once.")).to_be_visible()
    expect(page.get_by_role("button", name="Print the slips")).to_be_visible()
    codes = page.locator(".slip-code code").all_inner_texts()
    assert len(set(codes)) == 9
    shot(page, "5-slips")
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.get_by_text("These codes are shown only this once.")).to_be_hidden()
    shot(page, "6-slips-print")
    page.pdf(path=SCREENSHOTS / "test_staff_council_pages-slips.pdf", format="A4")
    page.emulate_media(media="screen")
    return codes


def vote_from_a_slip(browser: Browser, live: Live, round_id: int, code: str, shot: Shot) -> None:
    """A resident scans a slip: the address with the code after '#' fills in the code."""
    context = new_context(browser, [], PHONE)
    phone = context.new_page()
    phone.goto(f"{live.base}/rounds/{round_id}/vote#code={code}")
    expect(phone.get_by_label("Voter code")).to_have_value(code)
    assert "#" not in phone.url, "the code stays in the address bar"
    phone.get_by_role("checkbox", name="Benches by the canal").check()
    phone.get_by_role("button", name="Review my vote").click()
    phone.get_by_role("button", name="Cast my vote").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is cast")
    shot(phone, "7-voted-from-a-slip")
    context.close()


def allocate_and_publish(page: Page, live: Live, round_id: int, shot: Shot) -> None:
    page.goto(f"{live.base}/staff/rounds/{round_id}/allocation")
    expect(page.get_by_text("The allocation runs once voting has closed")).to_be_visible()
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "closed"})
    page.reload()
    shot(page, "8-allocation")
    assert_accessible(page)
    page.get_by_role("button", name="Run the allocation").click()
    expect(page.get_by_text("Not published yet.")).to_be_visible()
    expect(page.get_by_role("heading", name="Funded projects")).to_be_visible()
    shot(page, "9-allocation-preview")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the results").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    page.get_by_label("I have read the results").check()
    page.get_by_role("button", name="Publish the results").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    shot(page, "10-published")
    assert_accessible(page)
    page.get_by_role("link", name="The public results page").click()
    expect(page.get_by_role("main")).to_contain_text("Benches by the canal")


def test_council_staff_review_issue_codes_allocate_and_publish(
    live: Live, staff_desktop: Page, browser: Browser, shot: Shot, offsite: list[str]
) -> None:
    round_id = round_in_review(live)
    review(staff_desktop, live, round_id, shot)
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "voting"})
    codes = issue_codes(staff_desktop, live, round_id, shot)
    vote_from_a_slip(browser, live, round_id, codes[0], shot)
    allocate_and_publish(staff_desktop, live, round_id, shot)
    assert offsite == []


def test_the_council_pages_on_a_phone(
    live: Live, browser: Browser, shot: Shot, offsite: list[str]
) -> None:
    round_id = round_in_review(live)
    context = new_context(browser, offsite, PHONE)
    page = context.new_page()
    sign_in(page, live, live.staff_token)
    for name, path in (
        ("review", f"{round_id}/review"),
        ("codes", f"{live.voting_round}/codes"),
        ("allocation", f"{live.voting_round}/allocation"),
        ("allocation-published", f"{live.published_round}/allocation"),
    ):
        page.goto(f"{live.base}/staff/rounds/{path}")
        shot(page, name)
        assert_accessible(page)
    page.goto(f"{live.base}/staff/rounds/{live.voting_round}/codes")
    page.get_by_label("How many codes").fill("2")
    page.get_by_role("button", name="Issue the codes and show the slips").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2 voter codes, ready to print")
    shot(page, "slips")
    assert_accessible(page)
    context.close()
