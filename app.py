"""LSTM-1997 lab: the router. Run with ``streamlit run app.py``.

Page list and sidebar live in ``ui/nav.py``; each page is a file in ``pages/``. Projector
mode (``?present=1``) and the shared page style live in ``ui/present.py``.
"""

import streamlit as st

from ui.nav import build_navigation, render_sidebar
from ui.params import show_url_notices
from ui.preload import preload
from ui.present import apply_style, page_config_args

preload()  # first run of the process only: import everything, then gc.freeze() (see ui/preload.py)
st.set_page_config(page_title="LSTM-1997 lab", layout="wide", **page_config_args())
apply_style()
page = build_navigation()
render_sidebar()
page.run()
show_url_notices()  # a bad ?present=… on a page that shows no notices of its own
