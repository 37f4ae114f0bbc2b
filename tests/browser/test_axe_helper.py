"""The accessibility helper itself: it fails on serious and critical violations, and only those.

Hand-written pages (no server): one page with violations of each weight, one without.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.axe import (
    InaccessibleError,
    assert_accessible,
    assert_accessible_copy,
    violations,
)

pytestmark = pytest.mark.browser

# An image without a text alternative and a button without a name (both critical in axe),
# inside an otherwise sound page.
BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Vote</h1>
<img id="logo" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button id="send"></button>
</main></body></html>"""

# Only moderate findings: no main landmark, no level-one heading, text outside landmarks.
MODERATE = """<!doctype html><html lang="en"><head><title>Moderate</title></head>
<body><div><p>Results</p></div></body></html>"""

SOUND = """<!doctype html><html lang="en"><head><title>Sound</title></head>
<body><main><h1>Vote</h1><form><label for="c">Voter code</label><input id="c" name="c">
<button type="submit">Cast my ballot</button></form></main></body></html>"""


def test_fails_naming_each_serious_or_critical_violation(desktop: Page) -> None:
    desktop.set_content(BROKEN)
    with pytest.raises(InaccessibleError) as failed:
        assert_accessible(desktop)
    report = str(failed.value)
    assert "2 serious or critical accessibility violations" in report
    assert "image-alt (critical): Images must have alternative text" in report
    assert "on: #logo" in report
    assert "button-name (critical)" in report
    assert "on: #send" in report


def test_passes_a_page_with_only_moderate_findings(desktop: Page) -> None:
    desktop.set_content(MODERATE)
    impacts = {v["id"]: v["impact"] for v in violations(desktop)}
    assert impacts == {
        "landmark-one-main": "moderate",
        "page-has-heading-one": "moderate",
        "region": "moderate",
    }
    assert_accessible(desktop)


def test_passes_a_sound_page_on_a_phone(phone: Page) -> None:
    phone.set_content(SOUND)
    assert violations(phone) == []
    assert_accessible(phone)


def test_a_page_seen_without_script_is_checked_as_a_copy(
    phone_without_script: Page, phone: Page
) -> None:
    """axe-core cannot run where script is off; the copy, at the same address, is checked."""
    address = "http://127.0.0.1:9/broken"  # answered by the route below, never the network
    phone_without_script.route(
        address, lambda route: route.fulfill(body=BROKEN, content_type="text/html")
    )
    phone_without_script.goto(address)
    with pytest.raises(InaccessibleError) as failed:
        assert_accessible_copy(phone, phone_without_script)
    assert f"violations on {address}" in str(failed.value)
    assert "image-alt (critical)" in str(failed.value)
