"""axe-core in the page: fail on every serious or critical accessibility violation.

The axe-core script is the one the PyPI package axe-playwright-python ships
(axe.min.js, MPL-2.0, inside the package): it is read from disk and evaluated
in the page, so nothing is fetched at run time. We do not use that package's
Python wrapper: it is untyped, and we want the report below.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from playwright.sync_api import Page

FAILING = ("serious", "critical")


class InaccessibleError(AssertionError):
    """axe-core found serious or critical violations (distinct, so xfail can name it)."""


@cache
def axe_script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def axe_version(page: Page) -> str:
    _inject(page)
    version: str = page.evaluate("axe.version")
    return version


def _inject(page: Page) -> None:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_script())


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (needs JavaScript in the page)."""
    _inject(page)
    found: list[dict[str, Any]] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")[
        "violations"
    ]
    return found


def describe(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
    return (
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    {violation['helpUrl']}\n    on: {targets}"
    )


def assert_accessible(page: Page) -> None:
    """Fail on any violation axe-core rates serious or critical; print every one found.

    axe-core needs script in the page: for a page in a context with JavaScript disabled
    (where it would wait forever), use `assert_accessible_copy`.
    """
    __tracebackhide__ = True
    found = violations(page)
    for violation in found:
        print(f"axe on {page.url}: {describe(violation)}")
    failing = [v for v in found if v["impact"] in FAILING]
    if failing:
        report = "\n".join(describe(v) for v in failing)
        raise InaccessibleError(
            f"{len(failing)} serious or critical accessibility violations on {page.url}:\n{report}"
        )


def assert_accessible_copy(checker: Page, seen: Page) -> None:
    """`assert_accessible` on the page `seen` showed (say, with JavaScript off, where axe
    cannot run), rendered again in `checker`, at the same address with the same HTML."""
    __tracebackhide__ = True
    url, html = seen.url, seen.content()
    checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    try:
        checker.goto(url)
    finally:
        checker.unroute(url)
    assert_accessible(checker)
