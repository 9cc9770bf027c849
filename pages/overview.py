"""Overview: the paper in one screen, and a way into every other page."""

import pandas as pd
import streamlit as st

from ui import student
from ui.nav import PAPER_DOI, available_pages, ensure_router, short_title

ensure_router()  # a deep link on a fresh server must go through app.py

st.title("Long Short-Term Memory (1997), in the classroom")
st.markdown(
    "Sepp Hochreiter and Jürgen Schmidhuber asked why recurrent networks could not learn to "
    "connect events more than about ten steps apart, and built a network that can bridge "
    f"more than a thousand. This lab reruns [their paper]({PAPER_DOI}) in your browser."
)

CLAIMS = [
    ("Error signals vanish in conventional recurrent nets.",
     "Trained by backpropagation through time or real-time recurrent learning, the error "
     "sent back k steps is multiplied k times by a weight and a slope. These factors are "
     "usually below one, so the signal shrinks exponentially and long lags are never learned "
     "(or above one, and it explodes)."),
    ("The constant error carousel keeps them alive.",
     "A linear unit that feeds back to itself with weight 1 passes its error back unchanged, "
     "step after step. It is the core of each memory cell: its state is the memory."),
    ("Gates resolve the input and output weight conflicts.",
     "One incoming weight cannot both store a relevant input and ignore irrelevant ones, and "
     "one outgoing weight cannot both read the memory and keep it from disturbing others. A "
     "multiplicative input gate decides when to write, an output gate when to read."),
    ("Learning stays cheap: constant work per weight and time step.",
     "The gradient is truncated where it leaves a cell, so learning is local in space and "
     "time; it needs no stored history, unlike full backpropagation through time."),
    ("It works on lags of more than 1000 steps.",
     "Long lags, noise, distributed and real-valued inputs: LSTM solved tasks that no "
     "earlier recurrent learning method had solved, and learned faster on the rest."),
]

student.show("overview")  # guided questions in student mode (?student=1)

st.subheader("What the paper claims")
for headline, detail in CLAIMS:
    st.markdown(f"**{headline}** {detail}")

# (experiment, what it tests, minimal lag, the paper's headline result), from the spec's §4
EXPERIMENTS = [
    ("1 · Embedded Reber grammar", "predict the next symbol; remember the 2nd symbol to the end",
     "9", "100 % of trials solved, after 8,440 sequences; RTRL solved some, RCC half, Elman nets none"),
    ("2a · Noise-free long lag", "two sequences that differ only in their first and last symbol",
     "100", "100 % after 5,040 sequences; RTRL and BPTT 0 %, the chunker 33 %"),
    ("2b · No local regularities", "as 2a, with a random middle part", "100",
     "100 % after 5,680 sequences; chunker, BPTT and RTRL fail"),
    ("2c · Very long lags", "remember one symbol across up to 1000 random distractors",
     "50–1000", "lag 1000 solved after 49,000 to 203,000 sequences; no other method was tried"),
    ("3a · Two-sequence problem", "class given by the first inputs, then Gaussian noise on "
     "the same line", "100–1000", "lag 1000: 0.008 % of test sequences misclassified"),
    ("3b · Noisy signal", "as 3a, with noise on the informative inputs too", "100–1000",
     "lag 1000: 1.2 % misclassified"),
    ("3c · Noisy targets", "learn the conditional expectation of noisy real-valued targets",
     "100", "0.44–0.56 % misclassified, mean distance to the expectation 0.012–0.014"),
    ("4 · Adding", "add two marked real numbers of a long sequence of pairs",
     "50–500", "lag 500: 1 of 2560 test sequences wrong, after 853,000 sequences"),
    ("5 · Multiplication", "multiply two marked real numbers (not additive)", "50",
     "14 of 2560 wrong after fine-tuning (1,273,000 sequences)"),
    ("6a · Temporal order", "tell the order of two widely separated symbols (4 classes)",
     "40", "1 of 2560 wrong, after 31,390 sequences"),
    ("6b · Temporal order of three", "order of three separated symbols (8 classes)", "24",
     "2 of 2560 wrong, after 571,100 sequences"),
]

st.subheader("The experiments of Section 5")
st.caption("Minimal lag: the fewest time steps between the input that matters and the moment "
           "the net is told the answer. Results are the paper's own numbers (means over 10 to 30 "
           "trials).")
table = pd.DataFrame(EXPERIMENTS, columns=["Experiment", "What it tests", "Minimal lag",
                                           "Paper's headline result"])
st.table(table, hide_index=True, border="horizontal")

# what each page offers, keyed by file; only pages that exist get a link
WHAT_IS_THERE = {
    "pages/vanishing_gradient.py": "watch an error signal die in a plain RNN and survive in a "
                                   "constant error carousel, over 1 to 1000 steps",
    "pages/memory_cell.py": "step one memory-cell block through a sequence, with its gates "
                            "and state in numbers",
    "pages/experiments.py": "pick any experiment of the paper, replay a trained run, or train "
                            "one live",
    "pages/reproduce.py": "our results next to the paper's Tables 1–9",
    "pages/under_the_hood.py": "gradient checks run live, and the engine's own source code",
}

st.subheader("Explore")
others = [row for row in available_pages() if row[0] in WHAT_IS_THERE]
if not others:
    st.info("The other pages of the lab are still being written.")
with st.container(horizontal=True, gap="small"):  # cards as wide as a page title, as many to a row as fit
    for path, title, icon, _ in others:
        with st.container(border=True, width=270, height="stretch"):   # two fit 1024 px
            st.page_link(path, label=short_title(title), icon=icon)   # the card's text says the rest
            st.caption(WHAT_IS_THERE[path])
