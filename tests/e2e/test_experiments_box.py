"""The Experiments page in a real browser: our stored result in the paper's box (issue #13.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.runs import results_table
from lstm_core.experiments import PRESETS
from ui.reproduce_table import NOT_YET, best_results, verdict

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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

    missing = next(q for q in PRESETS.values() if q.paper and q.name not in best_results(results_table()))
    page = open_app(f"experiments?exp={missing.experiment}&preset={missing.name}")
    page.locator(".st-key-stored_result").wait_for(timeout=30_000)
    assert f"Our stored result: {NOT_YET}" in page.locator(".st-key-stored_result").inner_text()
