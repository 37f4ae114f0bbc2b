"""Paper ballots in Chromium: two staff members, each signed in through the sign-in form in a
browser of their own, enter the same batch of three papers with the keyboard alone (one
disagreement), one of them decides it, and the batch counts as paper ballots. Every page is
checked with axe-core and screenshotted on a desktop and on a 390 by 844 phone."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, ROOT, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser

COUNCIL = "Riverside (demo)"
OUTCOMES = (("greener", "Greener streets"), ("safer", "Safer routes to school"))
ROUND = {
    "title": "Eastgate 2028",
    "budget": "60000",
    "currency": "EUR",
    "outcomes": [{"key": k, "title": t} for k, t in OUTCOMES],
    "ballot": {"type": "approval", "max_length": 2},
    "rule": "greedy",
}
PROJECTS = ("Benches by the library", "A drinking fountain", "Bike racks at the station")


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


def voting_round(live: Live) -> tuple[int, list[str]]:
    """A round of the demo council open for voting, three projects, three fresh codes."""
    round_id: int = api(live, "POST", "/rounds", ROUND)["id"]
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "proposals"})
    projects = []
    for title in PROJECTS:
        proposal = {"title": title, "cost_estimate": "15000", "outcomes": ["greener"]}
        projects.append(api(live, "POST", f"/rounds/{round_id}/projects", proposal)["id"])
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "review"})
    for project in projects:
        review = {"decision": "accept", "cost": "15000"}
        api(live, "POST", f"/rounds/{round_id}/projects/{project}/review", review)
    api(live, "POST", f"/rounds/{round_id}/phase", {"phase": "voting"})
    codes: list[str] = api(live, "POST", f"/rounds/{round_id}/voter-codes", {"count": 3})["codes"]
    return round_id, codes


def staff_token(live: Live, name: str) -> str:
    """Another member of the demo council's staff, made with the CLI as an administrator would."""
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pbengine.cli import main; sys.exit(main(sys.argv[1:]))",
            *["token", "create", "--role", "council", "--council", COUNCIL, "--name", name],
        ],
        cwd=ROOT,
        env={"PBENGINE_DATABASE_URL": live.database, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"pbe_\S+", made.stdout)
    assert found, made.stdout + made.stderr
    return found.group(0)


@pytest.fixture
def clerks(browser: Browser, offsite: list[str], live: Live) -> Iterator[tuple[Page, Page]]:
    """The demo clerk and a second clerk, each in a browser context of their own."""
    contexts = [new_context(browser, offsite, DESKTOP) for _ in range(2)]
    first, second = (context.new_page() for context in contexts)
    sign_in(first, live, live.staff_token)
    sign_in(second, live, staff_token(live, "Bea Second"))
    yield first, second
    for context in contexts:
        context.close()


def look(page: Page, shot: Shot, name: str) -> None:
    """axe-core, and a screenshot, on a desktop and on a phone."""
    assert_accessible(page)
    shot(page, f"{name}-desktop")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert_accessible(page)
    shot(page, f"{name}-phone")
    page.set_viewport_size({"width": DESKTOP["width"], "height": DESKTOP["height"]})


def focused(page: Page) -> str:
    """The focused control, as a reader would name it (its id and, for a box, its label)."""
    described: str = page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.id + '|' + (e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText) })()"
    )
    return described


def type_ballot(page: Page, code: str, ticks: list[int], priorities: list[str], saved: int) -> None:
    """One paper ballot, keyboard only: the code (the field has the focus), Tab over the
    project boxes in the order the paper prints them, Space where the paper has a tick; Tab
    to each ranked place of the outcome priorities and type the one the paper puts there;
    Enter."""
    expect(page.get_by_label("Voter code on the paper")).to_be_focused()
    page.keyboard.type(code)
    for box in range(1, len(PROJECTS) + 1):
        page.keyboard.press("Tab")
        if box in ticks:
            page.keyboard.press("Space")
    for place in range(len(OUTCOMES)):
        page.keyboard.press("Tab")
        if place < len(priorities):
            page.keyboard.type(priorities[place])
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"Saved: ballot {saved}, code ending")


def open_batch(ana: Page, live: Live, round_id: int, shot: Shot) -> str:
    ana.goto(f"{live.base}/staff/rounds/{round_id}/paper")
    expect(ana.get_by_text("No batch yet.")).to_be_visible()
    # A batch without a name: refused beside the field.
    ana.get_by_role("button", name="Open the batch").click()
    expect(ana.get_by_role("alert")).to_contain_text("Give the batch a name")
    look(ana, shot, "01-open-refused")
    ana.get_by_label("Name of the batch").fill("Library box 3")
    ana.get_by_label("Number of papers (optional)").fill("3")
    ana.get_by_role("button", name="Open the batch").click()
    look(ana, shot, "02-batch-new")
    return ana.url


def check_tab_order(ana: Page) -> None:
    """The tab order is the paper's: the code, each project, each outcome priority, Save."""
    order = []
    for _ in range(6):
        ana.keyboard.press("Tab")
        order.append(focused(ana).split("|")[1].strip())
    assert order == [*PROJECTS, "Priority 1", "Priority 2", "Save and next"]


