"""A 1024×768 projector screen: nothing the class must read is cut off (issue #12)."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import SCREENSHOTS, assert_no_exception, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]

PROJECTOR = {"width": 1024, "height": 768}
ZOOM_150 = {"width": 933, "height": 600}          # a 1400×900 screen at 150 % browser zoom
CLIPPED_JS = """() => [...document.querySelectorAll(
        '.katex-display, [data-testid="stMarkdownContainer"]:has(.katex-display)')]
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => `${e.className || e.dataset.testid}: ${e.scrollWidth} > ${e.clientWidth}: ${e.innerText.slice(0, 60)}`)"""



def _clipped(page) -> list[str]:
    """The equations wider than their boxes once the layout has settled (a loaded machine may still be laying
    the page out when the script has finished: give it up to 10 s to come right before reading)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"({CLIPPED_JS})().length === 0", timeout=10_000, polling=250)
    return page.evaluate(CLIPPED_JS)


def _open(browser, app_url, path: str, dark: bool = False, viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or PROJECTOR, color_scheme="dark" if dark else "light")
    page = context.new_page()
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    page.evaluate("document.fonts.ready.then(() => true)")   # KaTeX's fonts change the equations' widths
    page.wait_for_timeout(300)
    return context, page


@pytest.mark.parametrize("query, viewport", [("", PROJECTOR), ("?seq=distractors&step=3", PROJECTOR),
                                             ("?present=1", PROJECTOR), ("", ZOOM_150)])
def test_no_filled_in_equation_is_clipped_at_1024_px(browser, app_url, query, viewport):
    context, page = _open(browser, app_url, f"memory_cell{query}", viewport=viewport)
    try:
        assert_no_exception(page)
        page.locator(".katex-display").nth(7).wait_for(timeout=30_000)
        assert page.locator(".katex-display").count() >= 8
        assert _clipped(page) == []
    finally:
        context.close()


def test_no_equation_of_the_under_the_hood_page_is_clipped_at_1024_px(browser, app_url):
    context, page = _open(browser, app_url, "under_the_hood")
    try:
        assert_no_exception(page)
        page.get_by_text("The compiled twin that trains").first.wait_for(timeout=60_000)
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.locator(".katex-display").count() >= 10
        assert _clipped(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("dark", [False, True])
def test_projector_mode_collapses_the_sidebar_enlarges_text_and_fits_figures_to_the_screen(browser, app_url, dark):
    context, normal = _open(browser, app_url, "memory_cell", dark)
    base = normal.evaluate("parseFloat(getComputedStyle(document.querySelector('p')).fontSize)")
    context.close()
    context, page = _open(browser, app_url, "memory_cell?present=1", dark)
    try:
        assert_no_exception(page)
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
        assert page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
        assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('p')).fontSize)") > base
        for box in page.locator('[data-testid="stPlotlyChart"]').all():
            assert box.bounding_box()["height"] <= PROJECTOR["height"]
        assert _clipped(page) == []
        page.wait_for_timeout(500)
        name = f"projector_memory_cell{'-dark' if dark else ''}_1024x768.png"
        page.screenshot(path=str(SCREENSHOTS / name))
    finally:
        context.close()
