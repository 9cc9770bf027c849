"""Under the hood: the gradient checks run live, and the engine's real source beside the paper's equations."""

import inspect

import streamlit as st

from lstm_core.analysis import gradcheck
from lstm_core.nets import engine, kernels_rtrl, lstm, lstm_grad, lstm_rtrl
from ui import student
from ui.figure_block import figure_with_table
from ui.figure_spec import freeze
from ui.figures_flow import gradcheck_data, gradcheck_figure, gradcheck_table
from ui.nav import ensure_router
from ui.params import show_url_notices, url_slider

ensure_router()  # a deep link on a fresh server must go through app.py


@st.cache_resource(max_entries=16, show_spinner="Running the gradient checks…")  # shared, read only
def run_checks(seed: int):
    results = gradcheck.run_all(seed)
    return gradcheck_table(results), freeze(gradcheck_figure(results)), gradcheck_data(results)


# (function, what it is, the paper's equations it implements)
SOURCES = [
    (lstm.step_forward, "One step of every memory-cell block (App. A.1 eqs 6-9)", [
        r"y^{in_j}(t) = f\big(net_{in_j}(t)\big)",
        r"y^{out_j}(t) = f\big(net_{out_j}(t)\big)",
        r"s_{c_j^v}(t) = s_{c_j^v}(t-1) + y^{in_j}(t)\, g\big(net_{c_j^v}(t)\big)",
        r"y^{c_j^v}(t) = y^{out_j}(t)\, h\big(s_{c_j^v}(t)\big)",
    ]),
    (lstm_rtrl.train_sequence, "The paper's learning rule as written: truncated RTRL with the partials dS "
     "(App. A.1 eqs 19-28)", [
        r"dS_{in}(t) = dS_{in}(t-1) + g(net_c)\, f'_{in}(net_{in})\, y^m(t-1)",
        r"dS_{c}(t) = dS_{c}(t-1) + g'(net_c)\, y^{in}(t)\, y^m(t-1)",
        r"e_{s_c}(t) = y^{out}(t)\, h'\big(s_c(t)\big) \textstyle\sum_k w_{kc}\, \delta_k(t)",
        r"\Delta w_{cm}(t) = \alpha\, e_{s_c}(t)\, dS_c(t)",
        r"\Delta w_{in,m}(t) = \alpha \textstyle\sum_v e_{s_{c^v}}(t)\, dS_{in}(t)",
    ]),
    (lstm_grad.truncated_grad, "The same gradient summed over a sequence, vectorised: the CEC carries the "
     "error back unchanged (App. A.2 eqs 30-41)", [
        r"\frac{\partial s_c(t)}{\partial s_c(t-1)} \approx_{tr} 1",
        r"E_s(\tau) = \textstyle\sum_{t \ge \tau} e_{s}(t)",
        r"\delta_{c}(\tau) = E_s(\tau)\, y^{in}(\tau)\, g'\big(net_c(\tau)\big)",
        r"\begin{aligned}\delta_{in}(\tau) &= f'_{in}\big(net_{in}(\tau)\big) \\"   # two rows: fits 1024 px
        r" &\quad \cdot \textstyle\sum_v E_{s^v}(\tau)\, g\big(net_{c^v}(\tau)\big) \end{aligned}",
    ]),
]

st.title("Under the hood")
st.markdown(
    "Every gradient the lab learns with is checked against a trusted reference on a small random "
    "network: finite differences, or a second algorithm that computes the same numbers another way. "
    "The checks below ran just now, on the networks drawn from the seed; the code further down is the "
    "engine's own source, read from the running program."
)
notices = st.empty()
student.show("under_the_hood")  # guided questions in student mode (?student=1)
with st.sidebar:
    st.markdown("#### Settings")
    seed = url_slider("Seed of the random test networks", "seed", 0, 0, 9999)
show_url_notices(notices)

table, fig, data = run_checks(seed)
st.subheader("Gradient checks")
# a static table: five rows whose long cells wrap, so every column fits a 1024-px screen; the verdict first
st.table(table.set_index("gradient")[["passed (< 1e-6)", "max relative error", "weights", "checked against"]])
figure_with_table(
    fig, key="checks", alt="Relative error of every checked weight, log scale", table=data,
    caption=("Figure: for every weight of every check, the difference between the analytic gradient and its "
             "reference, relative to the largest gradient of that check, on a log scale. Points far below the "
             "dashed 10⁻⁶ line pass; exact agreement is drawn at 10⁻¹⁸. 'Detached network': the real net with "
             "its recurrent inputs frozen, whose exact gradient the paper's truncated rule is (spec §2.1)."),
)

st.subheader("The code that ran, with the paper's equations")
for i, (fn, what, equations) in enumerate(SOURCES):
    st.markdown(f"**`{fn.__module__}.{fn.__qualname__}`** — {what}")
    # the equations first, as many side by side as fit
    with st.container(horizontal=True, gap="large", key=f"equations_{i}"):
        for eq in equations:
            st.latex(eq, width="content")
    st.code(inspect.getsource(fn), language="python", line_numbers=True, height=420, wrap_lines=True)

st.subheader("The compiled twin that trains")
st.markdown(
    f"Training runs on compiled kernels (Numba): the same rule as `lstm_rtrl.train_sequence` above, written "
    f"as plain loops over cells, source columns and time, in the paper's names. Each kernel is tested equal to "
    f"its readable reference to 10⁻¹⁰ on random nets of every configuration and through whole training runs. "
    f"Engine in use here: **{engine.active()}** (`LAB_ENGINE=numpy` runs the readable code instead, slower, with "
    f"the same results)."
)
for fn, what in ((kernels_rtrl.train_sequence, "one sequence: forward step, the partials dS (eqs 25, 27), "
                  "learning at target steps"),
                 (kernels_rtrl._learn, "the weight changes of one target step (eqs 19-28)")):
    source = inspect.getsource(getattr(fn, "py_func", fn))     # a Numba dispatcher keeps its Python function
    st.markdown(f"**`{fn.__module__}.{getattr(fn, '__qualname__', fn.__name__)}`** — {what}")
    st.code(source, language="python", line_numbers=True, height=420, wrap_lines=True)
