"""The Experiments page's "Train live" section: start / stop / resume, and a self-refreshing panel.

Training runs in the background (:mod:`ui.session_job`); the panel is a
``@st.fragment(run_every=...)`` that only reads the jobs' snapshots, so the rest of the
page stays responsive while it trains, and stops refreshing once nothing is running.
"""

from __future__ import annotations

import math

import streamlit as st

from lab.job_worker import PREPARING
from lab.jobs import JobSnapshot
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS
from ui import session_job
from ui.experiment_settings import HIDDEN_UNITS, baseline_hidden_units, with_hidden_units
from ui.experiment_view import forget_checkpoint
from ui.figures_training import curves_table, learning_curves
from ui.params import url_selectbox, url_toggle
from ui.present import is_present, sized_figure

REFRESH_S = 1.0          # the panel refreshes this often while a job trains
QUEUED_REFRESH_S = 3.0   # ... and this often while this session's jobs only wait in the queue
_REFRESH = "_live_refresh"  # the interval the panel was drawn with
_WAS_ACTIVE = "_live_was_active"
_CURVES = "_live_curves"  # (key, figure, table) of the last refresh


def _start(lstm: Preset, baseline: Preset | None, seed: int, trials: int) -> None:
    forget_checkpoint()
    # the preset's own net: "LSTM", or "RNN" for a plain-RNN row (Exp 2a's RTRL/BPTT), drawn in the RNN colour
    session_job.start("lstm", lstm, label=NETS[lstm.model].label, seed=seed, trials=trials)
    if baseline is not None:
        cap = baseline.stop.max_sequences
        session_job.start("rnn", baseline, label="RNN baseline", seed=seed, trials=trials, max_sequences=cap)
    else:
        session_job.discard("rnn")
    st.session_state[_WAS_ACTIVE] = True


def _each(action: str) -> None:
    forget_checkpoint()
    for slot in session_job.SLOTS:
        handle = session_job.get(slot)
        if handle is not None:
            getattr(handle, action)()
    st.session_state[_WAS_ACTIVE] = True  # a stopping job finishes its chunk first: rerun the page once it has


def duration(seconds: float) -> str:
    """"45 s", "12 min", "3.5 h"; "—" when unknown."""
    if not seconds or not math.isfinite(seconds):
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _status(label: str, snap: JobSnapshot) -> None:
    text = f"**{label}:** {session_job.describe(snap)}"
    if snap.status == "failed":
        st.error(text)
    elif snap.status == "queued":
        st.warning(text, icon=":material/hourglass_top:")
    else:
        st.info(text)
    if snap.message == PREPARING:  # the worker compiles the kernels (first run on a fresh install)
        st.info(f"**{label}:** {snap.message}", icon=":material/build:")
    elif snap.message:  # a diverging run: it stopped that trial and kept its last good weights
        st.warning(f"**{label}:** {snap.message}", icon="⚠️")


def _metrics(label: str, snap: JobSnapshot) -> None:
    p = snap.progress
    cols = st.columns(4)
    cols[0].metric(f"{label}: sequences per trial", f"{p.sequences:,}")
    cols[1].metric(f"{label}: trials solved", f"{p.solved} of {p.trials}")
    cols[2].metric(f"{label}: sequences/s", f"{p.rate:,.0f}", help="Training sequences per second, all trials.")
    cols[3].metric(f"{label}: time to the cap", duration(p.eta), help="An upper bound: training stops earlier "
                   "once every trial meets the paper's stopping rule.")


def _curves(curves: dict, job_ids: dict[str, int]) -> tuple:
    """Figure and table of the learning curves, redrawn only when a job has published new points."""
    key = tuple((label, job_ids[label], len(c["seq"])) for label, c in curves.items())
    cached = st.session_state.get(_CURVES)
    if cached is None or cached[0] != key:
        cached = (key, learning_curves(curves), curves_table(curves))
        st.session_state[_CURVES] = cached
    return cached[1], cached[2]


