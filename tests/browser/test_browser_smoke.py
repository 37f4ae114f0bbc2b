"""The pages the server has today, in a real Chromium against `pbengine serve --demo`."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import InaccessibleError, assert_accessible, axe_version
from tests.browser.conftest import Live, Shot

pytestmark = pytest.mark.browser


def open_json(page: Page, url: str) -> object:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url}: {response.status}"
    return json.loads(page.inner_text("body"))


def test_health_on_desktop_and_phone(
    live: Live, desktop: Page, phone: Page, shot: Shot, offsite: list[str]
) -> None:
    for name, page in (("desktop", desktop), ("phone", phone)):
        assert open_json(page, f"{live.base}/health") == {"status": "ok"}
        shot(page, name)
    assert offsite == []


def test_the_published_demo_round_results_are_public(
    live: Live, desktop: Page, shot: Shot, offsite: list[str]
) -> None:
    results = open_json(desktop, f"{live.base}/api/v1/rounds/{live.published_round}/results")
    assert isinstance(results, dict)
    assert results["phase"] == "published"
    assert results["selected"], "the demo round funds something"
    shot(desktop, "results-json")
    assert offsite == []


def test_swagger_page_is_served(live: Live, desktop: Page, phone: Page, shot: Shot) -> None:
    for name, page in (("desktop", desktop), ("phone", phone)):
        response = page.goto(f"{live.base}/schema/swagger")
        assert response is not None
        assert response.status == 200
        assert page.title() == "pbengine"
        shot(page, name)


def test_swagger_ui_renders_without_the_network(
    live: Live, desktop: Page, offsite: list[str], shot: Shot
) -> None:
    desktop.goto(f"{live.base}/schema/swagger")
    desktop.wait_for_load_state("networkidle")
    assert offsite == [], "asked for files off this machine"
    assert desktop.locator("#swagger-container *").count() > 0, "nothing rendered"
    # The bearer scheme is declared, so a token or voter code can be sent from the page.
    desktop.get_by_role("button", name="Authorize").first.click()
    expect(desktop.get_by_text("bearer  (http, Bearer)")).to_be_visible()
    shot(desktop, "authorize")


@pytest.mark.xfail(
    strict=True,
    raises=InaccessibleError,  # not axe failing to load, nor a missing browser
    reason="finding: Swagger UI 5.35 nests a button inside each operation's summary button "
    "(axe: nested-interactive, serious); no setting removes it. Its contrast and the unlabelled "
    "server list are corrected by pbengine-a11y.css/.js",
)
def test_the_swagger_page_is_accessible(live: Live, desktop: Page, offsite: list[str]) -> None:
    desktop.goto(f"{live.base}/schema/swagger")
    desktop.wait_for_load_state("networkidle")
    assert axe_version(desktop).startswith("4."), "axe-core did not load"
    assert_accessible(desktop)
