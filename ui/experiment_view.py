"""The sections of the Experiments page: preset picker, animated internals, exports (the task: ui.experiment_task).

Streamlit glue only: the engine computes (``lstm_core.analysis.record``, ``lab.jobs`` via
:mod:`ui.session_job`), :mod:`ui.figures_internals` draws, and this module lays the
pieces out so that ``pages/experiments.py`` stays a short script.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from lab import runs
from lab.runs import RunFileError, SavedRun, family_of, load_run
from lab.serialize import preset_to_dict
from lstm_core.analysis.record import record_checkpoints
from lstm_core.experiments import EXPERIMENT_TITLES, PRESETS, presets_by_experiment
from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS
from lstm_core.tasks import TASKS, TEMPORAL_ORDER_ALPHABET, TEMPORAL_ORDER_CLASSES
from lstm_core.tasks.batch import Batch, split_symbols
from ui import session_job
from ui.experiment_flow import show_error_flow
from ui.experiment_settings import PRESET_KEYS
from ui.figure_block import figure_with_table
from ui.figure_spec import FrozenFigure, freeze
from ui.figures_heat import heat_ranges, internals_heatmaps
from ui.figures_internals import internals_animation
from ui.figures_training import checkpoint_labels
from ui.internals_panels import record_table
from ui.params import clear_url, url_raw, url_select_slider, url_selectbox
from ui.present import is_present, sized_figure
from ui.step_buttons import LOOP_KEY, step_control

DEFAULT_EXPERIMENT = "4"
LIVE_REFRESH_S = 1.0


# ----------------------------------------------------------------------------- choosing a preset


def _picker(label: str, key: str, default: str, options: list[str], reset: tuple[str, ...],
            format_func: Callable[[str], str], scope: str = "") -> str:
    """A choice whose change drops the settings that belonged to the old one (their widgets are keyed by it)."""
    return url_selectbox(label, key, default, options, scope=scope, resets=reset, format_func=format_func)


BASELINE_SUFFIX = "-rnn"   # runs/shipped/<key>-rnn/: the trained RNN baseline of runs/shipped/<key>/


def shipped_key(experiment: str) -> str:
    """The folder under ``runs/shipped`` to show for ``experiment``: its own ("2b") if shipped, else its family's."""
    own = runs.SHIPPED_DIR / experiment
    return experiment if (own / "config.json").is_file() else family_of(experiment)


@st.cache_resource(show_spinner=False, max_entries=24)
def load_shipped(key: str) -> SavedRun | str | None:
    """The shipped run in ``runs/shipped/<key>/``, the error text if it is unusable, or None if absent."""
    path = runs.SHIPPED_DIR / key
    if not (path / "config.json").is_file():
        return None
    try:
        return load_run(path)
    except RunFileError as exc:
        return str(exc)


def pick_preset() -> Preset:
    """Experiment family, then preset (URL keys ``exp`` and ``preset``); opens on the shipped run's preset."""
    groups = presets_by_experiment()
    raw = url_raw("preset")
    default_exp = PRESETS[raw].experiment if raw in PRESETS and url_raw("exp") is None else DEFAULT_EXPERIMENT
    left, right = st.columns([2, 3])
    with left:
        exp = _picker("Experiment", "exp", default_exp, list(groups), ("preset", *PRESET_KEYS),
                      lambda e: f"{e} · {EXPERIMENT_TITLES[e]}")
    names = [p.name for p in groups[exp]]
    shipped = load_shipped(shipped_key(exp))
    classroom = [n for n in names if PRESETS[n].classroom and NETS[PRESETS[n].model].has_cells]
    default = (shipped.preset.name if isinstance(shipped, SavedRun) and shipped.preset.name in names
               else (classroom or names)[0])
    with right:
        name = _picker("Preset (a row of the paper's table, or a classroom setting)", "preset", default, names,
                       PRESET_KEYS, lambda n: PRESETS[n].title + ("" if PRESETS[n].paper else " — classroom"),
                       scope=f"exp{exp}")
    return PRESETS[name]


# ----------------------------------------------------------------------------- the task and the paper


