"""Student mode in a real browser: a "try it" button sets the page (sidebar included), an answer opens."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import SCREENSHOTS, assert_no_exception, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]




@pytest.mark.parametrize("dark", [False, True])
def test_a_question_sets_the_page_and_reveals_its_answer(open_app, dark):
    page = open_app("memory_cell?student=1", dark=dark)
    assert_no_exception(page)
    box = page.locator(".st-key-student_memory_cell")
    box.wait_for(timeout=30_000)
    assert box.locator('[data-testid="stExpander"]').count() >= 3
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="bias b_in").locator(
        '[data-testid="stSliderThumbValue"]')
    assert thumb.inner_text() == "-3.00"
    box.locator(".st-key-student_try_memory_cell_2 button").click()       # "Input-gate bias 0, show the drift"
    wait_for_app(page)
    assert_no_exception(page)
    assert thumb.inner_text() == "0.00"                                    # the sidebar follows
    query = parse_qs(urlparse(page.url).query)
    assert query.get("bin") == ["0.0"] and query.get("drift") == ["true"] and query.get("seq") == ["drift"]
    page.get_by_role("heading", name="State drift, and the paper's remedy").wait_for(timeout=30_000)
    # the next click elsewhere keeps the setting (no stale browser value comes back)
    page.locator('[data-testid="stSlider"]').filter(has_text="bias b_out").get_by_role("slider").press("ArrowRight")
    wait_for_app(page)
    assert parse_qs(urlparse(page.url).query).get("bin") == ["0.0"] and thumb.inner_text() == "0.00"
    answer = box.locator('[data-testid="stExpander"]').nth(1)
    answer.locator("summary").click()
    answer.get_by_text("internal state drift").wait_for(timeout=10_000)
    box.scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    if not dark:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "student_question_revealed.png"))


def test_an_experiments_answer_lists_our_stored_runs_beside_the_papers(open_app):
    """The answer's "Here" list is read from runs/results as the files stand (ui.reproduce_table.here_note)."""
    page = open_app("experiments?exp=2a&student=1")
    assert_no_exception(page)
    box = page.locator(".st-key-student_experiments")
    box.wait_for(timeout=30_000)
    answer = box.locator('[data-testid="stExpander"]').first                # the experiment's own question
    answer.locator("summary").click()
    answer.get_by_text("Here").first.wait_for(timeout=10_000)
    items = answer.locator("li")
    assert items.count() == 3                                               # LSTM, RTRL and BPTT at p = 100
    assert items.first.inner_text().startswith("LSTM, p=100")
    assert "trials solved" in items.first.inner_text()
    answer.scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "student_answer_ours.png"))
