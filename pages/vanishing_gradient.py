"""Vanishing gradient — RNN vs CEC: eq. (2) of the paper live, error backflow over 1..1000 lags."""

import streamlit as st

from lstm_core.analysis.errorflow import RNN_ACTIVATIONS, FlowSettings, error_flow, fw_factor, kept_after
from ui import student
from ui.figure_block import figure_with_table
from ui.figure_spec import freeze
from ui.figures_flow import backflow_animation, flow_figure, flow_table, format_power
from ui.flow_text import factor_sentence, norm_sentence
from ui.nav import ensure_router
from ui.params import show_url_notices, url_selectbox, url_slider

ensure_router()  # a deep link on a fresh server must go through app.py

ACTIVATION_LABELS = {"logistic": "logistic (the paper's)", "tanh": "tanh", "identity": "linear"}


@st.cache_resource(max_entries=32, show_spinner=False)  # shared by all sessions, read only: no copy per run
def compute(settings: FlowSettings):
    result = error_flow(settings)
    factor = fw_factor(settings.weight_scale, 1.0, settings.activation)   # scans 600,001 weights: once
    return result, freeze(flow_figure(result)), freeze(backflow_animation(result)), flow_table(result), factor


st.title("Vanishing gradient — RNN vs CEC")
st.markdown(
    "An error signal sent back through a conventional recurrent net is multiplied, at every step, "
    "by a weight and by the slope f′ of a unit. These factors are usually below one, so after q steps "
    "the error has shrunk like a q-th power (eq. 2 of the paper). The constant error carousel (CEC) "
    "of an LSTM memory cell multiplies by exactly 1, so its error arrives intact."
)
notices = st.empty()
student.show("vanishing_gradient")  # guided questions in student mode (?student=1)


with st.sidebar:
    st.markdown("#### Settings")
    n = url_slider("Number of units n", "n", 8, 1, 20)
    w0 = url_slider("Weight scale w₀ (weights uniform in [−w₀, w₀])", "w0", 1.0, 0.05, 8.0, step=0.05)
    act = url_selectbox("Activation of the RNN units", "act", "logistic", RNN_ACTIVATIONS,
                        format_func=ACTIVATION_LABELS.get)
    q_max = url_slider("Longest lag (steps back)", "qmax", 200, 10, 1000, step=10)
    seed = url_slider("Seed", "seed", 0, 0, 999)
    lag = min(url_slider("Lag for the sentence (at most the longest lag)", "lag", 50, 1, 1000), q_max)
show_url_notices(notices)

settings = FlowSettings(n_units=n, weight_scale=w0, activation=act, q_max=q_max, seed=seed)
result, fig, animation, table, factor = compute(settings)

kept = kept_after(result, lag)
rnn_kept = format_power(kept["rnn"])
verb = "keeps only" if kept["rnn"] < 0 else "blows it up to"
st.subheader(f"After {lag} steps the RNN {verb} {rnn_kept} of the error; the CEC keeps all of it.")
st.markdown(factor_sentence(act, w0, factor["factor"], result.fprime_max) + " "
            + norm_sentence(result.norm_A, result.fprime_max))

figure_with_table(
    fig, key="flow", alt="Error scaling against lag for an RNN, the naive CEC and an LSTM", table=table,
    caption=("Figure: how much of an error signal is left q steps back, on a log scale. The plain RNN "
             "(vermillion; purple circles: eq. 2 computed as a product of matrices, on the same curve) falls "
             "by orders of magnitude, under its bound (purple, dashed). The naive CEC (green) and the LSTM's "
             "internal state under the paper's truncated gradient (dark blue, dotted) stay at exactly 1. With "
             "the full gradient (light blue) the error at the LSTM's state stays near 1 too, while the error "
             "that travels outside the CECs (light blue, dash-dot) vanishes like the RNN's."),
)

st.subheader("Watch the error travel back in time")
figure_with_table(
    animation, key="animation", table=table,
    alt="Animated heatmaps of an error signal travelling back in time, RNN beside LSTM",
    caption=("Figure: an error is injected at the last time step (right edge) and carried back, one frame per "
             "few steps (press Play or drag the slider). Left: every unit of the RNN, colour = size of its error "
             "on a log scale; it darkens step by step, by orders of magnitude, down to the scale's floor "
             "(10⁻³⁰). Right: the LSTM under the truncated gradient; the rows of the cell states (the CECs) keep "
             "the same bright colour however far back, and so does the error that leaves each CEC into its cell "
             "input and input gate."),
)
st.caption(
    f"The RNN has n = {n} fully connected units, f = {ACTIVATION_LABELS[act]}, run forward on one random "
    f"input sequence (lstm_core.nets.rnn.forward); the LSTM has {result.lstm_truncated['s'].shape[1]} one-cell "
    "blocks (input-gate bias −2), the same weight scale and inputs. Left out: training; this page only "
    "follows one error signal through a fixed net."
)