def enter_pass_1(ana: Page, codes: list[str], shot: Shot) -> None:
    ana.get_by_role("link", name="Enter ballots (pass 1)").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text("Ballot 1 of 3 (pass 1)")
    look(ana, shot, "03-entry")
    check_tab_order(ana)
    ana.reload()
    # Typing before the reloaded page has focused the code field would drop keys.
    expect(ana.get_by_label("Voter code on the paper")).to_be_focused()
    # A mistyped code is refused beside its field, what was typed is kept, focus on the code.
    ana.keyboard.type("ZZZZ-ZZZZ")
    ana.keyboard.press("Tab")
    ana.keyboard.press("Space")
    ana.keyboard.press("Enter")
    expect(ana.get_by_role("alert")).to_contain_text("This voter code was not issued")
    code = ana.get_by_label("Voter code on the paper")
    expect(code).to_have_value("ZZZZ-ZZZZ")
    expect(code).to_be_focused()
    expect(ana.get_by_role("checkbox", name=PROJECTS[0])).to_be_checked()
    look(ana, shot, "04-entry-refused")
    ana.keyboard.press("Control+A")
    ana.keyboard.type(codes[0])
    ana.keyboard.press("Enter")
    expect(ana.get_by_role("status")).to_contain_text("Saved: ballot 1, code ending")
    look(ana, shot, "05-entry-saved")
    # The ranked outcome priorities, typed into their places, are read back in that order.
    type_ballot(ana, codes[1], [2], ["Safer", "Greener"], saved=2)
    type_ballot(ana, codes[2], [3], [], saved=3)
    expect(ana.get_by_text("Your pass holds all 3 papers of this batch")).to_be_visible()
    look(ana, shot, "06-pass-complete")


def reconcile_and_count(ana: Page, batch: str, shot: Shot) -> None:
    ana.goto(batch)
    expect(ana.locator(".disagreement")).to_have_count(1)
    heading = ana.get_by_role("heading", name=re.compile("^Ballot 2 · code ending"))
    expect(heading).to_contain_text("the choices differ")
    expect(ana.get_by_role("button", name="Count this batch")).to_be_disabled()
    expect(ana.locator("#count-why")).to_contain_text("1 disagreement is still to decide")
    look(ana, shot, "07-reconciliation")
    ana.get_by_label("Pass 1's entry").check()
    ana.get_by_label("What the paper shows").fill("Bike racks are crossed out, not ticked.")
    ana.get_by_role("button", name="Decide ballot 2").click()
    expect(ana.get_by_text("Decided by demo clerk:")).to_be_visible()
    look(ana, shot, "08-decided")
    ana.get_by_role("button", name="Count this batch").click()
    expect(ana.get_by_role("status")).to_contain_text(
        "3 ballots from this batch now count, as paper ballots."
    )
    expect(ana.locator("code.hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    look(ana, shot, "09-counted")


def test_two_clerks_enter_a_batch_by_keyboard_reconcile_it_and_count_it(
    clerks: tuple[Page, Page], live: Live, shot: Shot
) -> None:
    ana, bea = clerks
    round_id, codes = voting_round(live)
    batch = open_batch(ana, live, round_id, shot)
    enter_pass_1(ana, codes, shot)
    ana.goto(batch)
    expect(ana.get_by_text("Pass 2 must be entered by another staff member")).to_be_visible()

    # The second clerk reads paper 2 differently: the drinking fountain and the bike racks.
    bea.goto(batch)
    bea.get_by_role("link", name="Enter ballots (pass 2)").click()
    expect(bea.get_by_role("heading", level=1)).to_have_text("Ballot 1 of 3 (pass 2)")
    type_ballot(bea, codes[0], [1], [], saved=1)
    type_ballot(bea, codes[1], [2, 3], ["Safer", "Greener"], saved=2)
    type_ballot(bea, codes[2], [3], [], saved=3)

    reconcile_and_count(ana, batch, shot)
    counted = httpx.get(f"{live.base}/api/v1/rounds/{round_id}/ballots/count", timeout=30)
    assert counted.json()["by_channel"] == {"paper": 3}, counted.text
    ana.goto(f"{live.base}/staff/rounds/{round_id}/paper")
    expect(ana.locator(".batches")).to_contain_text("Counted")
    look(ana, shot, "10-batches")


def test_a_ballot_is_entered_by_keyboard_with_javascript_off(
    browser: Browser, offsite: list[str], live: Live
) -> None:
    """Without script, Enter saves from the code field, and from the button a Tab away from the
    last box; the hint on the screen says so."""
    round_id, codes = voting_round(live)
    context = new_context(browser, offsite, DESKTOP, javascript=False)
    page = context.new_page()
    sign_in(page, live, live.staff_token)
    page.goto(f"{live.base}/staff/rounds/{round_id}/paper")
    page.get_by_label("Name of the batch").fill("No script box")
    page.get_by_role("button", name="Open the batch").click()
    page.get_by_role("link", name="Enter ballots (pass 1)").click()
    expect(page.locator("#keys")).to_contain_text("from a box, Tab on to “Save and next”")
    expect(page.locator("#keys [data-with-script]")).to_be_hidden()
    # The code field takes focus by autofocus, which can come a moment after the page has
    # loaded: keys typed before it would go to the page, and every Tab after them astray.
    expect(page.get_by_label("Voter code on the paper")).to_be_focused()
    page.keyboard.type(codes[0])
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(len(PROJECTS) - 1 + len(OUTCOMES) + 1):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and next")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved: ballot 1, code ending")
    # From the code field, Enter sends the form (here without a tick: refused, in words).
    expect(page.get_by_label("Voter code on the paper")).to_be_focused()
    page.keyboard.type(codes[1])
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Nothing is ticked")
    context.close()
