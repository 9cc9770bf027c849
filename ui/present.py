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
MAX_HEIGHT = 680        # px: a figure's height in projector mode (a 768-px screen, less the browser's bars)
FONT_SCALE = 1.25       # projector mode: every figure font this much larger (the page text grows ~1.2×)
BASE_FONT = 12          # px: the size of Streamlit's chart theme for axes, legends and Plotly's default font
TITLE_FONT = 16         # px: the theme's figure titles
PANEL_GAP = 40          # px between stacked panels at the normal fonts: a panel title and half a tick label each side

# both modes: an equation never overflows its box (KaTeX's italic overhang pokes 1-2 px out of a
# shrink-to-fit box, which shows a scroll bar); long ones wrap inside their row of equations; rows of
# equations (containers keyed "equations…") wrap with a small gap between rows, not the large one between columns
_BASE_CSS = """
.katex-display { padding: 0 0.3em; }
[class*="st-key-equations"] { row-gap: 1.1rem; }
[class*="st-key-equations"] .katex-display { margin: 0.4em 0; }
"""
# projector mode: larger text, the whole width, less empty space at the top
_PRESENT_CSS = """
html { font-size: 19px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2.2rem 1.6rem 4rem 1.6rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.08rem; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: inherit; }
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


def _bigger(font: dict[str, Any] | None, default: float | None = None) -> dict[str, Any] | None:
    """``font`` with its size times :data:`FONT_SCALE` (``default`` where it sets none; None: leave it)."""
    size = (font or {}).get("size", default)
    return font if size is None else {**(font or {}), "size": round(size * FONT_SCALE)}


def _bigger_in(item: dict[str, Any], *paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``item`` whose explicit fonts at ``paths`` (key paths, e.g. ("title", "font")) are larger."""
    out = dict(item)
    for path in paths:
        node = out
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                break
            node[key] = dict(node[key])
            node = node[key]
        else:
            if isinstance(node.get(path[-1]), dict):
                node[path[-1]] = _bigger(node[path[-1]])
    return out


def _titled(item: dict[str, Any], default: float) -> dict[str, Any]:
    """``item`` (an axis, a colour bar, the layout) with its title's font larger, ``default`` px before.

    An item without a title text stays without a title (Streamlit would print "undefined" in bold).
    """
    title = item.get("title")
    title = dict(title) if isinstance(title, dict) else ({"text": title} if isinstance(title, str) else {})
    if not title.get("text"):
        return item
    return {**item, "title": {**title, "font": _bigger(title.get("font"), default)}}


