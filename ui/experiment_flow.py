"""The Experiments page's "RNN vs CEC" section: the error from the sequence end, LSTM beside plain RNN.

Both networks see the same test sequence (the one the animation shows). The LSTM is the run being
animated (shipped or live, at the chosen checkpoint); the RNN is the experiment's baseline
(:func:`lstm_core.experiments.baselines.baseline_for`): trained live in this tab (once stopped), else the one
shipped trained beside the precomputed run (``runs/shipped/<key>-rnn``), else at its initial weights.
The figure says which, and how many sequences each net was trained on. Streamlit glue; the figure is
:func:`ui.figures_heat.error_flow_comparison`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from lab.runs import SavedRun
from lstm_core.analysis.record import record_sequence
from lstm_core.experiments.baselines import baseline_for
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun
from ui import session_job
from ui.figure_spec import FrozenFigure, freeze
from ui.figures_heat import error_flow_comparison
from ui.present import is_present, sized_figure


def _same_task(a: Preset, b: Preset) -> bool:
    return a.task == b.task and dict(a.task_options) == dict(b.task_options)


def _rnn_params(baseline: Preset, seed: int,
                shipped: SavedRun | None) -> tuple[Preset, dict[str, np.ndarray], str]:
    """The plain RNN to replay, its weights and what they are: a stopped live RNN run of this tab on the same
    task (with its own net: e.g. centred hidden units), else the shipped trained one (same task, and the same
    network configuration: its weights fit), else ``baseline`` at its initial weights."""
    handle = session_job.get("rnn")
    if handle is not None and _same_task(handle.preset, baseline):
        snap = handle.poll(train=False)
        if snap.finished and snap.params:
            return (handle.preset, {k: np.asarray(v)[:1] for k, v in snap.params.items()},
                    f"plain RNN trained live ({snap.progress.sequences:,} sequences)")
    if shipped is not None and _same_task(shipped.preset, baseline) and shipped.preset.net == baseline.net:
        seen = int(shipped.summary.get("sequences_seen") or shipped.checkpoints[-1][0])
        return baseline, shipped.trial_params(), f"plain RNN trained in advance ({seen:,} sequences)"
    return (baseline, _initial_params(repr(baseline), seed, baseline),
            "plain RNN, untrained (its initial weights)")


@st.cache_resource(show_spinner=False, max_entries=16)
def _initial_params(key: str, seed: int, _baseline: Preset) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[:1] for k, v in TrialRun(_baseline, trials=1, seed=seed).params.items()}


@st.cache_resource(show_spinner="Following the error back through both nets…", max_entries=16)
def _figure(key: str, _lstm_rec: dict, _baseline: Preset, _rnn_params: dict, rnn_label: str, _batch,
            _labels: list[str] | None, lstm_label: str) -> FrozenFigure:
    rnn_rec = record_sequence(_baseline, _rnn_params, _batch, 0)
    return freeze(error_flow_comparison(_lstm_rec, rnn_rec, lstm_label=lstm_label, rnn_label=rnn_label,
                                        step_labels=_labels))


def show_error_flow(lstm_preset: Preset, lstm_rec: dict, batch, labels: list[str] | None, key: str, seed: int,
                    trained_sequences: int, shipped_rnn: SavedRun | None = None) -> None:
    """The section: heading, one sentence, the figure, what it shows.

    ``trained_sequences``: how long the LSTM was trained; ``shipped_rnn``: the trained baseline shipped
    beside a precomputed run (used when this tab has not trained one live).
    """
    baseline = baseline_for(lstm_preset)
    if baseline is None or "E_s" not in lstm_rec:
        return
    st.subheader("RNN vs CEC on this experiment")
    rnn, params, label = _rnn_params(baseline, seed, shipped_rnn)
    lstm_label = f"LSTM trained {trained_sequences:,} sequences"
    fig = _figure(f"{key}|{repr(rnn)}|{label}|{seed}", lstm_rec, rnn, params, label, batch, labels,
                  lstm_label)
    st.plotly_chart(sized_figure(fig, is_present()), key="flow_vs_rnn",
                    alt="The error from the sequence end, flowing back through the LSTM's carousels and a plain RNN")
    st.caption(
        f"Figure: the error made at the last target of the test sequence above, sent back through the {lstm_label} "
        f"and through the {label} ({rnn.title}), each relative to its own size at that target. The carousels pass "
        "it on unchanged (flat), the RNN's hidden units lose orders of magnitude within a few steps. Where a task "
        "has targets at every step (Exp 1, 2a, 2b), the errors of later targets add up along the way. Train the "
        "RNN baseline live below and stop it to see your own trained one here.")
