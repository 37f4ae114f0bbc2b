"""Browser tests: a real `pbengine serve --demo` on 127.0.0.1, driven by Debian's Chromium.

The server is the command a newcomer runs, started as a subprocess on a free port, on a
fresh SQLite file for the test session (or, with PBENGINE_BROWSER_DATABASE=postgresql, a
fresh PostgreSQL database on the PBENGINE_TEST_POSTGRES server, dropped afterwards).
Playwright drives the Chromium at PBENGINE_CHROMIUM (default /usr/bin/chromium, Debian's
package `chromium`); without it the tests skip, except with CI=true, where they fail.
Every request the browser makes off 127.0.0.1 is blocked and recorded (`offsite`).

`shot(page, name)` saves a PNG of the page into PBENGINE_SCREENSHOTS (default
tests/browser/screenshots/, gitignored; emptied at the start of each session) and the
files are listed at the end of the run. `assert_accessible(page)` (tests/browser/axe.py)
runs axe-core in the page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import free_port, throwaway_postgres, unavailable

CHROMIUM = os.environ.get("PBENGINE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("PBENGINE_SCREENSHOTS", Path(__file__).parent / "screenshots"))
DATABASE = os.environ.get("PBENGINE_BROWSER_DATABASE", "sqlite")
ROOT = Path(__file__).resolve().parents[2]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000  # any one browser action; the pages are local
# expect() keeps its own default of 5 s, which a form post and its redirect once exceeded in CI
# on a loaded machine (the delivery page's keyboard test): give assertions the actions' wait.
expect.set_options(timeout=TIMEOUT_MS)
SERVER_START_S = 60.0  # migrations and the demo rounds (allocated with CP-SAT checks) come first

Shot = Callable[[Page, str], Path]
_taken: list[Path] = []


# --- the server -----------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """`pbengine serve --demo` running, and what it printed about its demo rounds."""

    base: str
    database: str
    published_round: int
    voting_round: int
    voter_codes: list[str]
    staff_token: str
    """The demo council's staff (`sign_in(page, live, live.staff_token)`)."""
    auditor_token: str


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('browser') / 'pbengine.sqlite3'}"
        return
    assert DATABASE == "postgresql", f"PBENGINE_BROWSER_DATABASE={DATABASE}: sqlite or postgresql"
    with throwaway_postgres("pbengine_browser") as url:
        yield url


def _parse_demo(printed: str) -> tuple[int, int, list[str], str, str]:
    """The round ids, voter codes and tokens `serve --demo` prints."""
    published = re.search(r"^demo round (\d+): ", printed, re.MULTILINE)
    voting = re.search(r"^demo round (\d+) is open for voting", printed, re.MULTILINE)
    assert published, f"serve --demo did not name its published round:\n{printed}"
    assert voting, f"serve --demo did not name its round open for voting:\n{printed}"
    codes = re.findall(r"^  (\S+)$", printed.split("codes:", 1)[-1], re.MULTILINE)
    assert codes, f"serve --demo printed no voter codes:\n{printed}"
    tokens = re.search(r"token (pbe_\S+) \(an auditor's: (pbe_\S+)\)", printed)
    assert tokens, f"serve --demo printed no staff and auditor tokens:\n{printed}"
    return int(published[1]), int(voting[1]), codes, tokens[1], tokens[2]


@pytest.fixture(scope="session")
def live(
    browser: Browser, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """`pbengine serve --demo` on a free port of 127.0.0.1, as a subprocess.

    It asks for the browser first, so that without one the tests skip (or fail) at once.
    """
    port = free_port()
    logs = tmp_path_factory.mktemp("server")
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBENGINE_")}
    env |= {"PBENGINE_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    # `python -c` from the repository root: this checkout's pbengine, as `pbengine serve`.
    command = [
        sys.executable,
        "-c",
        "import sys; from pbengine.cli import main; sys.exit(main(sys.argv[1:]))",
        *["serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
    ]
    with out_path.open("w") as out, err_path.open("w") as err:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(server, base, err_path)
        yield Live(base, database_url, *_parse_demo(out_path.read_text()))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if server.poll() is not None:
            pytest.fail(f"pbengine serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"pbengine serve not healthy after {SERVER_START_S} s:\n{log.read_text()}")
        time.sleep(0.1)


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"no Chromium at {CHROMIUM} (PBENGINE_CHROMIUM): `apt-get install chromium` "
            "installs Debian's; .ci/run does that in CI"
        )
    try:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
    except PlaywrightError as exc:
        unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield launched
    launched.close()


@pytest.fixture
def offsite() -> list[str]:
    """The URLs the test's pages asked for off 127.0.0.1: blocked, recorded here."""
    return []


def new_context(
    browser: Browser, offsite: list[str], viewport: dict[str, int], *, javascript: bool = True
) -> BrowserContext:
    """A context whose requests stay on 127.0.0.1 (others are aborted and recorded)."""
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        java_script_enabled=javascript,
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", local_only)
    return context


@pytest.fixture
def desktop(browser: Browser, offsite: list[str]) -> Iterator[Page]:
    """A page 1280 by 800."""
    context = new_context(browser, offsite, DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser, offsite: list[str]) -> Iterator[Page]:
    """A page 390 by 844, a phone held upright."""
    context = new_context(browser, offsite, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_script(browser: Browser, offsite: list[str]) -> Iterator[Page]:
    """A phone page with JavaScript disabled (axe cannot run in it: assert_accessible_copy)."""
    context = new_context(browser, offsite, PHONE, javascript=False)
    yield context.new_page()
    context.close()


def sign_in(page: Page, live: Live, token: str) -> None:
    """Sign `page`'s browser in through the sign-in form, as staff or an auditor would."""
    page.goto(f"{live.base}/staff/sign-in")
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.base}/staff")


@pytest.fixture
def staff_desktop(browser: Browser, offsite: list[str], live: Live) -> Iterator[Page]:
    """A desktop page signed in as the demo council's staff."""
    context = new_context(browser, offsite, DESKTOP)
    page = context.new_page()
    sign_in(page, live, live.staff_token)
    yield page
    context.close()


# --- screenshots ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for this session's screenshots, emptied of the last session's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def shot(screenshots: Path, request: pytest.FixtureRequest) -> Shot:
    """`shot(page, name)`: a full-page PNG named after the test and `name`; its path."""
    test = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def take(page: Page, name: str) -> Path:
        path = screenshots / f"{test}-{name}.png"
        page.screenshot(path=path, full_page=True)
        _taken.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _taken:
        terminalreporter.section("browser screenshots")
        for path in _taken:
            terminalreporter.write_line(str(path))
