"""Switching experiments in a real browser: the Preset box and the sidebar follow the new experiment.

Regression test for issue #12 (point 7): the browser kept the old preset's label and values in
widgets whose Streamlit identity did not change with the experiment, so the next click wrote the
display label into the URL (``preset=Exp 4 (classroom) · …``) and a false "settings in the link
were not usable" warning (or a KeyError) followed.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from lstm_core.experiments import PRESETS
from tests.e2e.conftest import SCREENSHOTS, wait_for_app
from ui.experiment_settings import defaults

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("router_has_run")]



def _widget(page, key: str):
    """The container of the widget bound to URL key ``key`` (session key ``url:<key>`` or ``url:<key>@<scope>``)."""
    return page.locator(f'.st-key-url-{key}, [class*="st-key-url-{key}-"]').first


def _choose(page, key: str, option_text: str) -> None:
    _widget(page, key).locator('[data-testid="stSelectbox"]').click()
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_for_app(page)


def _preset_in_box(page):
    label = _widget(page, "preset").locator("input").input_value()
    matches = [p for p in PRESETS.values() if label.startswith(p.title)]
    assert matches, label
    return max(matches, key=lambda p: len(p.title))  # the longest title that the label starts with


def _sidebar_values(page) -> dict[str, str]:
    out = {"lr": _widget(page, "lr").locator("input").input_value(),
           "seed": _widget(page, "seed").locator("input").input_value()}
    for key in ("blocks", "size", "trials"):
        out[key] = _widget(page, key).locator('[data-testid="stSliderThumbValue"]').inner_text()
    return out


def _expected(preset, seed: int = 0) -> dict[str, str]:
    d = defaults(preset)
    return {"lr": f"{d['lr']:.3f}", "seed": str(seed), "blocks": str(d["blocks"]), "size": str(d["size"]),
            "trials": str(d["trials"])}


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _assert_clean_url_and_no_warning(page) -> None:
    q = _query(page)
    assert all(v in PRESETS for v in q.get("preset", [])), q          # preset keys only, never labels
    assert page.get_by_text("settings in the link were not usable").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_switching_experiments_moves_the_preset_box_and_sidebar_to_the_new_preset(open_app):
    page = open_app("experiments?exp=4")
    _widget(page, "lr").wait_for(timeout=30_000)
    first = _preset_in_box(page)
    assert first.experiment == "4"
    assert _sidebar_values(page) == _expected(first)

    _choose(page, "exp", "1 · ")                                      # Exp 4 -> Exp 1
    _widget(page, "lr").wait_for(timeout=30_000)
    new = _preset_in_box(page)
    assert new.experiment == "1"
    assert _sidebar_values(page) == _expected(new)                    # not Exp 4's α and blocks
    _assert_clean_url_and_no_warning(page)

    seed = _widget(page, "seed").locator("input")                     # the next click after the switch
    seed.fill("3")
    seed.press("Enter")
    wait_for_app(page)
    _assert_clean_url_and_no_warning(page)
    assert _preset_in_box(page) == new
    assert _sidebar_values(page) == _expected(new, seed=3)
    assert _query(page).get("exp") == ["1"] and _query(page).get("seed") == ["3"]

    other = next(p for p in PRESETS.values() if p.experiment == "1" and p.name != new.name and p.model == "lstm")
    _choose(page, "preset", other.title)                              # another preset of the same experiment
    _widget(page, "lr").wait_for(timeout=30_000)
    assert _preset_in_box(page) == other
    assert _query(page).get("preset") == [other.name]
    assert _sidebar_values(page) == _expected(other, seed=3)          # the seed is kept, the rest follows
    _assert_clean_url_and_no_warning(page)


def test_a_link_copied_after_switching_reloads_to_the_same_view_at_1024x768(open_app):
    page = open_app("experiments?exp=4")
    page.set_viewport_size({"width": 1024, "height": 768})
    _widget(page, "lr").wait_for(timeout=30_000)
    lr = _widget(page, "lr").locator("input")                         # a setting of Exp 4's preset ...
    lr.fill("0.250")
    lr.press("Enter")
    wait_for_app(page)
    # the URL follows the rerun that wrote it: wait for it rather than read it at once (a race under load)
    page.wait_for_function("new URLSearchParams(location.search).get('lr') === '0.25'", timeout=30_000)
    assert _query(page).get("lr") == ["0.25"]

    _choose(page, "exp", "6a · ")                                     # ... is dropped by the switch to Exp 6a
    _widget(page, "lr").wait_for(timeout=30_000)
    new = _preset_in_box(page)
    assert new.experiment == "6a" and "lr" not in _query(page)
    seed = _widget(page, "seed").locator("input")
    seed.fill("5")
    seed.press("Enter")
    wait_for_app(page)
    assert _sidebar_values(page) == _expected(new, seed=5)
    _assert_clean_url_and_no_warning(page)
    page.screenshot(path=str(SCREENSHOTS / "experiments_switched_to_6a_1024x768.png"))

    link = page.url                                                   # the link a teacher would share
    page.goto(link)
    wait_for_app(page)
    _widget(page, "lr").wait_for(timeout=30_000)
    assert _preset_in_box(page) == new and _sidebar_values(page) == _expected(new, seed=5)
    assert _query(page) == parse_qs(urlparse(link).query)
    _assert_clean_url_and_no_warning(page)
    page.screenshot(path=str(SCREENSHOTS / "experiments_switched_link_reloaded_1024x768.png"))
