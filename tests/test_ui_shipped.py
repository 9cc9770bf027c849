"""The precomputed runs the Experiments page animates: each experiment's own where one is shipped (else the
page says whose run it shows), and the trained RNN baseline beside each, so "RNN vs CEC" compares two
trained nets on the same test sequence, each labelled with how long it was trained.

The page tests use runs saved to a temporary folder (``lab.runs.SHIPPED_DIR`` points there); the last
test checks the runs that are really shipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.runs as runs
from lstm_core.experiments import PRESETS
from lstm_core.experiments.baselines import baseline_for
from lstm_core.experiments.train import TrialRun
from scripts.make_shipped_runs import BASELINE_SUFFIX, SHIPPED, shipped_preset
from tests.pagetools import isolate_page
from ui import experiment_view

EXPERIMENTS = str(Path(__file__).resolve().parent.parent / "pages" / "experiments.py")
LSTM = "classroom_exp4_adding_T20"


def _save(preset, root: Path, key: str, sequences: int) -> None:
    run = TrialRun(preset, trials=1, seed=0, max_sequences=sequences)
    run.advance(sequences)
    runs.save_run(run, root / key)


@pytest.fixture(scope="module")
def shipped_root(tmp_path_factory) -> Path:
    """Family 4 with its trained RNN (240 sequences); family 2 (Exp 2a) without one."""
    root = tmp_path_factory.mktemp("shipped")
    _save(PRESETS[LSTM], root, "4", 300)
    _save(baseline_for(PRESETS[LSTM]), root, "4" + BASELINE_SUFFIX, 240)
    _save(PRESETS["classroom_exp2a_p10"], root, "2", 200)
    return root


@pytest.fixture()
def page(monkeypatch, shipped_root, tmp_path):
    isolate_page(monkeypatch, shipped_root, tmp_path / "results")

    def run(**query) -> AppTest:
        at = AppTest.from_file(EXPERIMENTS, default_timeout=90)
        at.query_params.update(query)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    yield run
    st.cache_resource.clear()


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_rnn_vs_cec_compares_the_shipped_lstm_with_the_shipped_trained_rnn_and_says_how_long_each_trained(page):
    at = page(exp="4", preset=LSTM)
    text = _captions(at)
    assert "plain RNN trained in advance (240 sequences)" in text
    assert "LSTM trained 300 sequences" in text
    assert "untrained" not in text


def test_without_a_shipped_rnn_the_comparison_says_the_rnn_is_untrained(page):
    at = page(exp="2a")
    assert "plain RNN, untrained (its initial weights)" in _captions(at)


def test_an_experiment_without_its_own_run_says_plainly_whose_run_is_shown(page):
    at = page(exp="2b")
    assert any("No precomputed run of Exp 2b is shipped" in w.value for w in at.warning)
    assert not [w for w in page(exp="2a").warning if "No precomputed run" in w.value]


def test_an_experiments_own_shipped_run_is_preferred_to_its_familys(monkeypatch, tmp_path):
    (tmp_path / "2b").mkdir()
    (tmp_path / "2b" / "config.json").write_text("{}")
    monkeypatch.setattr(runs, "SHIPPED_DIR", tmp_path)
    assert experiment_view.shipped_key("2b") == "2b"
    assert experiment_view.shipped_key("2c") == "2"
    assert experiment_view.shipped_key("3b") == "3"


def test_3b_3c_and_6b_have_runs_of_their_own():
    assert {"3b", "3c", "6b"} <= set(SHIPPED)
    assert all(experiment_view.shipped_key(e) == e for e in ("3b", "3c", "6b"))


def test_every_shipped_key_has_its_lstm_run_and_a_trained_rnn_baseline_on_the_same_task():
    for key in SHIPPED:
        lstm = runs.load_run(runs.SHIPPED_DIR / key)
        assert lstm.preset.name == shipped_preset(key).name and lstm.preset.model == "lstm"
        assert key in (lstm.preset.experiment, runs.family_of(lstm.preset.experiment))
        assert lstm.solved, key                                  # the page shows a network that learned its task
        rnn = runs.load_run(runs.SHIPPED_DIR / (key + BASELINE_SUFFIX))
        want = baseline_for(lstm.preset)
        assert (rnn.preset.model, rnn.preset.task, dict(rnn.preset.task_options)) == \
            (want.model, want.task, dict(want.task_options))
        assert rnn.summary["sequences_seen"] > 0
