"""Student mode (``?student=1`` or the sidebar switch): a short guided sequence on every page.

Each page gets at least three questions written from the paper: predict first, then press the
button that puts the page into the setting the question is about (the settings travel as
URL parameters, like every link of the lab), then reveal the answer. ``QUESTIONS`` is plain
data, so the wording can be checked and extended without touching the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lstm_core.experiments import presets_by_experiment
from ui.params import clear_url, set_url, url_bool, url_toggle
from ui.reproduce_table import here_note
from ui.stored_runs import stored_runs

KEY = "student"


@dataclass(frozen=True)
class Question:
    """One step of a guided sequence: a question, the setting to try (URL values), the answer."""

    prompt: str
    answer: str
    try_label: str = ""                                  # the button's text; no button without settings
    settings: Mapping[str, Any] = field(default_factory=dict)
    clear: tuple[str, ...] = ()                          # URL keys to drop first (e.g. an old preset's knobs)
    ours: tuple[str, ...] = ()                           # presets whose stored runs the answer shows ("Here: …")


_EXP2C_Q_EQ_P = tuple(f"exp2c_q{q}_p{q}" for q in (50, 100, 200, 500, 1000))
_EXP2C_Q1000 = tuple(f"exp2c_q1000_p{p}" for p in (1000, 500, 200, 100, 50))
_EXP_KEYS = ("preset", "lr", "T", "p", "q", "length", "blocks", "size", "ig", "og", "hidden", "rnnh", "trials",
             "ckpt", "cell")

QUESTIONS: dict[str, list[Question]] = {
    "overview": [
        Question("Why could recurrent nets before 1997 not learn to connect events more than about ten steps "
                 "apart?",
                 "Because the error sent back q steps is multiplied q times by a weight and the slope f′ of a unit "
                 "(eq. 2 of the paper). For the logistic f, f′ ≤ 1/4, so with weights below 4 every factor is "
                 "below one and the error shrinks exponentially with q; with larger weights it can blow up "
                 "instead. Either way, long lags are never learned. The Vanishing gradient page measures it."),
        Question("What is the one idea that keeps the error alive?",
                 "The constant error carousel: a linear unit whose only recurrent connection is to itself, with "
                 "weight 1.0. One step back multiplies its error by f′·w = 1·1.0 = 1, so the error arrives "
                 "unchanged however far back. It is the core of every memory cell; its state s_c is the memory."),
        Question("A carousel alone is not enough: why does a memory cell need an input gate and an output gate?",
                 "Input weight conflict: one incoming weight would have to both store an important input and "
                 "ignore every unimportant one. Output weight conflict: one outgoing weight would have to both read "
                 "the memory and keep it from disturbing other units. A multiplicative input gate decides *when* "
                 "to write, an output gate *when* to read (Section 4 of the paper)."),
    ],
    "vanishing_gradient": [
        Question("Predict: with the paper's logistic units and weights up to w₀ = 1, how much of an error is "
                 "left after 50 steps in the plain RNN? And in the CEC?",
                 "Each step multiplies by f′(net)·w ≤ 0.25·1, so after 50 steps at most about 0.25⁵⁰ ≈ 10⁻³⁰ of "
                 "one unit's error is left (the bound in the figure is n·(f′max·‖W‖)^q; summed over units it is "
                 "looser). The CEC keeps exactly 1 — the flat green line.",
                 "Set w₀ = 1, lag 50", {"w0": 1.0, "lag": 50, "act": "logistic"}),
        Question("Will bigger weights save the RNN? Predict, then try w₀ = 6.",
                 "Not for long. f′max·|w| = 1.5 > 1 allows growth, but large weights drive the units into "
                 "saturation where f′(net) is tiny: for a source activation y = 1 the factor f′(w·y)·w is at "
                 "most about 0.22, whatever w is. The paper: |f′(net)·w| goes to 0 as |w| → ∞. The measured "
                 "curve still falls by orders of magnitude.",
                 "Set w₀ = 6", {"w0": 6.0, "act": "logistic"}),
        Question("Make the RNN's units linear (f′ = 1). Now only the weights decide: what must a weight be for "
                 "the error to neither vanish nor explode?",
                 "Exactly |w| = 1. Below, the error shrinks at every step; above, it grows. Random weights are "
                 "almost never exactly 1 — so the LSTM fixes one self-connection at 1.0 and never trains it: "
                 "that is the constant error carousel.",
                 "Linear units, w₀ = 1", {"act": "identity", "w0": 1.0}),
        Question("In the right-hand heat strip, which LSTM rows stay bright as the error goes back, and why "
                 "do the gate rows stay bright too?",
                 "The s_c rows: the cell states, carried by the carousels (factor 1 per step). Under the paper's "
                 "truncated gradient the error is only passed back through the CECs; at every step a copy of it "
                 "leaves the CEC into the cell input net_c and the input gate, which is why those rows are as "
                 "bright as the carousel at every time step instead of fading."),
    ],
    "memory_cell": [
        Question("Predict: the write signal is on only at step 1. How much does s_c change at the later steps, "
                 "with the input-gate bias b_in = −3?",
                 "Almost nothing: y_in = f(−3) ≈ 0.047, so s_c changes by 0.047·g(net_c) per step, and g(net_c) "
                 "= 0 when the value x is 0. Press Play and watch the input valve stay nearly shut and the tank's "
                 "level stay put while the distractors pass.",
                 "Store a value through distractors", {"seq": "distractors", "bin": -3.0}),
        Question("Now set b_in = 0: the input gate is half open all the time. What happens to s_c, and to how "
                 "much error can still enter the cell?",
                 "Every input is now added with weight 0.5: the state drifts. Once |s_c| is large, h(s_c) is flat "
                 "and h′(s_c) ≈ 0, so almost no error enters the cell and it stops learning. This is the paper's "
                 "*internal state drift*; its remedy is a negative input-gate bias at the start (Section 4, "
                 "App. A.2). The drift figure compares both.",
                 "Input-gate bias 0, show the drift", {"seq": "drift", "bin": 0.0, "drift": True}),
        Question("Close the output gate almost completely (b_out = −8). Is the stored value lost?",
                 "No. The output gate only decides what the rest of the net sees: y_c = y_out·h(s_c) stays near 0 "
                 "(even at the read step y_out = f(6 − 8) ≈ 0.12), but s_c, the tank's level, is unchanged. "
                 "That is the output gate's job: keep the memory from "
                 "disturbing other units until it is needed.",
                 "Output-gate bias −8", {"seq": "store_recall", "bout": -8.0}),
        Question("In s_c(t) = s_c(t−1) + y_in(t)·g(net_c(t)), what is ∂s_c(t)/∂s_c(t−1), and why does it matter?",
                 "Exactly 1: the self-loop of weight 1.0 with a linear unit. An error on s_c(t) is passed to "
                 "s_c(t−1) unchanged, step after step — the constant error carousel the diagram's loop shows."),
    ],
    "experiments": [
        Question("Will a conventional recurrent net learn the adding problem with only 20 steps? Predict, then "
                 "train both (switch on the RNN baseline under Train live).",
                 "The LSTM solves it in well under a minute. The plain RNN, trained by full backpropagation "
                 "through time on the same sequences, stays far from the target: its error from the sequence end "
                 "has faded before it reaches the two marked values. (The paper reports no other method on this "
                 "task; LSTM solved it with minimal lags of 500.)",
                 "Adding, T = 20, with the RNN baseline", {"exp": "4", "rnn": True}, clear=_EXP_KEYS),
        Question("Exp 2a (two sequences that differ only in their first and last symbol): what did RTRL and BPTT "
                 "achieve at a delay of 100 in the paper, and LSTM?",
                 "RTRL and BPTT: 0 % of trials solved. LSTM: 100 %, after 5,040 sequences on average (Table 2). "
                 "The classroom preset uses a delay of 10 so that it runs in seconds.",
                 "Exp 2a, classroom", {"exp": "2a"}, clear=_EXP_KEYS,
                 ours=("exp2a_lstm_p100", "exp2a_rtrl_p100", "exp2a_bptt_p100")),
        Question("Temporal order (Exp 6a): the class depends on whether X or Y came first, at two positions far "
                 "apart. Which cell stores what? Pick different cells for the diagram and watch their input "
                 "gates at the X/Y steps.",
                 "The input gates open at the relevant symbols and stay shut over the distractors, so the states "
                 "only change where X or Y appears; the output markers at the last step show the class the net "
                 "picked (✓ or ✗). The paper: 1 of 2560 test sequences wrong, after 31,390 sequences.",
                 "Temporal order, classroom", {"exp": "6a"}, clear=_EXP_KEYS),
        Question("Look at the error panel (E_s) going back: why is it flat, even for a barely trained net?",
                 "E_s is the error on the cell state under the paper's truncated gradient; it flows back only "
                 "through the carousel, which multiplies by exactly 1. Flat is the point: the error that reaches "
                 "step 1 is the error the output produced at the end."),
    ],
    "reproduce": [
        Question("Table 3 (Exp 2c): as the lag q grows from 50 to 1000 (with p = q distractor symbols), how much "
                 "longer does LSTM take to learn?",
                 "Very little: 30,000 → 49,000 sequences. When the alphabet grows with the lag, learning time "
                 "grows very slowly — the paper's claim that LSTM's cost does not explode with the lag.",
                 ours=_EXP2C_Q_EQ_P),
        Question("Same table, q = 1000 but fewer distractor symbols (p from 1000 down to 50): faster or slower?",
                 "Slower: 49,000 → 203,000 sequences. Each distractor now occurs more often (q/p up to 20); the "
                 "paper attributes the slow-down to weight oscillations.",
                 ours=_EXP2C_Q1000),
        Question("Some rows are marked \"paper only: not re-implemented\". What are they, and what does the "
                 "status column say for the rows we ran?",
                 "Competing methods of the paper's tables that this lab does not rerun (e.g. Elman nets, recurrent "
                 "cascade-correlation, the neural sequence chunker): the Note column gives the reason for each. "
                 "For our rows, \"reproduced\" means our success rate is "
                 "within 20 points of the paper's and we needed at most twice its training sequences."),
    ],
    "under_the_hood": [
        Question("What does a gradient check compare, and why central differences in float64?",
                 "The analytic gradient (the backward pass) against (E(w+ε) − E(w−ε)) / 2ε for each weight. "
                 "Central differences are accurate to O(ε²), and float64 keeps rounding far below the 10⁻⁶ "
                 "relative error the checks demand."),
        Question("The paper's learning rule truncates the gradient where the error leaves a memory cell. What "
                 "exact gradient is the truncated one?",
                 "The exact gradient of a 'detached' net, in which the paths the truncation cuts are treated as "
                 "constants (spec §2.1). The checks compare it against that, and the full BPTT gradient against "
                 "the undetached net."),
        Question("Why is the paper's learning rule O(1) per weight and time step?",
                 "Because of the truncation, each weight into a cell needs only a few running partials (dS_in, "
                 "dS_c) updated forward in time: no stored history, unlike backpropagation through time, whose "
                 "memory grows with the sequence length."),
    ],
}


def _rows(experiment: str) -> tuple[str, ...]:
    """The paper rows (presets) of ``experiment``, in table order."""
    return tuple(p.name for p in presets_by_experiment()[experiment] if p.paper)


# one more question for the experiment chosen on the Experiments page (the paper's numbers: its Tables 1-9)
EXPERIMENT_QUESTIONS: dict[str, Question] = {
    "1": Question("Embedded Reber strings start with B, then T or P, and repeat that T or P just before the end. "
                  "Which part of a string can only be predicted by remembering?",
                  "Only the second-to-last symbol: everything else follows from the last few symbols and the "
                  "grammar. In the paper LSTM solved 100 % of trials (3 blocks of 2 cells, α = 0.5) after 8,440 "
                  "strings on average; RTRL solved some, Elman nets none. Look for a cell whose state is set at "
                  "step 2 and read at the end.", ours=_rows("1")),
    "2a": Question("Two sequences differ only in their first symbol, repeated at the end after p = 100 steps. "
                   "Predict: which methods of the paper solved it?",
                   "In the paper: LSTM 100 % of trials, after 5,040 sequences on average. RTRL and BPTT: 0 %. The "
                   "neural sequence chunker: 33 % (it exploits the sequences' regularity, which 2b removes).",
                   ours=("exp2a_lstm_p100", "exp2a_rtrl_p100", "exp2a_bptt_p100")),
    "2b": Question("As 2a, but the middle symbols are random. Why does that defeat the chunker, and not LSTM?",
                   "The chunker compresses predictable parts; random middles leave nothing to compress. LSTM "
                   "needs no regularity: in the paper it learned after 5,680 sequences (100 % of trials), while the "
                   "chunker, BPTT and RTRL failed. The paper's one-cell net, as we read it, cannot: nothing marks "
                   "the last step and each output is monotone in the one state, so meeting the rule would cost it "
                   "more error than forgetting the class (see the deviations below). The classroom preset uses "
                   "two cells with output gates, and they learn it.", ours=("exp2b_lstm_p100",)),
    "2c": Question("Remember one symbol across q random distractors: predict how learning time grows from q = 50 "
                   "to q = 1000 (with p = q distractor symbols).",
                   "In the paper, barely: 30,000 → 49,000 sequences (Table 3). With a fixed, small alphabet the same "
                   "lag takes longer (up to 203,000 for p = 50), which the paper puts down to weight oscillations. "
                   "Ours grow much faster with q: the cells' states drift over the distractors.",
                   ours=_rows("2c")),
    "3a": Question("The 2-sequence problem: the class is given by the first few inputs, then noise follows on the "
                   "same line. Can a cell tell signal from noise by timing alone?",
                   "Yes: its input gate opens only at the start. At T = 1000, LSTM misclassified 0.008 % of test "
                   "sequences. (Random weight guessing also solves this variant quickly, which is why the paper "
                   "adds 3b and 3c.)", ours=_rows("3a")),
    "3b": Question("Now noise is added to the informative inputs too. What does that do to the error rate?",
                   "It rises but stays small: 1.2 % misclassified at T = 1000 in the paper, and that is the "
                   "floor. With one informative input (N = 1), ±1 plus noise of variance 0.2, the noise flips its "
                   "sign in Φ(−1/√0.2) = 1.27 % of sequences, and then no net can know the class. The noise is there "
                   "to make random weight guessing fail.", ours=_rows("3b")),
    "3c": Question("Targets are noisy real values. What can the net learn at best?",
                   "The conditional expectation of the target: the paper's nets came within 0.012-0.014 of it on "
                   "average, and misclassified 0.44-0.56 % of test sequences.", ours=_rows("3c")),
    "4": Question("Adding: two marked values among T pairs; the target is their sum, told only at the end. Which "
                  "cells must do what?",
                  "Cells must open at a marker, store the value and hold it through the rest of the sequence. The "
                  "paper: at minimal lag 500 only 1 of 2560 test sequences was off by more than 0.04, after "
                  "853,000 sequences; the paper compares no other method on it. Train the RNN baseline beside "
                  "it.", ours=_rows("4")),
    "5": Question("Multiplication is the same as adding with a product. Why is it harder for this network?",
                  "The carousel adds: s_c accumulates inputs, so sums are natural and products are not. The "
                  "paper still got 14 of 2560 test sequences wrong only, after fine-tuning (1,273,000 "
                  "sequences).", ours=_rows("5")),
    "6a": Question("Temporal order: X or Y appears twice, far apart, among distractors; the class (Q, R, S, U) "
                   "is the order. What must the cells store?",
                   "Which symbol came first, and which second — two separate memories at two different times. The "
                   "paper: 1 of 2560 test sequences wrong after 31,390 sequences. The output markers show the "
                   "class the net picked.", ours=_rows("6a")),
    "6b": Question("Three relevant symbols: 8 classes. Predict how much longer than 6a it takes.",
                   "Much longer: 571,100 sequences, with 2 of 2560 test sequences wrong at the end (6a: 31,390).",
                   ours=_rows("6b")),
}


def _stored() -> tuple[dict, list]:
    """Our best stored result of every row and the rows under way (``runs/results``), as the answers show them."""
    runs = stored_runs()
    return runs.best, runs.kept


def is_student() -> bool:
    """True in student mode (URL ``student``)."""
    return url_bool(KEY, False)


def toggle() -> bool:
    """The sidebar switch (URL-bound)."""
    return url_toggle("Student mode", KEY, False,
                      help="Every page starts with a few questions from the paper: predict, try the setting, "
                           "then reveal the answer. The link keeps it: ?student=1.")


def apply_settings(settings: Mapping[str, Any], clear: tuple[str, ...] = ()) -> None:
    """on_click of a "try it" button: put ``settings`` into the URL (the widgets showing them follow it)."""
    clear_url(*clear)
    for k, value in settings.items():
        set_url(k, value)
    set_url(KEY, True)


def show(page: str, experiment: str | None = None) -> None:
    """The page's guided sequence, in student mode only (Experiments: plus one on the chosen ``experiment``)."""
    questions = QUESTIONS.get(page, [])
    if not questions or not is_student():
        return
    if experiment in EXPERIMENT_QUESTIONS:
        questions = [EXPERIMENT_QUESTIONS[experiment], *questions]
    stored = _stored() if any(q.ours for q in questions) else ({}, [])
    see = "the table below" if page == "reproduce" else "the Reproduce page"
    with st.container(border=True, key=f"student_{page}"):
        st.markdown("#### :material/school: Predict, then check")
        st.caption("For each question: say or write down your prediction first, then press the button to put the "
                   "page into that setting and look, then reveal the answer.")
        for i, q in enumerate(questions, start=1):
            st.markdown(f"**{i}.** {q.prompt}")
            if q.settings:
                st.button(f"▶ {q.try_label}", key=f"student_try_{page}_{i}", on_click=apply_settings,
                          args=(dict(q.settings), q.clear))
            with st.expander("Reveal the answer"):
                st.markdown(q.answer)
                if q.ours:
                    st.markdown(here_note(q.ours, *stored, see=see))
