"""Student mode: every page has a guided sequence whose "try it" buttons really set the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab import results, trial_store
from lab.trial_store import KeptRow
from lstm_core.experiments import EXPERIMENT_TITLES, PRESETS
from tests.test_fuzz_urls import PAGE_KEYS
from ui.reproduce_table import best_results, here_note
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


def test_the_answers_name_only_paper_rows_that_exist():
    named = [n for q in [*EXPERIMENT_QUESTIONS.values(), *(q for qs in QUESTIONS.values() for q in qs)]
             for n in q.ours]
    assert named and all(n in PRESETS and PRESETS[n].paper for n in named)
    for exp, q in EXPERIMENT_QUESTIONS.items():
        assert q.ours and {PRESETS[n].experiment for n in q.ours} == {exp}, exp   # every experiment: its own rows


def _kept(preset: str, done: int, solved: int, trials: int = 20, cap: int = 5_000_000) -> KeptRow:
    return KeptRow(preset=preset, folder=Path("x"), trials=trials, seed=0, cap=cap, done=tuple(range(done)),
                   solved=solved, seconds=60.0, resumable=True)


def test_here_note_says_each_rows_stored_result_and_how_far_a_row_under_way_got():
    best = {"exp2a_lstm_p100": {"successes": 18, "trials": 18, "mean_sequences": 43866.6,
                                "max_sequences_cap": 5_000_000},
            "exp2c_q1000_p500": {"successes": 0, "trials": 20, "mean_sequences": None, "max_sequences_cap": 100_000}}
    kept = [_kept("exp2c_q1000_p500", 8, 0), _kept("exp2c_q1000_p200", 2, 1), _kept("exp2c_q50_p50", 1, 1)]
    note = here_note(("exp2a_lstm_p100", "exp2c_q1000_p500", "exp2c_q1000_p200", "exp2c_q1000_p100"), best, kept)
    lines = note.splitlines()
    assert lines[0].startswith("**Here**") and len([x for x in lines if x.startswith("- ")]) == 4
    assert "- LSTM, p=100, α=1.0: 18 of 18 trials solved, after 43,867 sequences on average (each trial up to " \
           "5,000,000)" in lines
    assert ("- q=1000, p=500: 0 of 20 trials solved (each trial up to 100,000); being run again in pieces: "
            "8 of 20 trials ended so far (each up to 5,000,000), none solved") in lines
    assert "- q=1000, p=200: under way in pieces, 2 of 20 trials ended so far (each up to 5,000,000), 1 solved" in lines
    assert "- q=1000, p=100: not yet run" in lines
    assert "q=50" not in note                                            # only the rows asked for
    assert here_note((), best, kept) == ""
    assert here_note(("exp2a_lstm_p100",), best, see="the table below").startswith(
        "**Here** (our stored runs; the table below has them all):")


def test_a_revealed_answer_shows_our_stored_runs_read_from_the_files():
    at = _page("experiments", student="1", exp="2a")
    assert not at.exception
    want = here_note(EXPERIMENT_QUESTIONS["2a"].ours, best_results(results.results_table(results.RESULTS_DIR)),
                     trial_store.kept_rows(results.RESULTS_DIR))
    assert want.startswith("**Here**") and "not yet run" not in want
    assert want in [m.value for m in at.markdown]