def _panel() -> None:
    handles = [h for slot in session_job.SLOTS if (h := session_job.get(slot)) is not None]
    if not handles:
        st.caption("Nothing trained yet in this browser session.")
        return
    snaps = {h.label: h.poll() for h in handles}
    for label, snap in snaps.items():
        _status(label, snap)
    for label, snap in snaps.items():
        _metrics(label, snap)
    curves = {label: s.curves for label, s in snaps.items() if len(s.curves["seq"])}
    if curves:
        fig, table = _curves(curves, {label: s.job_id for label, s in snaps.items()})
        st.plotly_chart(sized_figure(fig, is_present()), key="live_curves")
        st.caption("Figure: the live run's learning curves. Left: mean |error| at the end of the most recent 100 "
                   "sequences (log scale); right: the share of them processed correctly. Thin lines are single "
                   "trials, thick lines their mean; blue is an LSTM, vermillion a plain RNN.")
        with st.expander("Data table"):
            st.dataframe(table, hide_index=True, height=220)
            if not session_job.active():   # a download made while the fragment refreshes would 404
                st.download_button("Download the learning curves (CSV)", table.to_csv(index=False),
                                   file_name="live_learning_curves.csv", mime="text/csv", on_click="ignore")
            else:
                st.caption("The CSV download appears when training stops.")
    elif any(s.status == "running" for s in snaps.values()):
        st.caption("The first curve point appears after 100 training sequences.")
    if st.session_state.get(_WAS_ACTIVE) and not session_job.active():
        st.session_state[_WAS_ACTIVE] = False
        st.rerun()  # the whole page: stop refreshing, offer the finished run to the animation
    if _refresh_every() != st.session_state.get(_REFRESH):
        st.rerun()  # a queued job has started: the whole page, so that the panel refreshes every second


def show_live(derived: Preset, baseline: Preset | None, seed: int, trials: int) -> None:
    """Buttons, the optional RNN baseline, and the self-refreshing panel."""
    with_rnn = False
    if baseline is not None:
        with_rnn = url_toggle(f"Also train the RNN baseline on the same task and seed ({baseline.title})", "rnn",
                              False, help="A conventional recurrent net without memory cells, as in the paper's "
                                          "comparison; its error curve is drawn next to the LSTM's.")
        own = baseline_hidden_units(baseline)
        if with_rnn and own is not None:
            hidden = url_selectbox("The baseline's hidden units", "rnnh", own, list(HIDDEN_UNITS),
                                   format_func=HIDDEN_UNITS.get, width=320,
                                   help="The paper calls its competitors' units logistic: σ in [0, 1] as the "
                                        "presets read it, or the paper's centred 2σ − 1. The RNN-vs-CEC figure "
                                        "below replays the baseline you trained, with its own units.")
            baseline = with_hidden_units(baseline, hidden)
    lstm = session_job.get("lstm")
    status = None if lstm is None else lstm.poll(train=False).status
    # a row of buttons at their natural width: in fixed columns "■ Stop" shrank to "■ S…" at 1024 px
    with st.container(horizontal=True, key="live_buttons"):
        st.button("▶ Train live", type="primary", key="live_start", on_click=_start,
                  args=(derived, baseline if with_rnn else None, seed, trials),
                  help="Starts a fresh run with the settings above (replacing this session's previous run).")
        st.button("■ Stop", key="live_stop", on_click=_each, args=("stop",),
                  disabled=status not in ("running", "queued"))
        st.button("↻ Resume", key="live_resume", on_click=_each, args=("resume",), disabled=status != "stopped")
    every = st.session_state[_REFRESH] = _refresh_every()
    st.fragment(run_every=every)(_panel)()


def _refresh_every() -> float | None:
    """Every second while a job of this session trains, every few seconds while they only queue, else never.

    A class of 30 has most of its jobs queued: their status line changes only when the queue moves,
    and every refresh is a script run on the server that every student's pages wait behind.
    """
    if not session_job.active():
        return None
    handles = [h for slot in session_job.SLOTS if (h := session_job.get(slot)) is not None]
    if any(h.job.status == "running" for h in handles):
        return REFRESH_S
    return QUEUED_REFRESH_S
