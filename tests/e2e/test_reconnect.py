"""A dropped connection in the real browser: the live run goes on and the reconnected page shows it.

The unit test (tests/test_faults.py) clears the session's caches as Streamlit does on a disconnect;
here the browser's own websocket is closed mid-training, as a Wi-Fi hiccup would, and Streamlit's
frontend reconnects by itself to the same session.
"""

from __future__ import annotations

from tests.e2e.conftest import VIEWPORT, wait_for_app

# keep every websocket the page opens, so that the test can drop them as the network would
KEEP_SOCKETS_JS = """
window.__labSockets = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__labSockets.push(this); }
};
"""
CONNECTED_JS = """() => document.querySelector('[data-testid="stApp"]')
    ?.dataset.testConnectionState === 'CONNECTED'"""
OPEN_SOCKETS_JS = "() => window.__labSockets.filter(s => s.readyState === WebSocket.OPEN).length"
SEQUENCES_JS = """() => {
    const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
        .find(m => m.innerText.includes('LSTM: sequences per trial'));
    return m ? parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, '')) : 0;
}"""


def test_a_dropped_websocket_keeps_the_live_run_and_the_reconnected_page_shows_it(browser, app_url,
                                                                                   assert_no_exception):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(KEEP_SOCKETS_JS)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/experiments?exp=4&trials=30")   # 30 trials: still training after a minute
        wait_for_app(page)
        page.locator(".st-key-live_start button").first.click()
        page.wait_for_function(f"() => ({SEQUENCES_JS})() > 0", timeout=60_000)
        # the count the page shows as its sockets close (a closed socket delivers nothing more)
        dropped, before = page.evaluate(f"() => {{ const n = window.__labSockets.length;"
                                        f" window.__labSockets.forEach(s => s.close());"
                                        f" return [n, ({SEQUENCES_JS})()]; }}")
        assert dropped >= 1 and before > 0
        page.wait_for_function(OPEN_SOCKETS_JS, timeout=60_000)          # the frontend reconnected by itself
        # not wait_for_app: while a job trains, the panel's fragment reruns every second, so the page
        # need never sit still for wait_for_app's quiet spell (on a busy machine it did not, in CI)
        page.wait_for_function(CONNECTED_JS, timeout=60_000)
        # the same run: its count is where it was, not back at 0 ...
        page.wait_for_function(f"(n) => ({SEQUENCES_JS})() >= n", arg=before, timeout=60_000)
        # ... and still training: read once reconnected (whatever the old socket delivered has been drawn by
        # now), so a higher count can only have come through the reconnected session
        resumed = page.evaluate(SEQUENCES_JS)
        page.wait_for_function(f"(n) => ({SEQUENCES_JS})() > n", arg=resumed, timeout=60_000)
        assert page.get_by_text("Nothing trained yet").count() == 0
        assert page.get_by_text("Training…").count() >= 1
        assert_no_exception(page)
        page.locator(".st-key-live_stop button").first.click()
        page.locator('[data-testid="stAlert"]').filter(has_text="Stopped after").first.wait_for(timeout=30_000)
    finally:
        context.close()
