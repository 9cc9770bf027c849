"""Once per server process: import the whole app, then freeze the heap so that garbage collection skips it.

Streamlit runs ``gc.collect()`` after every script run (``runner.postScriptGC``). A full
collection walks every container object of the process: with Streamlit, Plotly's
validators, pandas and the engine loaded that is ~120,000 objects and 40-50 ms of CPU
under the one interpreter lock that every session's script shares. In a class of 30
that is ~5 s of a burst of 90 page runs. :func:`preload` imports every ``ui`` module
(and so the engine), builds one small figure of each kind (Plotly imports its
validators lazily), collects once, and moves the survivors to the permanent generation
(``gc.freeze()``): later collections only walk what was made after. What is frozen is
modules, classes and functions that live as long as the process anyway.
"""

from __future__ import annotations

import functools
import gc
import importlib
import pkgutil

import ui


@functools.cache  # once per process: the first run of app.py pays, every later run is a dict lookup
def preload() -> int:
    """Import the app, warm Plotly up, collect, freeze. Returns the number of objects frozen."""
    for mod in pkgutil.iter_modules(ui.__path__):
        try:
            importlib.import_module(f"ui.{mod.name}")
        except Exception:  # a broken module breaks only the page that uses it (with Streamlit's own message)
            continue
    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools  # noqa: F401  (st.plotly_chart imports it on its first figure)
    import pyarrow  # noqa: F401  (st.dataframe / st.table)
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=[1], y=[1], mode="lines+markers"), row=1, col=1)
    fig.add_trace(go.Heatmap(z=[[1.0]]), row=1, col=2)
    fig.update_layout(updatemenus=[{"type": "buttons"}], sliders=[{"steps": []}])
    plotly.io.to_json(fig.to_dict(), validate=False)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
