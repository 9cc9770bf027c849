"""A shared link into a page, opened on a fresh server, goes through the router with its settings."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import assert_no_exception, serve_app, wait_for_app


def test_first_request_to_a_page_link_gets_the_router_sidebar_and_keeps_its_settings(browser):
    with serve_app() as url:                       # fresh server: nobody has opened the root yet
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/vanishing_gradient?n=6&seed=3")
            wait_for_app(page)
            assert_no_exception(page)
            nav = page.locator('[data-testid="stSidebarNav"]')
            assert nav.get_by_text("Vanishing gradient — RNN vs CEC").count() == 1   # the router's titles
            assert page.get_by_text("About", exact=True).count() >= 1                 # the shared sidebar
            query = parse_qs(urlparse(page.url).query)
            assert query.get("n") == ["6"] and query.get("seed") == ["3"]
        finally:
            page.close()
