"""The figures the README shows for the classroom issue, checked in the browser as they are taken: the cell
diagram mid-animation and going back, RNN vs CEC on three experiments, an experiment in projector mode.

(Projector mode on the Memory cell page: ``test_small_screens``; a student question revealed:
``test_student_mode``.) The screenshots go to :data:`tests.e2e.conftest.SCREENSHOTS`.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS, assert_no_exception, save_element_screenshot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]

PROJECTOR = {"width": 1024, "height": 768}
LABEL = re.compile(r"(Cell \d+ \(block \d+\) · )?(← )?t = \d+( →)?")


def _figure(page, key: str):
    """The Plotly chart drawn with Streamlit key ``key``, once it is drawn."""
    box = page.locator(f".st-key-{key}").first
    box.locator(".main-svg").first.wait_for(timeout=60_000)
    return box


def _diagram_label(box) -> str:
    """The diagram's corner label ("t = 5", "Cell 1 (block 1) · ← t = 30")."""
    texts = box.locator(".scatterlayer text").all_text_contents()
    return next(t for t in texts if LABEL.fullmatch(t))


def test_the_cell_diagram_moves_with_the_figures_play_and_stops_mid_sequence(open_app):
    page = open_app("memory_cell?step=3")
    assert_no_exception(page)
    box = _figure(page, "cell")
    assert _diagram_label(box) == "t = 3"
    box.locator(".updatemenu-button").first.click()                       # ▶ Play, in the browser
    page.wait_for_function("""() => [...document.querySelectorAll('.st-key-cell .scatterlayer text')]
        .some(t => /^t = ([4-9]|1[0-2])$/.test(t.textContent))""", timeout=30_000)
    box.locator(".updatemenu-button").nth(1).click()                      # ❚❚ Pause
    page.wait_for_timeout(600)
    t = int(_diagram_label(box).removeprefix("t = "))
    assert 3 < t <= 12
    save_element_screenshot(page, box, SCREENSHOTS / "memory_cell_diagram_mid_animation.png")


def test_going_back_the_diagram_shows_the_error_on_the_carousel(open_app):
    page = open_app("experiments?exp=4&frame=50")
    assert_no_exception(page)
    box = _figure(page, "internals")
    label = _diagram_label(box)
    assert label.startswith("Cell 1 (block 1) · ← t = ")
    assert any(t.startswith("error E_s = ") for t in box.locator(".scatterlayer text").all_text_contents())
    save_element_screenshot(page, box, SCREENSHOTS / "experiments_diagram_error_going_back.png")


@pytest.mark.parametrize(("exp", "dark"), [("4", False), ("3", True), ("6a", False)])
def test_rnn_vs_cec_on_an_experiments_own_sequence_compares_two_trained_nets(open_app, exp, dark):
    page = open_app(f"experiments?exp={exp}", dark=dark)
    assert_no_exception(page)
    box = _figure(page, "flow_vs_rnn")
    titles = " ".join(box.locator(".g-gtitle, .annotation-text").all_text_contents())
    assert "LSTM trained" in titles and "plain RNN trained in advance" in titles
    assert box.locator(".heatmaplayer .hm, .heatmaplayer image").count() >= 2
    name = {"3": "3a"}.get(exp, exp)
    save_element_screenshot(page, box, SCREENSHOTS / f"rnn_vs_cec_exp{name}{'-dark' if dark else ''}.png")


def test_projector_mode_shows_an_experiments_animation_whole_on_a_1024x768_screen(browser, app_url):
    context = browser.new_context(viewport=PROJECTOR, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/experiments?present=1&exp=6a")
        wait_for_app(page)
        assert_no_exception(page)
        box = _figure(page, "internals")
        assert box.bounding_box()["height"] <= PROJECTOR["height"]
        box.evaluate("e => e.scrollIntoView({block: 'end'})")        # below the page's top bar
        page.mouse.move(5, 5)
        page.wait_for_timeout(400)
        page.screenshot(path=str(SCREENSHOTS / "projector_experiments_6a-dark_1024x768.png"))
    finally:
        context.close()
