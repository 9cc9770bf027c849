"""The Experiments page in a real browser: our stored result in the paper's box (issue #13.6), whole button labels."""

from __future__ import annotations

import pytest

from lab.results import results_table
from lstm_core.experiments import PRESETS
from tests.e2e.conftest import SCREENSHOTS
from ui.reproduce_table import NOT_YET, best_results, verdict

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]



def _stored_row() -> tuple[str, dict]:
    """A paper row with a stored result (the one with a command if any), and that result."""
    best = {n: r for n, r in best_results(results_table()).items() if n in PRESETS and PRESETS[n].paper}
    assert best, "no stored result of a paper row in runs/results"
    name = next((n for n, r in best.items() if r.get("command")), next(iter(best)))
    return name, best[name]


def test_the_paper_box_shows_our_stored_result_with_its_verdict_or_not_yet_run(open_app, assert_no_exception):
    name, ours = _stored_row()
    p = PRESETS[name]
    page = open_app(f"experiments?exp={p.experiment}&preset={name}")
    assert_no_exception(page)
    box = page.locator(".st-key-stored_result")
    box.wait_for(timeout=30_000)
    assert f"Our stored result: {verdict(p.paper, ours)}" in box.inner_text()
    if ours.get("command"):
        assert ours["command"] in box.locator("code").inner_text()
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "experiments_paper_box.png"))

    missing = next((q for q in PRESETS.values() if q.paper and q.name not in best_results(results_table())), None)
    if missing is None:       # every paper row has a stored result (the AppTest covers "not yet run")
        return
    page = open_app(f"experiments?exp={missing.experiment}&preset={missing.name}")
    page.locator(".st-key-stored_result").wait_for(timeout=30_000)
    assert f"Our stored result: {NOT_YET}" in page.locator(".st-key-stored_result").inner_text()


TRUNCATED_JS = """() => ['live_start', 'live_stop', 'live_resume'].flatMap(k => {
    const button = document.querySelector(`.st-key-${k} button`);
    return [button, ...button.querySelectorAll('*')]
        .filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis'
                     && e.scrollWidth > e.clientWidth)
        .map(e => `${k}: ${e.tagName} ${e.scrollWidth} > ${e.clientWidth}`);
})"""


@pytest.mark.parametrize("query", ["", "&present=1"])
def test_the_live_buttons_show_their_whole_labels_at_1024_px(browser, app_url, query):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/experiments?exp=4{query}")
        page.locator(".st-key-live_resume button").first.wait_for(timeout=60_000)
        widths = [page.locator(f".st-key-{k} button").first.bounding_box()["width"]
                  for k in ("live_start", "live_stop", "live_resume")]
        assert min(widths) > 60, widths                                    # "■ S…" was 40 px wide
        assert [page.locator(f".st-key-{k} button").first.inner_text().strip()
                for k in ("live_stop", "live_resume")] == ["■ Stop", "↻ Resume"]
        assert page.evaluate(TRUNCATED_JS) == []
    finally:
        context.close()


FONT_SIZES_JS = """() => Object.fromEntries(['.xtick text', '.legendtext', '.annotation-text', '.slider-label',
    '.updatemenu-item-text'].map(s => { const e = document.querySelector(s);
    return [s, e ? parseFloat(getComputedStyle(e).fontSize) : 0]; }))"""


def test_projector_mode_enlarges_the_figures_fonts_not_only_the_text(browser, app_url):
    sizes = {}
    for query in ("", "&present=1"):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        try:
            page = context.new_page()
            page.goto(f"{app_url}/experiments?exp=4{query}")
            page.locator('[data-testid="stPlotlyChart"] .xtick text').first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            sizes[query] = page.evaluate(FONT_SIZES_JS)
        finally:
            context.close()
    normal, present = sizes[""], sizes["&present=1"]
    assert all(normal[s] > 0 and present[s] >= 1.2 * normal[s] for s in normal), (normal, present)
