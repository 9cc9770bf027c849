"""Experiments: pick any experiment of the paper, replay a trained run, train one live."""

import streamlit as st

from lab.runs import SavedRun
from lstm_core.experiments.baselines import baseline_for
from ui import experiment_view as view
from ui import session_job, student
from ui.experiment_settings import render_settings
from ui.experiment_task import show_task
from ui.live_view import show_live
from ui.nav import ensure_router
from ui.params import show_url_notices

ensure_router()  # a deep link on a fresh server must go through app.py

st.title("Experiments")
st.markdown(
    "Every experiment of the paper's Section 5, ready to run. Pick one: the page opens on a network that "
    "was trained in advance, so you can watch its memory cells at work at once. Then change the setting "
    "and train your own, live, next to a conventional recurrent net where the paper compares them."
)
notices = st.empty()  # filled at the end with any setting of the link that had to be reset


base = view.pick_preset()
student.show("experiments", base.experiment)  # guided questions in student mode (?student=1)
with st.sidebar:
    st.markdown("#### Settings")
    st.caption("Every setting is saved in the page's address: copy it to give the whole class exactly this "
               "setting, seed included.")
    values, derived, error = render_settings(base)
if error:
    st.error(f"{error} Using the preset's own settings instead.")
    derived = base
seed, trials = int(values["seed"]), int(values["trials"])
if derived is not base:
    st.info(f"**Modified setting.** {derived.deviations[0]} The paper's numbers below belong to the unmodified "
            "row.", icon="✏️")

show_task(base, derived, seed)

st.header("Inside the network")
st.markdown(
    "One test sequence goes through the trained network. Watch the **input gate** open when something worth "
    "storing arrives and the **cell state** hold it, unchanged, across the distractors (the constant error "
    "carousel); the **output gate** opens when the answer is due. Then the error signal **E_s** flows back "
    "through the carousel without fading. The checkpoint slider shows the same network earlier in training."
)
sources = {}
key = view.shipped_key(base.experiment)
shipped = view.load_shipped(key)
if isinstance(shipped, str):
    st.error(f"The precomputed run of this experiment could not be loaded, so it is not shown (the rest of the "
             f"page works). {shipped}")
elif isinstance(shipped, SavedRun):
    rnn = view.load_shipped(key + view.BASELINE_SUFFIX)
    sources["precomputed"] = view.shipped_source(shipped, rnn if isinstance(rnn, SavedRun) else None)
for slot in session_job.SLOTS:                     # your live LSTM, and the RNN baseline trained beside it
    handle = session_job.get(slot)
    live_src = view.live_source(handle) if handle is not None else None
    if live_src is not None:
        sources["live" if slot == "lstm" else f"live_{slot}"] = live_src
if sources:
    keys = list(sources)
    choice = st.radio("Network to show", keys, index=keys.index("live") if "live" in keys else len(keys) - 1,
                      horizontal=True, key="anim_source",
                      format_func=lambda k: sources[k].label, on_change=view.forget_checkpoint)
    source = sources[choice]
    if source.preset.experiment != base.experiment:
        st.warning(f"**Not Exp {base.experiment}.** No precomputed run of Exp {base.experiment} is shipped: what "
                   f"follows is the trained network of **{source.preset.title}**, on that experiment's task. Train "
                   f"Exp {base.experiment} live below and stop it to watch its own network here.", icon="ℹ️")
    elif source.preset.name != derived.name:
        st.caption(f"This run is of **{source.preset.title}**, not of the setting chosen above; train your "
                   "setting live to watch its own network.")
    view.show_animation(source, seed)
else:
    st.info("No precomputed run is shipped for this experiment yet: train it live below, stop it, and its "
            "checkpoints appear here.")

st.header("Train live")
st.markdown(
    f"Trains **{derived.title}** in the background for this browser tab: {trials} trial(s), seed {seed}. "
    "Each trial stops when it meets the paper's stopping rule for this experiment (or at the sequence cap); "
    "the page stays usable meanwhile. Stop it to look at its checkpoints above."
)
show_live(derived, baseline_for(derived), seed, trials)

st.header("Export")
st.download_button("Download this run's configuration (JSON)", view.config_json(derived, base, seed, trials),
                   file_name=f"{derived.name}_seed{seed}.json", mime="application/json", on_click="ignore")
st.caption("Every figure has a camera button (top right, on hover) to save it as PNG; every data table has a CSV "
           "download.")
show_url_notices(notices)
