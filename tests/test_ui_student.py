"""Student mode: every page has a guided sequence whose "try it" buttons really set the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import EXPERIMENT_TITLES
from tests.test_fuzz_urls import PAGE_KEYS
from ui.student import EXPERIMENT_QUESTIONS, QUESTIONS

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_has_at_least_three_questions_with_answers():
    assert set(QUESTIONS) == {p.stem for p in ROOT.glob("pages/*.py")}
    for page, questions in QUESTIONS.items():
        assert len(questions) >= 3, page
        for q in questions:
            assert q.prompt.strip() and len(q.answer) > 40, (page, q.prompt)
            assert bool(q.settings) == bool(q.try_label), (page, q.prompt)


def test_the_settings_of_a_question_are_url_keys_its_page_reads():
    for page, questions in QUESTIONS.items():
        for q in questions:
            assert set(q.settings) | set(q.clear) <= set(PAGE_KEYS[page]), (page, q.settings)


def _page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60)
    at.query_params.update(query)
    return at.run()


def test_student_mode_is_off_by_default():
    at = _page("memory_cell")
    assert not [b for b in at.button if (b.key or "").startswith("student_try_")]


@pytest.mark.parametrize("page, index, widget, key, want", [
    ("memory_cell", 2, "slider", "url:bin", 0.0),
    ("memory_cell", 2, "toggle", "url:drift", True),
    ("vanishing_gradient", 2, "slider", "url:w0", 6.0),
    ("vanishing_gradient", 3, "selectbox", "url:act", "identity"),
])
def test_a_try_button_puts_the_page_into_the_questions_setting(page, index, widget, key, want):
    at = _page(page, student="1")
    assert not at.exception
    assert len(at.get("expander")) >= 3
    at.button(key=f"student_try_{page}_{index}").click().run()
    assert not at.exception
    assert getattr(at, widget)(key=key).value == want                    # the widget shows it
    url_key = key.split(":")[1]
    assert at.query_params[url_key] in (str(want).lower(), repr(want), str(want),
                                       [str(want).lower()], [repr(want)], [str(want)])   # and the link holds it
    assert not [w for w in at.warning if "not usable" in w.value]


def test_every_experiment_has_its_own_question_shown_first_on_the_experiments_page():
    assert set(EXPERIMENT_QUESTIONS) == set(EXPERIMENT_TITLES)
    at = _page("experiments", student="1", exp="6a")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Temporal order: X or Y appears twice" in text
    assert len(at.get("expander")) >= len(QUESTIONS["experiments"]) + 1
