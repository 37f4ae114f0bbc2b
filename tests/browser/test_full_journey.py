"""A whole round in Chromium, as its people live it, through the pages alone.

Staff set up a round from a preset; a resident proposes; staff review; staff open voting
and print voter codes; three residents vote — one on a desktop, one on a phone, one on
paper, entered twice by two staff members with the keyboard alone, with one disagreement
reconciled; staff close voting, allocate and publish; a resident checks their tracker and
reads why a project was not funded. Every page is screenshotted and checked with axe-core
on the way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, ROOT, Live, Shot, new_context, sign_in

pytestmark = pytest.mark.browser

TITLE = "Brookside 2028"
PROJECTS = (
    # title, district, estimated cost, outcome priority; the council's final cost
    ("Shade trees on Mill Street", "East", "9000", "Greener streets", "9500"),
    ("Crossing guard shelter", "West", "7000", "Safer routes to school", "7000"),
    ("Skate ramp by the river", "East", "14000", "Greener streets", "14000"),
    ("A second ice rink", "West", "90000", "Safer routes to school", None),
)
BUDGET = "20000"


@dataclass
class Journey:
    live: Live
    shot: Shot
    offsite: list[str]
    round_id: int = 0
    step: int = 0

    def look(self, page: Page, name: str) -> None:
        """Every page of the journey: a screenshot, then axe."""
        self.step += 1
        self.shot(page, f"{self.step:02d}-{name}")
        assert_accessible(page)

    def url(self, path: str) -> str:
        return f"{self.live.base}{path}"


@pytest.fixture
def contexts(browser: Browser, offsite: list[str]) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def a_page(
    browser: Browser, journey: Journey, opened: list[BrowserContext], phone: bool = False
) -> Page:
    context = new_context(browser, journey.offsite, PHONE if phone else DESKTOP)
    opened.append(context)
    return context.new_page()


def second_staff_token(live: Live) -> str:
    """Another member of the demo council's staff, made with the CLI as an administrator would."""
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pbengine.cli import main; sys.exit(main(sys.argv[1:]))",
            *["token", "create", "--role", "council", "--council", "Riverside (demo)"],
            *["--name", "second clerk"],
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


def move(page: Page, journey: Journey, phase: str, button: str) -> None:
    page.goto(journey.url(f"/staff/rounds/{journey.round_id}/setup"))
    step = page.locator(f"#step-{phase}")
    step.get_by_label("I have read what this step means").check()
    step.get_by_role("button", name=button).click()
    expect(page.get_by_role("status")).to_contain_text("The round has moved from")


def set_up(staff: Page, journey: Journey) -> None:
    staff.goto(journey.url("/staff"))
    journey.look(staff, "staff-home")
    staff.get_by_role("link", name="New round").click()
    staff.get_by_label("Title", exact=True).fill(TITLE)
    staff.get_by_label("Budget", exact=True).fill(BUDGET)
    staff.get_by_label("Districts", exact=True).fill("East, 3000\nWest, 2000")
    staff.get_by_label("Outcome priorities", exact=True).fill(
        "greener, Greener streets\nsafer, Safer routes to school"
    )
    staff.get_by_role("radio", name="equal-shares", exact=True).check()
    journey.look(staff, "new-round")
    staff.get_by_role("button", name="Create the round").click()
    expect(staff.get_by_text("The round is created, in preparation.")).to_be_visible()
    found = re.search(r"/staff/rounds/(\d+)/setup", staff.url)
    assert found, staff.url
    journey.round_id = int(found.group(1))
    journey.look(staff, "setup")
    move(staff, journey, "proposals", "Open the round for proposals")
    journey.look(staff, "opened-for-proposals")


def propose(resident: Page, journey: Journey) -> None:
    for title, district, estimate, outcome, _ in PROJECTS:
        resident.goto(journey.url(f"/rounds/{journey.round_id}/propose"))
        resident.get_by_label("Name of the project").fill(title)
        resident.get_by_label("Description").fill(f"{title}, as neighbours asked for it.")
        resident.get_by_label(re.compile("Estimated cost")).fill(estimate)
        resident.get_by_label("District").select_option(district)
        resident.get_by_role("checkbox", name=outcome).check()
        if title == PROJECTS[0][0]:
            journey.look(resident, "propose")
        resident.get_by_role("button", name="Send the proposal").click()
        expect(resident.get_by_role("heading", level=1)).to_contain_text("Thank you")
    journey.look(resident, "proposed")


def review(staff: Page, journey: Journey) -> None:
    move(staff, journey, "review", "Close proposals and start the review")
    staff.goto(journey.url(f"/staff/rounds/{journey.round_id}/review"))
    journey.look(staff, "review")
    for title, _, _, _, cost in PROJECTS:
        card = staff.locator(".proposal").filter(
            has=staff.get_by_role("heading", name=title, exact=True)
        )
        if cost is None:
            card.get_by_label("Reason for rejecting").fill(
                "The rink's running costs are not ours to fund."
            )
            card.get_by_role("button", name=f"Reject {title}").click()
        else:
            card.get_by_label(re.compile("Final cost")).fill(cost)
            card.get_by_role("button", name=f"Accept {title}").click()
        expect(staff.get_by_role("status")).to_contain_text("Saved")
    journey.look(staff, "reviewed")


def open_voting_and_print_codes(staff: Page, journey: Journey) -> list[str]:
    move(staff, journey, "voting", "Open voting")
    staff.goto(journey.url(f"/staff/rounds/{journey.round_id}/codes"))
    journey.look(staff, "codes")
    staff.get_by_label("How many codes").fill("3")
    staff.get_by_role("button", name="Issue the codes and show the slips").click()
    codes = staff.locator(".slip-code code").all_inner_texts()
    assert len(set(codes)) == 3
    journey.look(staff, "slips")
    return codes