def projector_fonts(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every font :data:`FONT_SCALE` times larger: the figure's own, titles, axes, legends,
    colour bars, annotations, menus, slider labels and text traces.

    Streamlit's chart theme sets the axes', legends' and titles' fonts in the browser (a template), so
    those get an explicit size here (the theme's, times the scale); fonts set explicitly anywhere else
    grow one by one. Only the dicts on the way to a font are copied: the arrays are shared, never changed.
    """
    layout = _titled(dict(spec.get("layout", {})), TITLE_FONT)
    layout["font"] = _bigger(layout.get("font"), BASE_FONT)
    layout["legend"] = {**layout.get("legend", {}), "font": _bigger(layout.get("legend", {}).get("font"), BASE_FONT)}
    for key in {"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}:
        axis = _titled(dict(layout.get(key) or {}), BASE_FONT)
        layout[key] = {**axis, "tickfont": _bigger(axis.get("tickfont"), BASE_FONT)}
    for key in ("annotations", "updatemenus", "sliders"):
        if layout.get(key):
            layout[key] = [_bigger_in(a, ("font",), ("currentvalue", "font")) for a in layout[key]]
    data = []
    for d in spec.get("data", []):
        if "colorbar" in d or d.get("type") == "heatmap":
            bar = _titled(dict(d.get("colorbar") or {}), BASE_FONT)
            d = {**d, "colorbar": {**bar, "tickfont": _bigger(bar.get("tickfont"), BASE_FONT)}}
        data.append(_bigger_in(d, ("textfont",)) if "textfont" in d else d)
    same = all(a is b for a, b in zip(data, spec.get("data", [])))
    return {**spec, "layout": layout, "data": spec.get("data", []) if same else data}


def _scaled(pad: dict[str, Any] | None) -> dict[str, Any] | None:
    """A margin or pad (px) :data:`FONT_SCALE` times larger: the space around text grows with the text."""
    return None if pad is None else {k: round(v * FONT_SCALE) if isinstance(v, (int, float)) and k != "autoexpand"
                                     else v for k, v in pad.items()}


def projector_spacing(layout: dict[str, Any]) -> dict[str, Any]:
    """``layout`` (fonts already larger, height final) with room for the larger text: margins, the pads of
    sliders and menus :data:`FONT_SCALE` times larger, and stacked panels at least
    :data:`PANEL_GAP` × :data:`FONT_SCALE` px apart (their titles moved with them).

    Stacked panels are y-axis domains one above another (``make_subplots`` with one column): each keeps its
    share of the height, less the wider gaps; a figure whose panels overlap or sit side by side is left as it is.
    """
    layout = dict(layout)
    if isinstance(layout.get("margin"), dict):
        layout["margin"] = _scaled(layout["margin"])
    for key in ("sliders", "updatemenus"):
        if layout.get(key):
            layout[key] = [{**item, "pad": _scaled(item["pad"])} if "pad" in item else item for item in layout[key]]
    margin = layout.get("margin") or {}
    plot = float(layout.get("height") or 450) - margin.get("t", 100) - margin.get("b", 80)   # Plotly's defaults
    axes = {k: v for k, v in layout.items() if k.startswith("yaxis") and isinstance(v, dict) and v.get("domain")
            and not v.get("overlaying")}
    domains = sorted({tuple(v["domain"]) for v in axes.values()}, key=lambda d: -d[1])
    gap = PANEL_GAP * FONT_SCALE / max(plot, 1.0)
    stacked = len(domains) > 1 and all(hi[0] >= lo[1] - 1e-9 for hi, lo in zip(domains, domains[1:]))
    if not stacked or min(hi[0] - lo[1] for hi, lo in zip(domains, domains[1:])) >= gap:
        return layout
    sizes = [d[1] - d[0] for d in domains]
    free = domains[0][1] - domains[-1][0] - gap * (len(domains) - 1)
    if free <= 0:
        return layout
    new, top = {}, domains[0][1]
    for d, size in zip(domains, sizes):
        new[d] = [top - size / sum(sizes) * free, top]
        top = new[d][0] - gap
    for key, axis in axes.items():   # fewer ticks on a short panel, so the larger labels do not touch
        lo, hi = new[tuple(axis["domain"])]
        fixed = "tickvals" in axis or axis.get("visible") is False
        ticks = {} if fixed else {"nticks": max(3, int((hi - lo) * plot / 28))}
        layout[key] = {**axis, "domain": [lo, hi], **ticks}
    tops = {round(d[1], 9): n[1] for d, n in new.items()}

    def moved(a: dict[str, Any]) -> dict[str, Any]:   # a subplot title sits on its panel's top edge
        at = round(a.get("y", -1), 9) if isinstance(a.get("y"), (int, float)) else None
        if a.get("yref") == "paper" and a.get("yanchor") == "bottom" and at in tops:
            return {**a, "y": tops[at]}
        return a
    if layout.get("annotations"):
        layout["annotations"] = [moved(a) for a in layout["annotations"]]
    return layout


def sized_figure(fig: Any, present: bool, max_height: int = MAX_HEIGHT) -> Any:
    """``fig`` as drawn in projector mode: at most ``max_height`` tall (its panels shrink in proportion),
    every font :data:`FONT_SCALE` times larger (:func:`projector_fonts`) and the space around text with
    them (:func:`projector_spacing`).

    Only the top of the specification is copied (data and frames are shared, never changed), so
    this costs well under a millisecond even for a large animation. Outside projector mode ``fig`` itself.
    """
    if not present:
        return fig
    spec = projector_fonts(fig.to_dict())
    layout = spec["layout"]
    height = layout.get("height")
    layout["height"] = min(int(height), max_height) if height else max_height
    return FrozenFigure({**spec, "layout": projector_spacing(layout)})
