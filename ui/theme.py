"""One colour per concept, the same on every page, in light and dark theme.

The hues are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
Design"), which stays distinguishable for the common colour-vision
deficiencies. Three of its colours (orange, sky blue, and the black we replace
by grey) are too light or too dark for one of Streamlit's two themes, so they
are shifted in lightness only (same hue) until every colour has a contrast
ratio of at least 3:1 (WCAG 2 for graphics) against both the light (#ffffff)
and the dark (#171614) background. ``tests/test_ui_theme.py`` checks that.

Related things share a hue family: the memory cell's state is green like the
constant error carousel that carries it; the two LSTM gradients are the two
blues; what the paper reports is grey and what we measure is blue.
"""

from __future__ import annotations

from typing import Any

# Okabe-Ito, lightness-adjusted where noted
_BLUE = "#0072B2"
_SKY = "#3A97CF"  # Okabe-Ito sky blue #56B4E9, darkened for white backgrounds
_GREEN = "#009E73"  # bluish green
_VERMILLION = "#D55E00"
_PURPLE = "#CC79A7"  # reddish purple
_ORANGE = "#C08300"  # Okabe-Ito orange #E69F00, darkened for white backgrounds
_GREY = "#888888"  # stands in for Okabe-Ito black, which vanishes on dark backgrounds

COLORS: dict[str, str] = {
    # error flow: plain RNN vs constant error carousel vs LSTM
    "rnn_theory": _PURPLE,  # the bound n·(n·w_max/4)^q of eq. (2); draw dashed
    "rnn_measured": _VERMILLION,  # measured backflow of a conventional RNN
    "cec": _GREEN,  # the naive constant error carousel (factor exactly 1)
    "lstm_truncated": _BLUE,  # LSTM, the paper's truncated gradient
    "lstm_full": _SKY,  # LSTM, untruncated (full BPTT) gradient
    # inside a memory-cell block
    "input_gate": _SKY,
    "output_gate": _VERMILLION,
    "forget_gate": _PURPLE,  # Gers et al. 1999 variant only
    "cell_state": _GREEN,  # s_c, carried by the CEC
    "cell_output": _ORANGE,  # y_c
    # network outputs
    "target": _GREY,
    "output": _BLUE,
    # comparison with the paper's tables
    "paper": _GREY,
    "ours": _BLUE,
}

# Background colours of Streamlit's built-in themes (used by the contrast test).
BACKGROUNDS: dict[str, str] = {"light": "#ffffff", "dark": "#171614"}

# Order in which Plotly cycles colours for traces that were given none.
COLORWAY: list[str] = [_BLUE, _VERMILLION, _GREEN, _ORANGE, _PURPLE, _SKY, _GREY]

_BASE_LAYOUT: dict[str, Any] = {
    "paper_bgcolor": "rgba(0,0,0,0)",  # transparent: the page's theme shows through
    "plot_bgcolor": "rgba(0,0,0,0)",
    "colorway": COLORWAY,
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0},
    "hovermode": "x unified",
}


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def plotly_layout(**overrides: Any) -> dict[str, Any]:
    """Common Plotly layout: transparent background, Okabe-Ito colorway, top legend.

    Font and grid colours are left unset on purpose: ``st.plotly_chart`` (with its
    default ``theme="streamlit"``) fills them in for the active light or dark theme.

    Parameters
    ----------
    **overrides
        Layout properties; a dict value is merged into the default one key by key,
        so ``plotly_layout(margin={"t": 0})`` keeps the other margins.

    Returns
    -------
    dict
        Keyword arguments for ``go.Figure(layout=...)`` or ``fig.update_layout(**...)``.

    Examples
    --------
    >>> plotly_layout(title="Error backflow", margin={"t": 60})["margin"]
    {'l': 10, 'r': 10, 't': 60, 'b': 10}
    """
    return _merge(_BASE_LAYOUT, overrides)
