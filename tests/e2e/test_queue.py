"""A full server in the browser: once every worker trains, the next student is queued and told where.

The server's job cap is the number of CPUs (``ui.session_job.job_manager``; no setting lowers
it), so the test opens that many sessions that train a slow setting, then one more: its
"Train live" must show "Waiting for a free worker: position 1 in the queue", not an error.
The screenshot of that message is ``queue.png`` in :data:`tests.e2e.conftest.SCREENSHOTS`.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import SCREENSHOTS

VIEWPORT = {"width": 1400, "height": 900}

SLOW = "experiments?exp=4&T=200&trials=10"          # trains for minutes: holds its worker while we look
WAIT_MS = 120_000
SHOT = SCREENSHOTS / "queue.png"


def _train(tab) -> None:
    tab.get_by_role("button", name="Train live").click(timeout=WAIT_MS)    # a server training `cap` jobs is slow


def test_a_student_beyond_the_job_cap_sees_a_queue_position_not_an_error(browser, app_url, wait_for_app,
                                                                         assert_no_exception):
    cap = os.cpu_count() or 1
    if cap > 8:
        pytest.skip(f"the job cap is the CPU count ({cap}); this test opens one session per worker")
    contexts, blockers = [], []
    try:
        def student(path: str):                          # a new browser session that presses "Train live"
            context = browser.new_context(viewport=VIEWPORT)
            contexts.append(context)
            tab = context.new_page()
            tab.goto(f"{app_url}/{path}")
            wait_for_app(tab)
            _train(tab)
            return tab

        for _ in range(cap):
            tab = student(SLOW)
            tab.get_by_text("LSTM: Training").first.wait_for(timeout=WAIT_MS)
            blockers.append(tab)
        tab = student("experiments")
        message = tab.get_by_text("Waiting for a free worker: position 1 in the queue")
        message.first.wait_for(timeout=WAIT_MS)
        assert_no_exception(tab)
        assert tab.get_by_role("button", name="■ Stop").is_enabled()     # a queued job can be withdrawn
        message.first.scroll_into_view_if_needed()
        tab.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollBy(0, 150)")
        tab.wait_for_timeout(500)
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOT))
        tab.get_by_role("button", name="■ Stop").click()                  # leave the queue
        # the live panel's notice (a preset's deviations may say "… stopped after …" in a hidden expander)
        tab.locator('[data-testid="stAlert"]').filter(has_text="Stopped after").first.wait_for(timeout=WAIT_MS)
        assert_no_exception(tab)
    finally:
        for tab in blockers:                                            # free the workers for the other tests
            try:
                tab.get_by_role("button", name="■ Stop").click(timeout=10_000)
            except Exception:
                pass
        for context in contexts:
            context.close()
