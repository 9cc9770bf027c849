"""Memory cell: one block (input gate, output gate, CEC, g, h) stepped through a short sequence."""

import numpy as np
import streamlit as st

from lstm_core.analysis.record import MAX_ABS_VALUE, MAX_STEPS, SEQUENCES, CellWeights, parse_sequence, run_single_cell
from lstm_core.analysis.record import store_recall as store_recall_inputs
from ui import student
from ui.figure_block import figure_with_table
from ui.figure_spec import freeze
from ui.figures_cell import cell_animation, cell_equations, cell_table, drift_figure
from ui.nav import ensure_router
from ui.params import show_url_notices, url_selectbox, url_slider, url_str, url_text_input, url_toggle
from ui.present import is_present, sized_figure
from ui.step_buttons import step_control

ensure_router()  # a deep link on a fresh server must go through app.py

PRESETS = {"store_recall": "Store a value, then recall it", "distractors": "Store a value through distractors",
           "drift": "A drifting state (steady input, no write signal)", "typed": "My own sequence"}
TEXT_PATTERN = r"[0-9eE+\-., ]*"  # what may come from the URL; parse_sequence checks the rest
DEFAULT_VALUES = "0.8, 0, 0, -0.5, 0, 0, 0"


@st.cache_resource(max_entries=64, show_spinner=False)  # shared by all sessions, read only: no copy per run
def compute(inputs: tuple, weights: CellWeights, step: int, present: bool = False):
    rec = run_single_cell(np.array(inputs), weights)
    # projector: the diagram first, and no net-input panel (the equations carry net_in, net_out, net_c)
    sizes = {"panel_height": 100, "diagram_height": 220, "panels": (1, 3, 4)} if present else {}
    return rec, freeze(cell_animation(rec, step, **sizes)), cell_table(rec)



st.title("Memory cell")
st.markdown(
    "One memory-cell block of the 1997 LSTM: an input gate decides when the cell input g(net_c) is "
    "written into the internal state s_c, the constant error carousel keeps s_c unchanged otherwise, "
    "and an output gate decides when h(s_c) is read out. Move the gate weights and biases to see what "
    "opening and closing the gates does; the equations under the figure carry the numbers of the chosen step."
)
notices = st.empty()
student.show("memory_cell")  # guided questions in student mode (?student=1)


with st.sidebar:
    st.markdown("#### Sequence")
    preset = url_selectbox("Input sequence", "seq", "store_recall", list(PRESETS), format_func=PRESETS.get)
    st.markdown("#### Input gate")
    w_in_write = url_slider("weight from the write signal", "wiw", 6.0, -10.0, 10.0, step=0.5)
    w_in_value = url_slider("weight from the value x", "wix", 0.0, -6.0, 6.0, step=0.5)
    b_in = url_slider("bias b_in", "bin", -3.0, -8.0, 4.0, step=0.5)
    st.markdown("#### Output gate")
    w_out_read = url_slider("weight from the read signal", "wor", 6.0, -10.0, 10.0, step=0.5)
    b_out = url_slider("bias b_out", "bout", -3.0, -8.0, 4.0, step=0.5)
    st.markdown("#### Cell input")
    w_c = url_slider("weight from the value x", "wc", 1.0, -4.0, 4.0, step=0.25)
    b_c = url_slider("bias b_c", "bc", 0.0, -2.0, 2.0, step=0.25)
    show_drift = url_toggle("Compare input-gate bias 0 with −3 (state drift)", "drift", False)

url_str("values", DEFAULT_VALUES, max_len=600, pattern=TEXT_PATTERN)  # checked (and its notice kept) on every seq
values_error = None
if preset == "typed":
    text = url_text_input(f"Values, separated by commas (up to {MAX_STEPS}, each between −{MAX_ABS_VALUE:g} and "
                          f"{MAX_ABS_VALUE:g}); the write signal is on at the first step, read at the last",
                          "values", DEFAULT_VALUES, max_len=600, pattern=TEXT_PATTERN, max_chars=600)
    try:
        inputs = store_recall_inputs(parse_sequence(text))
    except ValueError as err:
        values_error = str(err)
        inputs = SEQUENCES["store_recall"]
else:
    inputs = SEQUENCES[preset]
T = len(inputs)
if values_error:
    st.warning(f"{values_error} Showing the first preset meanwhile.", icon="✏️")
chart_box = st.container()  # filled below, once the step control under it has been read
step = url_slider("Step shown in the equations and at the figure's start", "step", T, 1, T,
                  scope=f"T{T}") if T > 1 else 1
weights = CellWeights(w_in_value, w_in_write, b_in, w_out_read, b_out, w_c, b_c)
rec, fig, table = compute(tuple(map(tuple, inputs)), weights, step, is_present())
if T > 1:
    fig, step = step_control(fig, "step", what="The equations below carry its numbers.")
show_url_notices(notices)
with chart_box:
    st.plotly_chart(sized_figure(fig, is_present()), width="stretch", key="cell",
                    alt="Animated diagram and traces of one memory cell over time")
    st.caption(
        "Figure: top, the block as in the paper's Fig. 1: g(net_c) flows in through the input gate (a valve "
        "that opens with y_in) into the constant error carousel (the tank; its level is the state s_c, kept by "
        "a self-loop of weight 1.0) and out through h and the output gate (a valve that opens with y_out) as "
        "y_c; green streams carry positive values, purple negative. Below, the same quantities over time: the "
        "inputs (value, write and read signals), the net inputs (in projector mode only in the equations), the "
        "gate activations, and the cell. Press Play (it continues from the step shown) or drag the slider; the "
        "state only changes while y_in is open."
    )
st.markdown(f"**The paper's equations at step t = {step}** (of {T})")
with st.container(horizontal=True, gap="large", key="equations_cell"):   # as many side by side as fit (1024 px)
    for line in cell_equations(rec, weights, step):
        st.latex(line, width="content")
st.caption("f(x) = 1/(1+e^(−x)) for both gates; g(x) = 4σ(x) − 2 ∈ [−2, 2] and h(x) = 2σ(x) − 1 ∈ [−1, 1] "
           "as in most of the paper's experiments (spec §1.1); s_c(0) = 0.")
with st.expander("Data table"):
    st.dataframe(table, hide_index=True, width="stretch")

if show_drift or preset == "drift":
    st.subheader("State drift, and the paper's remedy")
    st.markdown(
        "If the input gate is half open all the time, every input adds a little to s_c and the state drifts. "
        "Once |s_c| is large, h(s_c) is flat: h′(s_c) ≈ 0, so almost no error can enter the cell and it stops "
        "learning. The paper's remedy (§4, App. A.2) is a negative input-gate bias, which keeps the gate shut "
        "until the net learns to open it."
    )
    runs = {f"b_in = {b:g}": run_single_cell(inputs, CellWeights(w_in_value, w_in_write, b, w_out_read, b_out,
                                                                  w_c, b_c)) for b in (0.0, -3.0)}
    figure_with_table(
        drift_figure(runs), key="drift", alt="State and error-entry factor over time for input-gate bias 0 and -3",
        caption=("Figure: left, the internal state s_c over time with input-gate bias 0 (solid) and −3 (dashed), "
                 "the other weights as set in the sidebar; right, h′(s_c) on a log scale, the factor by which "
                 "error enters the cell."),
        table={"t": np.arange(1, T + 1), **{f"s_c, {k}": v["s_c"] for k, v in runs.items()},
               **{f"h'(s_c), {k}": v["dh_s"] for k, v in runs.items()}},
    )
