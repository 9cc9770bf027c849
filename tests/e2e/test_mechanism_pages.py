"""The three mechanism pages in a real browser: a slider moves, the animation plays, no error appears."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS, assert_no_exception, save_full_page_screenshot, wait_for_app

pytestmark = pytest.mark.e2e


# url path, title, the label of a sidebar slider to move
PAGES = [
    ("vanishing_gradient", "Vanishing gradient — RNN vs CEC", "Number of units n"),
    ("memory_cell", "Memory cell", "bias b_in"),
    ("under_the_hood", "Under the hood", "Seed of the random test networks"),
]


def _move_slider(page, label: str) -> None:
    """Focus the slider named ``label`` and press the right arrow twice (one rerun each)."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
    slider.focus()
    for _ in range(2):
        slider.press("ArrowRight")
        page.wait_for_timeout(200)
    wait_for_app(page)


def _play_first_animation(page) -> None:
    """Press Plotly's ▶ Play button and check the animation's own slider moved (it runs in the browser)."""
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator(".updatemenu-button")).first
    chart.scroll_into_view_if_needed()
    label = chart.locator("text.slider-label", has_text=re.compile(r"^(step t|lag q) = "))
    label.wait_for()
    before = label.text_content()
    chart.locator(".updatemenu-button").first.click()
    page.wait_for_function("([el, text]) => el.textContent !== text", arg=[label.element_handle(), before],
                           timeout=60_000)     # a guard, never a measurement: chromium may be starved


@pytest.mark.parametrize("path, title, slider", PAGES)
@pytest.mark.parametrize("dark", [False, True])
def test_mechanism_page_moves_a_slider_and_plays_its_animation_without_errors(open_app, path, title, slider, dark):
    # Open the app's root first: a fresh server that is first asked for a deep link runs the page
    # from the pages/ folder without app.py (Streamlit's pages/ auto-discovery), see the report.
    open_app("")
    page = open_app(path, dark=dark)
    assert page.locator("h1").first.inner_text().strip() == title
    assert_no_exception(page)
    _move_slider(page, slider)
    assert_no_exception(page)
    assert path in page.url and "=" in page.url                        # the setting went into the link
    if path != "under_the_hood":
        _play_first_animation(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    name = f"{path}{'-dark' if dark else ''}.png"
    save_full_page_screenshot(page, SCREENSHOTS / name)
