"""The Overview page in a real browser, in light and dark theme."""


import pytest

from tests.e2e.conftest import SCREENSHOTS
from ui.nav import available_pages, short_title

pytestmark = pytest.mark.e2e

TITLE = "Long Short-Term Memory (1997), in the classroom"


@pytest.mark.parametrize("dark, filename", [(False, "overview.png"), (True, "overview-dark.png")])
def test_overview_renders_without_errors_in_light_and_dark_theme(open_app, assert_no_exception,
                                                                 save_full_page_screenshot, dark, filename):
    page = open_app("", dark=dark)
    assert page.locator("h1").first.inner_text().strip() == TITLE
    assert page.get_by_text("The experiments of Section 5").count() == 1
    assert page.locator('[data-testid="stTable"] tbody tr').count() == 11  # Exps 1, 2a-c, 3a-c, 4, 5, 6a-b
    assert_no_exception(page)
    background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
                               ".backgroundColor")
    assert (background == "rgb(255, 255, 255)") != dark, background  # the theme really switched
    save_full_page_screenshot(page, SCREENSHOTS / filename)


def test_overview_links_to_every_other_page_that_exists(open_app):
    page = open_app("")
    expected = [short_title(title) for path, title, _, _ in available_pages() if path != "pages/overview.py"]
    labels = page.locator('[data-testid="stMain"] [data-testid="stPageLink"] [data-testid="stMarkdownContainer"]')
    assert labels.all_inner_texts() == expected


def test_app_opens_the_overview_by_its_url_path(open_app):
    page = open_app("overview")
    assert page.locator("h1").first.inner_text().strip() == TITLE
    page.wait_for_timeout(500)
    assert page.get_by_text("Page not found").count() == 0 and page.locator('[role="dialog"]').count() == 0
