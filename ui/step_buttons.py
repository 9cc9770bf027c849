"""The step control under an animated figure, shared by the Memory cell and Experiments pages.

Plotly's own Play and slider (:mod:`ui.step_control`) run in the browser, with no server round
trip per frame, but they sit inside the figure: Tab never reaches them and they cannot report
the step they show. This row gives the keyboard a way in, with Streamlit widgets only (no
custom JavaScript):

* ◀ / ▶ (keys ← / →) step the URL's step (``frame`` on Experiments, ``step`` on Memory cell),
  which the figure opens on and the equations show;
* ▶ Play / ❚❚ Pause (key Space, reachable by Tab) advances that step on the server, one step per
  tick of a ``st.fragment(run_every=…)`` at the chosen speed (URL ``speed``), from the step shown,
  round the chosen range until paused: every page element follows, at a round trip per step;
* the range (URL ``loop``, ``"a-b"``) is what both Plays run: the figure's Play plays it
  :data:`ui.step_control.LOOPS` times over, the server's Play until paused.
"""

from __future__ import annotations

import zlib

import streamlit as st

from ui.figure_spec import FrozenFigure
from ui.params import set_url, url_int, url_select_slider, url_span_slider
from ui.step_control import LOOPS, SPEEDS, at_frame, play_range

LOOP_KEY = "loop"
SPEED_KEY = "speed"
STEP_S = 1.0            # seconds per step of the server's Play at 1×
_PAGE_RUN = "_step_buttons_page_run"   # set while the page itself (not the timer) runs the ticker


def _playing_key(key: str) -> str:
    return f"_playing:{key}"


def next_step(step: int, first: int, last: int) -> int:
    """The step after ``step`` when playing ``first`` … ``last`` round and round (1-based): from
    outside the range, or from its end, Play goes to its start."""
    return step + 1 if first <= step < last else first


def _toggle(key: str) -> None:
    st.session_state[_playing_key(key)] = not st.session_state.get(_playing_key(key), False)


def _tick(key: str, n: int, first: int, last: int) -> None:
    """One step of the server's Play (the fragment's body): skipped when the page run draws it."""
    if st.session_state.pop(_PAGE_RUN, False) or not st.session_state.get(_playing_key(key)):
        return
    set_url(key, next_step(url_int(key, n, 1, n), first, last))
    st.rerun(scope="app")


def step_control(fig: FrozenFigure, key: str, *, what: str = "") -> tuple[FrozenFigure, int]:
    """The row of step buttons, Play / Pause and speed, and the range slider, for the animated ``fig``.

    Parameters
    ----------
    fig : a figure with frames and one step slider (its labels name the steps).
    key : the URL key of the step shown (1-based position in the slider; default the last).
    what : a sentence on what a step shows, put before the keys in the caption.

    Returns
    -------
    ``fig`` opened on that step, its Plays limited to the chosen range, and the step (1-based).
    """
    spec = fig.to_dict()
    labels = [s["label"] for s in spec["layout"]["sliders"][0]["steps"]]
    n = len(labels)
    step = url_int(key, n, 1, n)
    playing = st.session_state.get(_playing_key(key), False)
    with st.container(horizontal=True, vertical_alignment="center", key=f"{key}_buttons"):
        st.button("◀ Step back", key=f"{key}_back", shortcut="Left", disabled=step <= 1 or playing,
                  on_click=set_url, args=(key, step - 1))
        st.button("❚❚ Pause" if playing else "▶ Play", key=f"{key}_play", shortcut="Space",
                  on_click=_toggle, args=(key,))
        st.button("Step forward ▶", key=f"{key}_forward", shortcut="Right", disabled=step >= n or playing,
                  on_click=set_url, args=(key, step + 1))
        speed = url_select_slider("Speed", SPEED_KEY, "1", [f"{s:g}" for s in SPEEDS],
                                  format_func=lambda s: f"speed {s}×", label_visibility="collapsed", width=180)
        st.caption(f"Step {labels[step - 1]}. {what} Keys: ← / → step, Space plays or pauses (a round trip "
                   "per step); the figure's own ▶ Play and slider run smoothly in the browser.")
    scope = f"{n}:{zlib.crc32('|'.join(labels).encode())}"    # another figure: a fresh range slider
    first, last = url_span_slider(f"Steps that Play runs: narrow the range to narrate a part of the sequence "
                                  f"(the figure's Play runs it {LOOPS} times over, Space until paused)",
                                  LOOP_KEY, labels, scope=scope)
    if playing:
        st.session_state[_PAGE_RUN] = True
        st.fragment(_tick, run_every=STEP_S / float(speed))(key, n, first, last)
    if step < n:
        spec = at_frame(spec, step - 1)
    if (first, last) != (1, n):
        spec = play_range(spec, first - 1, last - 1)
    return (fig if spec is fig.to_dict() else FrozenFigure(spec)), step