def example_batch(preset: Preset, seed: int) -> Batch:
    """One sequence of the preset's task, drawn from ``seed`` (the same for every student with the link)."""
    return TASKS[preset.task](np.random.default_rng(seed), 1, **preset.task_options)


# ----------------------------------------------------------------------------- animated internals


@dataclass(frozen=True)
class RunSource:
    """Trained weights to animate: a shipped run or the live job, with its checkpoints."""

    key: str                                     # cache key (run folder, or job id + checkpoint count)
    label: str
    preset: Preset
    checkpoints: list[tuple[int, dict[str, np.ndarray]]]
    solved_at: int | None
    baseline: SavedRun | None = None             # the RNN baseline trained in advance beside a shipped run


def shipped_source(run: SavedRun, baseline: SavedRun | None = None) -> RunSource:
    """The shipped run's checkpoints, ending with its final weights (a trial stops between checkpoints);
    ``baseline`` is its shipped trained RNN (``runs/shipped/<key>-rnn``), if any."""
    k = run.checkpoint_trial
    solved = (run.summary.get("sequences_to_success") or [None] * run.trials)[k]
    presented = (run.summary.get("sequences_presented") or [None] * run.trials)[k]   # ABS: solved + the streak
    final = int(presented or solved or run.summary.get("sequences_seen") or 0)
    ckpts = list(run.checkpoints)
    if final > ckpts[-1][0]:
        ckpts.append((final, {name: v[k:k + 1] for name, v in run.params.items()}))
    return RunSource(f"shipped:{run.path}", f"Precomputed run: {run.preset.title}", run.preset, ckpts, solved,
                     baseline)


def live_source(handle: session_job.Handle) -> RunSource | None:
    snap = handle.poll(train=False)
    if not snap.finished:                                         # offered once stopped: its checkpoints hold still
        return None
    ckpts = list(snap.checkpoints)
    if snap.progress.sequences > ckpts[-1][0]:
        ckpts.append((snap.progress.sequences, snap.params))      # the latest weights as the last checkpoint
    if len(ckpts) < 2:
        return None
    solved = (snap.summary.get("sequences_to_success") or [None])[0]
    what = "Your live run" if (net := NETS[handle.preset.model]).has_cells else f"Your live {net.label} baseline"
    return RunSource(f"live:{handle.job.id}:{ckpts[-1][0]}", f"{what}: {handle.preset.title}",
                     handle.preset, ckpts, solved)


def class_names(batch: Batch) -> tuple[str, ...] | None:
    """The names of the output classes where the paper gives them (temporal order: Q, R, S, U, …)."""
    if batch.alphabet == TEMPORAL_ORDER_ALPHABET:
        return TEMPORAL_ORDER_CLASSES.get(int(np.log2(batch.n_out)))
    return None


@st.cache_resource(show_spinner="Recording the network on a test sequence…", max_entries=8)
def _records(key: str, seed: int, _source: RunSource) -> tuple[list[dict], list[str] | None, tuple | None]:
    batch = example_batch(_source.preset, seed)
    labels = split_symbols(batch.alphabet, batch.strings[0]) if batch.strings is not None else None
    return record_checkpoints(_source.preset, _source.checkpoints, batch, 0), labels, class_names(batch)


@st.cache_resource(show_spinner="Drawing the animation…", max_entries=16)
def _animation(key: str, seed: int, index: int, _source: RunSource, cell: int | None = None,
               compact: bool = False) -> tuple[FrozenFigure, Any]:
    """The checkpoint's animation (with the diagram of ``cell``), serialised once, and its data table."""
    recs, labels, classes = _records(key, seed, _source)
    fig = internals_animation(recs[index], step_labels=labels[: int(recs[index]["length"])] if labels else None,
                                   class_names=classes, diagram_cell=cell, panel_height=110 if compact else 170,
                                   compact=compact, range_recs=recs)
    return freeze(fig), record_table(recs[index])


