"""Council staff set up a round from a preset and open it for proposals, in Chromium; the
set-up pages pass axe on desktop and on a phone, and the pre-flight report refreshes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible, assert_accessible_copy
from tests.browser.conftest import PHONE, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser


def fill_new_round(page: Page, title: str, budget: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Budget", exact=True).fill(budget)
    page.get_by_label("Districts", exact=True).fill("North, 5000\nSouth, 7000")
    page.get_by_label("Categories", exact=True).fill("parks\nstreets")
    page.get_by_label("Outcome priorities", exact=True).fill("greener, Greener streets")
    page.get_by_role("radio", name="equal-shares-districts").check()


def test_staff_create_a_round_from_a_preset_and_open_it_for_proposals(
    live: Live, staff_desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    page = staff_desktop
    page.get_by_role("link", name="New round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New round")
    assert_accessible(page)
    fill_new_round(page, "Hillside 2028", "250000")
    shot(page, "new-round")
    page.get_by_role("button", name="Create the round").click()

    expect(page.get_by_text("The round is created, in preparation.")).to_be_visible()
    expect(page.get_by_role("radio", name="equal-shares-districts")).to_be_checked()
    report = page.locator("#preflight-report")
    expect(report).to_contain_text("no accepted projects to vote on")
    # With script on, "Check again" fetches the report without leaving the page.
    page.get_by_role("link", name="Check again").click()
    expect(page.locator("#preflight-status")).to_have_text("Checked again just now.")
    assert "/setup" in page.url
    assert "#" not in page.url
    shot(page, "setup")
    assert_accessible(page)

    step = page.locator("#step-proposals")
    step.get_by_label("I have read what this step means").check()
    step.get_by_role("button", name="Open the round for proposals").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The round has moved from In preparation to Proposals."
    )
    shot(page, "opened-for-proposals")
    assert_accessible(page)
    assert offsite == []


def test_the_set_up_pages_on_a_phone_with_and_without_script(
    live: Live, browser: Browser, shot: Shot, offsite: list[str]
) -> None:
    context = new_context(browser, offsite, PHONE)
    page = context.new_page()
    sign_in(page, live, live.staff_token)
    page.goto(f"{live.base}/staff/rounds/new")
    fill_new_round(page, "Lakeside 2028", "abc")
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the budget as an amount above zero")
    expect(page.get_by_label("Budget", exact=True)).to_have_attribute("aria-invalid", "true")
    shot(page, "refused")
    assert_accessible(page)
    page.get_by_label("Budget", exact=True).fill("90 000")
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_text("The round is created, in preparation.")).to_be_visible()
    shot(page, "setup")
    assert_accessible(page)
    setup = page.url.split("?")[0]
    page.goto(f"{setup}?lang=pl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ustawienia: Lakeside 2028")
    shot(page, "setup-polish")
    assert_accessible(page)

    quiet = new_context(browser, offsite, PHONE, javascript=False)
    plain = quiet.new_page()
    sign_in(plain, live, live.staff_token)
    plain.goto(setup)
    plain.get_by_label("Title", exact=True).fill("Lakeside 2028 (renamed)")
    plain.get_by_role("button", name="Save the settings").click()
    expect(plain.get_by_text("The settings are saved.")).to_be_visible()
    expect(plain.locator("#preflight-report")).to_contain_text("no accepted projects")
    step = plain.locator("#step-proposals")
    step.get_by_role("button", name="Open the round for proposals").click()
    # Unticked, the browser itself holds the form back (the box is required).
    assert plain.url.startswith(setup)
    shot(plain, "setup-without-script")
    assert_accessible_copy(page, plain)
    quiet.close()
    context.close()
    assert offsite == []
