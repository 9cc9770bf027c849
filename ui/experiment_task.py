"""The Experiments page's task section: the task, the paper's numbers beside our stored result, an example.

Streamlit glue only: :mod:`ui.reproduce_table` makes the tables and sentences, the task
generators make the example (drawn from the page's seed, the same for every student with the link).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from lab import readings, trial_store
from lstm_core.experiments import PRESETS, paper_headline, weight_count
from lstm_core.experiments.preset import Preset
from lstm_core.tasks import TASK_INFO, describe_sequence
from ui.experiment_view import example_batch
from ui.figure_spec import FrozenFigure, freeze
from ui.figures_training import example_sequence_figure
from ui.present import FONT_SCALE, is_present, sized_figure
from ui.readings_table import READINGS_CAPTION, READINGS_COLUMNS, readings_frame
from ui.reproduce_table import paper_numbers, stored_result_note, under_way_note
from ui.stored_runs import stored_runs


@st.cache_resource(show_spinner=False, max_entries=64)
def _example(key: str, seed: int, _preset: Preset) -> tuple[str, FrozenFigure | None]:
    """The example sequence as text, and as a figure for a real-valued task (None for symbols).

    ``key`` is the preset's ``repr`` (every field; hashing the preset itself costs more).
    """
    batch = example_batch(_preset, seed)
    if batch.strings is not None:
        return describe_sequence(batch, 0), None
    L = int(batch.lengths[0])
    t_end = np.flatnonzero(batch.has_target[0, :L])
    fig = example_sequence_figure(batch.x[0, :L], int(t_end[-1]) + 1 if len(t_end) else None,
                                       batch.y[0, t_end[-1]] if len(t_end) else None)
    return describe_sequence(batch, 0), freeze(fig)


def stored_result(name: str) -> dict | None:
    """Our best stored reproduce result of preset ``name`` (``runs/results``), or None if there is none.

    Files that do not load are skipped here; the Reproduce page names them.
    """
    return stored_runs().best.get(name)


def under_way(name: str) -> list[trial_store.KeptRow]:
    """Preset ``name``'s rows under way in pieces in ``runs/results/.trials`` (usually none, at most one a cap)."""
    return stored_runs().under_way(name)


def show_readings(name: str) -> None:
    """A collapsed expander with the readings of preset ``name`` (``runs/readings``); nothing if it has none.

    Files that do not load are named inside it instead of shown.
    """
    rows, problems = readings.readings_of(name, readings.READINGS_DIR)
    if not rows and not problems:
        return
    with st.expander(f"Readings tried for this row ({len(rows)})", expanded=False):
        st.caption(READINGS_CAPTION)
        if rows:
            scale = FONT_SCALE if is_present() else 1.0          # projector mode: larger fonts, wider columns
            config = {k: st.column_config.TextColumn(label, help=why, width=round(w * scale) if isinstance(w, int)
                                                     else w)
                      for k, (label, why, w) in READINGS_COLUMNS.items()}
            st.dataframe(readings_frame(rows), hide_index=True, column_config=config, width="stretch",
                         key="readings_table")
        for path, why in problems:
            st.caption(f"⚠️ Skipped `{path.name}`: {why}")


def show_task(preset: Preset, derived: Preset, seed: int) -> None:
    """The task in a few sentences, an example sequence, the paper's numbers, the deviations."""
    info = TASK_INFO[preset.task]
    st.markdown(f"**The task ({info['section']}).** {info['description']}")
    st.markdown(f"**This preset ({preset.section}).** {preset.description}")
    ours = stored_result(preset.name)
    st.markdown("**What the paper reports for this row, and our stored result**")
    left, right = st.columns([3, 2])
    with left:
        if preset.paper:
            table = paper_numbers(preset.paper, ours, weights=weight_count(preset))
            st.table(table.set_index("Quantity"))                             # a static table: long cells wrap
        else:
            rows = [p for p in PRESETS.values() if p.experiment == preset.experiment and p.paper]
            also = f" The paper's rows of this experiment: {rows[0].title}: {paper_headline(rows[0].paper)}." \
                if rows else ""
            st.info(f"A classroom setting: the paper has no row for it.{also}")
    with right:
        if preset.paper or ours is not None:  # a classroom setting says nothing when it was never run
            with st.container(key="stored_result"):
                st.markdown(stored_result_note(preset.paper, ours, preset.name))
                if ours is not None and ours.get("command"):
                    st.caption("The command that made it:")
                    st.code(ours["command"], language="bash", wrap_lines=True)
                for kept in under_way(preset.name):
                    st.markdown(under_way_note(kept))
                    if kept.resumable:
                        st.code(kept.command(), language="bash", wrap_lines=True)
    show_readings(preset.name)
    text, fig = _example(repr(derived), seed, derived)
    st.markdown("**One example sequence**")
    st.code(text, language=None, wrap_lines=True)
    if fig is not None:
        st.plotly_chart(sized_figure(fig, is_present()), key="example_seq")
        st.caption("Figure: the example sequence's input lines over time; × marks the target at the end.")
    with st.expander(f"Deviations from the paper ({len(derived.deviations)})"):
        st.markdown("\n".join(f"- {d}" for d in derived.deviations) or "None.")