@st.cache_resource(show_spinner=False, max_entries=16)
def _heatmaps(key: str, seed: int, index: int, _source: RunSource) -> FrozenFigure:
    """Per-cell heat maps of one checkpoint, colour scales fixed over all checkpoints of the run."""
    recs, labels, _ = _records(key, seed, _source)
    rec = recs[index]
    return freeze(internals_heatmaps(rec, ranges=heat_ranges(recs),
                                     step_labels=labels[: int(rec["length"])] if labels else None))


def n_cells(preset: Preset) -> int:
    """Memory cells of an LSTM preset (0 for a plain RNN)."""
    net = NETS[preset.model]
    return net.shown_units(preset.net) if net.has_cells else 0


def forget_checkpoint() -> None:
    """Another run's checkpoints are shown: drop the chosen checkpoint, step and range (URL ``ckpt``,
    ``frame``, ``loop``)."""
    clear_url("ckpt", "frame", LOOP_KEY)


def show_animation(source: RunSource, seed: int) -> None:
    """Checkpoint slider (URL ``ckpt``), the animated figure, its alt text, data table and CSV."""
    seqs = [s for s, _ in source.checkpoints]
    names = checkpoint_labels(seqs, source.solved_at)
    options = [str(s) for s in seqs]
    value = url_select_slider("Training checkpoint: from the untrained network to the trained one", "ckpt",
                              options[-1], options, scope=source.key,  # another run has other checkpoints
                              format_func=lambda s: names[options.index(s)])
    index = options.index(value)
    cells = n_cells(source.preset)
    cell = None
    if cells:
        size = source.preset.net.block_size
        cell = url_selectbox("Cell drawn as a diagram (the paper's Fig. 1)", "cell", "1",
                             [str(c) for c in range(1, cells + 1)], scope=source.preset.name,
                             format_func=lambda c: f"cell {c} (block {(int(c) - 1) // size + 1})")
        cell = int(cell) - 1
    fig, table = _animation(source.key, seed, index, source, cell, is_present())
    fig, _ = step_control(fig, "frame", what="→ the forward pass, ← the error going back.")
    kind = "hidden units and their backward error δ_h" if not NETS[source.preset.model].has_cells else \
        "input and output gates, cell states s_c, cell outputs y_c, outputs against the target, and E_s"
    figure_with_table(
        fig, key="internals", alt=f"Animated internals of {source.preset.title}", height=260,
        caption=(f"Figure: {source.label}, on one test sequence after {seqs[index]:,} training sequences: {kind}. "
                 "Top: the chosen cell as the paper's Fig. 1 block (valves = gates, the tank's level = s_c; going "
                 "back, the error E_s circles the self-loop unchanged). Press Play ▶ (it continues from the step "
                 "shown) to step forward through the sequence (→), then watch the error flow back (←); drag the "
                 "slider below the figure to go to any step."),
        table=table, csv_name=f"{source.preset.name}_internals_{seqs[index]}.csv",
    )
    if cells:
        with st.expander(f"All {cells} cells at once: heat maps of s_c, y_in and y_out"):
            st.plotly_chart(sized_figure(_heatmaps(source.key, seed, index, source), is_present()), key="heat",
                            alt=f"Heat maps of the cell states and gates of {source.preset.title}")
            st.caption("Figure: one row per cell (s_c) or block (gates), one column per time step, labelled with "
                       "the input symbol where the sequence is short. The colour scales are the same at every "
                       "checkpoint of this run, so a stronger colour later in training is a larger value.")
        recs, labels, _ = _records(source.key, seed, source)
        show_error_flow(source.preset, recs[index], example_batch(source.preset, seed),
                        labels[: int(recs[index]["length"])] if labels else None, f"{source.key}|{index}", seed,
                        trained_sequences=seqs[index], shipped_rnn=source.baseline)


# ----------------------------------------------------------------------------- exports


def config_json(derived: Preset, base: Preset, seed: int, trials: int) -> str:
    """The run's whole configuration: the derived preset, what it was modified from, seed and trials."""
    return json.dumps({"preset": preset_to_dict(derived), "modified_from": base.name if derived is not base else None,
                       "seed": seed, "trials": trials}, indent=1)