def vote(resident: Page, journey: Journey, code: str, projects: list[str], name: str) -> str:
    resident.goto(journey.url(f"/rounds/{journey.round_id}/vote"))
    journey.look(resident, f"{name}-ballot")
    resident.get_by_label("Voter code").fill(code)
    for title in projects:
        resident.get_by_role("checkbox", name=title).check()
    resident.get_by_role("button", name="Review my vote").click()
    journey.look(resident, f"{name}-review")
    resident.get_by_role("button", name="Cast my vote").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is cast")
    journey.look(resident, f"{name}-cast")
    tracker = resident.locator(".tracker code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", tracker), tracker
    return tracker


def type_paper_ballot(page: Page, code: str, tabs: int) -> None:
    """One paper ballot, keyboard only: the code (the field has the focus), Tab to the
    project the paper ticks, Space, Enter."""
    expect(page.get_by_label("Voter code on the paper")).to_be_focused()
    page.keyboard.type(code)
    for _ in range(tabs):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved: ballot")


def paper_ballot_entered_twice(staff: Page, second: Page, journey: Journey, code: str) -> None:
    base = journey.url(f"/staff/rounds/{journey.round_id}/paper")
    staff.goto(base)
    journey.look(staff, "paper-batches")
    staff.get_by_label("Name of the batch").fill("Town hall box 1")
    staff.get_by_role("button", name="Open the batch").click()
    batch = staff.url
    journey.look(staff, "paper-batch")
    staff.get_by_role("link", name="Enter ballots (pass 1)").click()
    journey.look(staff, "paper-entry")
    # The paper ticks the first project; the first clerk reads it right.
    type_paper_ballot(staff, code, tabs=1)
    journey.look(staff, "paper-entry-saved")
    staff.get_by_role("link", name="Correct ballot 1").click()
    expect(staff.get_by_role("checkbox", name="Shade trees on Mill Street")).to_be_checked()
    journey.look(staff, "paper-correction")
    # The second clerk ticks the second project: a disagreement.
    second.goto(batch)
    second.get_by_role("link", name="Enter ballots (pass 2)").click()
    type_paper_ballot(second, code, tabs=2)
    second.goto(batch)
    expect(
        second.get_by_role("heading", name=re.compile("^Ballot 1 .*the choices differ"))
    ).to_be_visible()
    journey.look(second, "paper-reconciliation")

    staff.goto(batch)
    staff.get_by_label("Pass 1's entry").check()
    staff.get_by_label("What the paper shows").fill("The paper ticks the shade trees only.")
    staff.get_by_role("button", name="Decide ballot 1").click()
    expect(staff.get_by_text("Decided by demo clerk")).to_be_visible()
    journey.look(staff, "paper-decided")
    staff.get_by_role("button", name="Count this batch").click()
    expect(staff.get_by_role("status")).to_contain_text("1 ballot from this batch now counts")
    journey.look(staff, "paper-counted")


def allocate_and_publish(staff: Page, journey: Journey) -> None:
    move(staff, journey, "closed", "Close voting")
    staff.goto(journey.url(f"/staff/rounds/{journey.round_id}/allocation"))
    journey.look(staff, "allocation")
    staff.get_by_role("button", name="Run the allocation").click()
    expect(staff.get_by_text("Not published yet.")).to_be_visible()
    journey.look(staff, "allocation-preview")
    staff.get_by_label("I have read the results").check()
    staff.get_by_role("button", name="Publish the results").click()
    expect(staff.get_by_role("status")).to_contain_text("Published.")
    journey.look(staff, "published")


def check_tracker_and_results(resident: Page, journey: Journey, tracker: str) -> None:
    resident.goto(journey.url(f"/rounds/{journey.round_id}/track"))
    resident.get_by_label("Your tracker").fill(tracker)
    resident.get_by_role("button", name=re.compile("Check")).click()
    expect(resident.locator(".result")).to_contain_text("Counted")
    journey.look(resident, "tracker-counted")
    resident.goto(journey.url(f"/rounds/{journey.round_id}/results"))
    journey.look(resident, "results")
    why = resident.get_by_role("region", name="Why each project was or was not funded")
    skate = (
        why.locator("article, li, section, div").filter(has_text="Skate ramp by the river").first
    )
    expect(skate).to_contain_text("Not funded")


def test_a_whole_round_from_set_up_to_a_residents_tracker(
    live: Live, browser: Browser, shot: Shot, offsite: list[str], contexts: list[BrowserContext]
) -> None:
    journey = Journey(live, shot, offsite)
    staff = a_page(browser, journey, contexts)
    sign_in(staff, live, live.staff_token)
    set_up(staff, journey)

    resident = a_page(browser, journey, contexts)
    propose(resident, journey)
    review(staff, journey)
    codes = open_voting_and_print_codes(staff, journey)

    tracker = vote(
        resident,
        journey,
        codes[0],
        ["Shade trees on Mill Street", "Crossing guard shelter"],
        "desktop",
    )
    on_phone = a_page(browser, journey, contexts, phone=True)
    vote(
        on_phone,
        journey,
        codes[1],
        ["Shade trees on Mill Street", "Skate ramp by the river"],
        "phone",
    )
    second = a_page(browser, journey, contexts)
    sign_in(second, live, second_staff_token(live))
    paper_ballot_entered_twice(staff, second, journey, codes[2])

    allocate_and_publish(staff, journey)
    check_tracker_and_results(resident, journey, tracker)
    assert offsite == [], "a page asked for files off this machine"
