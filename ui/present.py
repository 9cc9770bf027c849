"""Projector mode (``?present=1``, or the sidebar toggle) and the page style every page shares.

In projector mode the text is larger, the sidebar starts collapsed, the page uses the
whole width, and figures are sized for a 1024×768 screen: no taller than the window.
The setting lives in the URL like every other, so a lecturer can bookmark the projector
view of each page.

:func:`sized_figure` is pure (a figure specification in, a new one out); the rest
reads the URL or writes CSS.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.figure_spec import FrozenFigure
from ui.params import url_bool, url_toggle

KEY = "present"
MAX_HEIGHT = 640        # px: a figure's height in projector mode (a 768-px screen, less the browser's bars)

# both modes: an equation never overflows its box (KaTeX's italic overhang pokes 1-2 px out of a
# shrink-to-fit box, which shows a scroll bar); long ones wrap inside their row of equations
_BASE_CSS = """
.katex-display { padding: 0 0.3em; }
"""
# projector mode: larger text, the whole width, less empty space at the top
_PRESENT_CSS = """
html { font-size: 19px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2.2rem 1.6rem 4rem 1.6rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.08rem; }
[data-testid="stCaptionContainer"] { font-size: 0.95rem; }
.katex { font-size: 1.1em; }
"""


def is_present() -> bool:
    """True in projector mode (URL ``present``; a bad value gives the usual notice)."""
    return url_bool(KEY, False)


def page_config_args() -> dict[str, Any]:
    """Extra ``st.set_page_config`` arguments: the sidebar starts collapsed in projector mode."""
    return {"initial_sidebar_state": "collapsed" if is_present() else "auto"}


def apply_style() -> None:
    """The shared CSS, plus the projector-mode CSS when it is on (style tags only: takes no space)."""
    st.html(f"<style>{_BASE_CSS}{_PRESENT_CSS if is_present() else ''}</style>")


def toggle() -> bool:
    """The sidebar switch (URL-bound)."""
    return url_toggle("Projector mode", KEY, False,
                      help="Larger text and figures sized for a 1024×768 projector; the sidebar starts "
                           "collapsed (open it with the › at the top left). The link keeps it: ?present=1.")


def sized_figure(fig: Any, present: bool, max_height: int = MAX_HEIGHT) -> Any:
    """``fig`` as drawn in projector mode: at most ``max_height`` tall (its panels shrink in proportion).

    Plotly's fonts are left alone: Streamlit's chart theme sets them in the browser.

    Only the top of the specification is copied (data and frames are shared, never changed), so
    this costs microseconds even for a large animation. Outside projector mode ``fig`` itself.
    """
    if not present:
        return fig
    spec = fig.to_dict()
    layout = dict(spec.get("layout", {}))
    height = layout.get("height")
    layout["height"] = min(int(height), max_height) if height else max_height
    return FrozenFigure({**spec, "layout": layout})
