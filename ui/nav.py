"""The app's table of pages and the sidebar every page shares.

``PAGES`` is the single list of pages; ``app.py`` builds ``st.navigation`` from
it and the Overview links to it. A page whose file does not exist yet is left
out, so the app runs while pages are still being written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage

ROOT = Path(__file__).resolve().parent.parent  # the directory holding app.py

# (path relative to app.py, title, icon, url_path); the first entry is the home page
PAGES: list[tuple[str, str, str, str]] = [
    ("pages/overview.py", "Overview", ":material/home:", "overview"),
    ("pages/vanishing_gradient.py", "Vanishing gradient — RNN vs CEC", ":material/trending_down:",
     "vanishing_gradient"),
    ("pages/memory_cell.py", "Memory cell", ":material/memory:", "memory_cell"),
    ("pages/experiments.py", "Experiments", ":material/science:", "experiments"),
    ("pages/reproduce.py", "Reproduce", ":material/table_chart:", "reproduce"),
    ("pages/under_the_hood.py", "Under the hood", ":material/build:", "under_the_hood"),
]

CITATION = ("Sepp Hochreiter and Jürgen Schmidhuber (1997). Long Short-Term Memory. "
            "*Neural Computation* 9(8):1735–1780.")
PAPER_DOI = "https://doi.org/10.1162/neco.1997.9.8.1735"


def available_pages(root: Path = ROOT) -> list[tuple[str, str, str, str]]:
    """The rows of ``PAGES`` whose file exists under ``root``."""
    return [row for row in PAGES if (root / row[0]).is_file()]


def short_title(title: str) -> str:
    """A page's title without its subtitle ("Vanishing gradient — RNN vs CEC" → "Vanishing gradient"),
    for places as narrow as the Overview's cards."""
    return title.split(" — ")[0]


def build_navigation() -> StreamlitPage:
    """``st.navigation`` over the existing pages; the first one is the default.

    Streamlit serves the default page at ``/`` only, so ``/overview`` would open a "Page not
    found" dialog: a hidden copy of the first page answers at its own url_path as well.
    """
    rows = available_pages()
    pages = [st.Page(ROOT / path, title=title, icon=icon, url_path="home" if i == 0 else url_path, default=(i == 0))
             for i, (path, title, icon, url_path) in enumerate(rows)]
    if rows:  # the default page reserves its url_path without serving it: it gets "home", the copy the real one
        path, title, icon, url_path = rows[0]
        pages.append(st.Page(ROOT / path, title=title, icon=icon, url_path=url_path, visibility="hidden"))
    return st.navigation(pages)


def ensure_router() -> None:
    """Make a shared deep link (``/memory_cell?seed=3``) go through ``app.py``. Call first on every page.

    Streamlit still has its old ``pages/`` folder mode: on a fresh server, until some run
    has called ``st.navigation``, a request for ``/memory_cell`` runs ``pages/memory_cell.py``
    on its own (no router, no wide layout, no shared sidebar) — and keeps doing so for later
    visitors. Here the page notices that mode (Streamlit's ``PagesManager`` flag), switches
    it off and reruns, so the router (app.py) handles the request with the URL intact.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def render_sidebar() -> None:
    """The short "About" shown under the page list on every page."""
    from ui import present, student

    with st.sidebar:
        present.toggle()
        student.toggle()
        st.markdown("#### About")
        st.caption("A classroom lab that shows, step by step and in the browser, how the original "
                   "LSTM works and reruns the experiments of its paper.")
        st.caption(f"{CITATION} [doi:10.1162/neco.1997.9.8.1735]({PAPER_DOI})")
