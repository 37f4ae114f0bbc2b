"""Staff and auditors sign in through the form, and their pages pass axe on desktop and phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser


def test_staff_sign_in_and_see_their_rounds(
    live: Live, staff_desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    page = staff_desktop
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff: your rounds")
    shot(page, "home")
    assert_accessible(page)
    page.get_by_role("link", name="Riverside 2027: try voting here (demo)").click()
    expect(page.get_by_text("Next step:")).to_be_visible()
    shot(page, "overview")
    assert_accessible(page)
    page.get_by_role("link", name="Its audit page").click()
    expect(page.get_by_role("link", name="Download the record (JSON)")).to_be_visible()
    shot(page, "audit")
    assert_accessible(page)
    page.goto(f"{live.base}/staff")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live.base}/")
    assert offsite == []


def test_the_sign_in_and_audit_pages_on_a_phone(
    live: Live, browser: Browser, shot: Shot, offsite: list[str]
) -> None:
    context = new_context(browser, offsite, PHONE)
    page = context.new_page()
    page.goto(f"{live.base}/rounds/{live.published_round}/audit")
    shot(page, "audit-public")
    assert_accessible(page)
    page.goto(f"{live.base}/staff/sign-in")
    page.get_by_label("Your token").fill("pbe_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid staff or auditor token")
    shot(page, "sign-in-refused")
    assert_accessible(page)
    sign_in(page, live, live.auditor_token)
    shot(page, "auditor-home")
    assert_accessible(page)
    context.close()
