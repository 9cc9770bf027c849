"""The benchmark's websocket student speaks Streamlit's protocol well enough to render the app's pages.

One real ``streamlit run app.py`` on a loopback port; the client opens the Overview by URL
and goes to Experiments through the sidebar, as ``bench.classroom --clients ws`` does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from bench.server import serve_app
from bench.ws_client import StreamlitClient

GUARD = 60.0  # seconds: only a guard against hanging, never a measurement

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url():
    with serve_app() as (url, _):
        yield url


async def _visit(url: str):
    async with StreamlitClient(url) as client:
        overview = await client.open("", timeout=GUARD)
        pages = dict(client.pages)
        experiments = await client.navigate("experiments", timeout=GUARD)
        return overview, pages, experiments, dict(client.buttons)


def test_ws_client_renders_overview_then_experiments_through_the_sidebar(app_url):
    # Its own thread: Playwright's sync API (the e2e tests of this session) keeps an event loop
    # running in the main thread, and asyncio.run() refuses to nest.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        overview, pages, experiments, buttons = pool.submit(asyncio.run, _visit(app_url)).result()
    assert overview.status == "ok" and overview.errors == []
    assert any("Long Short-Term Memory" in h for h in overview.headings)
    assert {"vanishing_gradient", "experiments"} <= set(pages)
    assert experiments.status == "ok" and experiments.errors == []
    assert any("Experiments" in h for h in experiments.headings)
    assert experiments.charts >= 1
    assert any("Train live" in label for label in buttons)
