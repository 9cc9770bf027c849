"""End-to-end fixtures: the real app in a Streamlit server, driven by Debian's chromium.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium``.
Without that file the e2e tests are skipped on a developer machine, but fail
in CI (``CI=true``), where a missing browser is a broken set-up.

Fixtures: ``app_url`` (session; the server's base URL), ``browser`` (session; its contexts and pages wait
up to 60 s for an element: :class:`PatientBrowser`),
``page`` (a fresh light-theme tab), ``open_app(path, dark=False)`` (a fresh tab
on ``app_url/path``, waited until the script has finished). Helpers, as plain
functions and as fixtures of the same name: ``wait_for_app(page)``,
``assert_no_exception(page)``, ``save_full_page_screenshot(page, path)``,
``save_element_screenshot(page, element, path)``.

Screenshots go to :data:`SCREENSHOTS`: a fresh temporary folder by default, so a test run leaves the
tree clean; ``LAB_SCREENSHOTS=docs/screenshots`` (a path relative to the repository root, or absolute)
writes them where the README shows them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench import server
from bench.browser_client import CHROMIUM as CHROMIUM_PATH
from bench.browser_client import CHROMIUM_ARGS

CHROMIUM = Path(CHROMIUM_PATH)
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ["LAB_SCREENSHOTS"] if os.environ.get("LAB_SCREENSHOTS") else \
    Path(tempfile.mkdtemp(prefix="lab-screenshots-"))
VIEWPORT = {"width": 1400, "height": 900}
APP_RUN_TIMEOUT_MS = 60_000


SERVERS = 2       # the browser tests' xdist groups, each on its own app server and browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test, marked or not (``-m "not e2e"`` skips them).

    They also form :data:`SERVERS` groups (``xdist_group``), whole files dealt out in turn by name: under
    ``pytest -n N --dist loadgroup`` (scripts/test.sh) each group runs in turn in one worker, on that
    worker's own app server and browser, while the other tests fill the workers' spare time. A file stays
    in one group, so the queue test keeps every job slot of its server to itself."""
    here = Path(__file__).parent
    e2e = [item for item in items if here in Path(item.path).parents]
    files = sorted({Path(item.path).name for item in e2e})
    group = {name: f"e2e-{i % SERVERS + 1}" for i, name in enumerate(files)}
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.xdist_group(group[Path(item.path).name]))


@contextlib.contextmanager
def serve_app() -> Iterator[str]:
    """A fresh app server (:func:`bench.server.serve_app`); yields its base URL; fails the test if it does not
    start (with the end of its log)."""
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(server.serve_app())
        except server.ServerDidNotStart as exc:
            pytest.fail(str(exc))
        yield url


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """One app server for the whole test session."""
    with serve_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright (no Playwright-managed browser)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (install Debian's chromium: ./scripts/test.sh does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield PatientBrowser(chromium)
        chromium.close()


class PatientBrowser:
    """The Playwright browser, whose new contexts and pages wait up to :data:`APP_RUN_TIMEOUT_MS` for an element
    before an action (a click, a fill, a wait without its own timeout), not Playwright's 30 s: on a loaded
    machine (a server training one job per CPU, and the other test group beside it) a page's script can take
    longer than 30 s to draw a button. Everything else is the wrapped ``Browser``'s."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.set_default_timeout(APP_RUN_TIMEOUT_MS)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.set_default_timeout(APP_RUN_TIMEOUT_MS)
        return page

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


def _new_page(browser, dark: bool):
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark" if dark else "light")
    return context, context.new_page()


@pytest.fixture()
def page(browser):
    """A fresh tab in its own context, light theme (Streamlit follows the system colour scheme)."""
    context, tab = _new_page(browser, dark=False)
    yield tab
    context.close()


@pytest.fixture()
def open_app(browser, app_url) -> Iterator[Callable[..., object]]:
    """``open_app(path="", dark=False)``: a fresh tab on ``app_url/path``, after the script has run."""
    contexts = []

    def _open(path: str = "", dark: bool = False):
        context, tab = _new_page(browser, dark)
        contexts.append(context)
        tab.goto(f"{app_url}/{path.lstrip('/')}")
        wait_for_app(tab)
        return tab

    yield _open
    for context in contexts:
        context.close()


_SETTLED_JS = """(quietMs) => {
    // ready = connected, script not running, some element rendered, nothing stale,
    // no element still waiting for its lazily loaded code (Streamlit draws a Suspense
    // fallback, data-testid="stSkeleton", until e.g. the table's chunk has loaded: on a
    // loaded machine that can take longer than quietMs), and all of that unchanged for
    // quietMs (the state can read notRunning just before the first run starts)
    const app = document.querySelector('[data-testid="stApp"]');
    const ready = !!app && app.dataset.testScriptState === 'notRunning'
        && app.dataset.testConnectionState === 'CONNECTED'
        && !!document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]')
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stSkeleton"]');
    if (!ready) { window.__labSettledSince = undefined; return false; }
    window.__labSettledSince ??= performance.now();
    return performance.now() - window.__labSettledSince >= quietMs;
}"""


def wait_for_app(page, timeout_ms: int = APP_RUN_TIMEOUT_MS, quiet_ms: int = 500) -> None:
    """Wait until Streamlit has connected, run the page's script to the end and drawn it."""
    page.evaluate("window.__labSettledSince = undefined")
    page.wait_for_function(_SETTLED_JS, arg=quiet_ms, timeout=timeout_ms, polling=100)


def assert_no_exception(page) -> None:
    """No Python exception box and no st.error on the page."""
    for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        boxes = page.locator(selector)
        if boxes.count():
            pytest.fail(f"{selector} on the page:\n{boxes.first.inner_text()[:2000]}")


_CONTENT_HEIGHT_JS = """() => Math.max(
    ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
        .map(e => e.scrollHeight), document.body.scrollHeight)"""


@contextlib.contextmanager
def _viewport_grown_to_content(page, path: str | Path) -> Iterator[Path]:
    """Grow the viewport to the content's height for a screenshot (Streamlit scrolls inside its main
    section, not the document), let the layout settle, and restore it after; yields the path to write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(_CONTENT_HEIGHT_JS)
    old = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": old["width"], "height": max(old["height"], int(height))})
    try:
        wait_for_app(page)
        page.mouse.move(1, 1)                      # no hover label in the shot
        page.wait_for_timeout(300)                 # let the layout settle after the resize
        yield path
    finally:
        page.set_viewport_size(old)


def save_full_page_screenshot(page, path: str | Path) -> Path:
    """Screenshot of the whole page, the viewport grown to the content's height for the shot."""
    with _viewport_grown_to_content(page, path) as path:
        page.screenshot(path=str(path), full_page=True)
    return path


def save_element_screenshot(page, element, path: str | Path) -> Path:
    """Screenshot of one element (e.g. a tall figure), whole, the viewport grown as for a full page."""
    with _viewport_grown_to_content(page, path) as path:
        element.screenshot(path=str(path))
    return path


@pytest.fixture(scope="module")
def router_has_run(browser, app_url) -> None:
    """Open the root once, so that later page URLs of the module go through the router (as after a real visit)."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(app_url)
    wait_for_app(tab)
    context.close()


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture() -> Callable[..., None]:
    return wait_for_app


@pytest.fixture(name="assert_no_exception")
def _assert_no_exception_fixture() -> Callable[..., None]:
    return assert_no_exception


@pytest.fixture(name="save_full_page_screenshot")
def _save_full_page_screenshot_fixture() -> Callable[..., Path]:
    return save_full_page_screenshot
