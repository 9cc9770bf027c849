"""The Memory cell page's step control from the keyboard: ← / → step the equations, diagram and charts together."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]



def _step(page) -> tuple[str, str, str]:
    """(URL step, the equations' heading, the figure slider's label) once the figure shows the step."""
    heading = page.get_by_text("The paper's equations at step").first.inner_text()
    label = page.locator('[data-testid="stPlotlyChart"] text.slider-label').first
    label.wait_for(timeout=30_000)
    return parse_qs(urlparse(page.url).query).get("step", [""])[0], heading, label.text_content() or ""


def _press(page, key: str) -> None:
    page.keyboard.press(key)
    wait_for_app(page)
    page.wait_for_timeout(300)


def test_arrow_keys_step_equations_diagram_and_charts_together_and_a_focused_slider_keeps_its_arrows(open_app):
    page = open_app("memory_cell")
    assert_no_exception(page)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    page.locator("h1").first.click()                                   # focus on the page, not on a widget
    _press(page, "ArrowLeft")
    url, heading, label = _step(page)
    assert url == "11" and heading.endswith("t = 11") and label == "step t = 11"
    numbers = page.locator('[data-testid="stPlotlyChart"] .scatterlayer text').all_text_contents()
    assert any(t.startswith("t = 11") for t in numbers)                 # the diagram's own label
    _press(page, "ArrowLeft")
    _press(page, "ArrowRight")
    assert _step(page)[0] == "11"
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="bias b_in").get_by_role("slider")
    slider.focus()
    _press(page, "ArrowRight")                                          # moves the slider, not the step
    query = parse_qs(urlparse(page.url).query)
    assert query.get("bin") == ["-2.5"] and query.get("step") == ["11"]
    assert_no_exception(page)


def test_arrow_keys_step_the_experiments_animation(open_app):
    page = open_app("experiments")
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator(".updatemenu-button")).first
    chart.locator(".main-svg").first.wait_for(timeout=60_000)
    page.locator("h1").first.click()
    _press(page, "ArrowLeft")
    _press(page, "ArrowLeft")
    frame = int(parse_qs(urlparse(page.url).query)["frame"][0])
    label = chart.locator("text.slider-label").first
    label.wait_for(timeout=30_000)
    caption = page.locator(".st-key-frame_buttons").inner_text()
    shown = (label.text_content() or "").removeprefix("step ")
    assert shown and f"Step {shown}. " in caption                      # the figure and the caption agree
    _press(page, "ArrowRight")
    assert int(parse_qs(urlparse(page.url).query)["frame"][0]) == frame + 1
    assert_no_exception(page)


def test_play_loops_over_the_chosen_range_of_steps(open_app):
    page = open_app("experiments?exp=4")
    assert_no_exception(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator(".updatemenu-button")).first
    chart.locator(".main-svg").first.wait_for(timeout=60_000)
    thumbs = page.locator('[data-testid="stSlider"]').filter(has_text="Steps that Play runs").get_by_role("slider")
    thumbs.first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")                  # the range starts at the 4th step …
    thumbs.last.focus()
    for _ in range(8):
        page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    page.wait_for_timeout(500)
    first, last = (thumbs.nth(i).get_attribute("aria-valuetext") for i in (0, 1))
    steps = chart.locator(".slider-container text.slider-label")
    chart.locator(".updatemenu-button").first.click()       # ▶ Play
    seen = set()
    for _ in range(12):
        page.wait_for_timeout(250)
        seen.add((steps.first.text_content() or "").removeprefix("step "))
    assert first and last and first != last
    assert seen and seen <= _labels_between(chart, first, last), (seen, first, last)
    assert_no_exception(page)


def _labels_between(chart, first: str, last: str) -> set[str]:
    """The step labels from ``first`` to ``last`` in the figure's slider order."""
    spec_labels = chart.evaluate("c => c.querySelector('.js-plotly-plot').layout.sliders[0].steps.map(s => s.label)")
    a, b = spec_labels.index(first), spec_labels.index(last)
    return set(spec_labels[a:b + 1])


def _url_step(page, key: str = "step") -> int:
    return int(parse_qs(urlparse(page.url).query).get(key, ["0"])[0])


def test_space_plays_from_the_step_shown_and_pauses_and_tab_reaches_play(open_app):
    page = open_app("memory_cell?step=3")
    assert_no_exception(page)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    page.locator("h1").first.click()                                   # focus on the page, not on a widget
    page.keyboard.press("Space")                                        # ▶ Play: the server steps the URL
    page.wait_for_function("() => +new URLSearchParams(location.search).get('step') >= 5", timeout=60_000)
    assert "Pause" in page.locator(".st-key-step_play button").first.inner_text()
    page.locator("h1").first.click()
    page.keyboard.press("Space")                                        # ❚❚ Pause
    page.wait_for_function("() => document.querySelector('.st-key-step_play button').innerText.includes('Play')",
                           timeout=60_000)
    wait_for_app(page)
    paused = _url_step(page)
    heading = page.get_by_text("The paper's equations at step").first.inner_text()
    # Play may have gone round the 12 steps and started again while the Pause click travelled (a slow
    # machine): any step will do, as long as the equations show the one in the URL and it stays.
    assert 1 <= paused <= 12 and heading.endswith(f"t = {paused}")     # the equations followed
    page.wait_for_timeout(2_500)
    assert _url_step(page) == paused                                    # paused: it stays
    page.locator("h1").first.click()
    for _ in range(80):                                                 # Tab from the top reaches ▶ Play
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement?.closest('.st-key-step_play')"):
            break
    else:
        pytest.fail("Tab never reached the Play button")
    assert_no_exception(page)
