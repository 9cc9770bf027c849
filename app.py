"""LSTM-1997 lab: the router. Run with ``streamlit run app.py``.

Page list and sidebar live in ``ui/nav.py``; each page is a file in ``pages/``.
"""

import streamlit as st

from ui.nav import build_navigation, render_sidebar
from ui.preload import preload

preload()  # first run of the process only: import everything, then gc.freeze() (see ui/preload.py)
st.set_page_config(page_title="LSTM-1997 lab", layout="wide")
page = build_navigation()
render_sidebar()
page.run()
