"""The play controls of every animation: Play / Pause, a speed menu from 0.25× to 4×, a range to loop.

Plotly menus only (no custom JavaScript): the browser animates the figure's frames, with no
server round trip per frame. Play continues from the step shown (``fromcurrent``; from the
last step, or before any step was chosen, Plotly starts again at the first). Choosing a
speed plays from the step shown at that speed. :func:`play_range` makes Play (and the speeds)
play a part of the sequence instead, :data:`LOOPS` times over: Plotly plays a list of frames
once, so the loop is the range's frames repeated in that list.
"""

from __future__ import annotations

from typing import Any

from ui.theme import COLORS

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
LOOPS = 5               # a range plays this many times over (Plotly has no endless loop)
SPEED_OFFSET = 160       # px from the Play / Pause buttons' left edge to the speed menu (the two buttons: ~146 px)


def _animate(frame_ms: float) -> dict[str, Any]:
    return {"frame": {"duration": int(round(frame_ms)), "redraw": False}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}


def still() -> dict[str, Any]:
    """Animation arguments that jump to a frame at once (slider steps, Pause)."""
    return {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}


def play_menus(frame_ms: float, *, x: float = 0.0, y: float = 0.0, xanchor: str = "left", yanchor: str = "top",
               pad: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Two Plotly ``updatemenus``: the Play / Pause buttons at ``x``, and a speed menu just right of them (not at
    the figure's right edge, where Plotly's modebar covers it while the pointer is over the figure).

    Parameters
    ----------
    frame_ms : how long a frame is shown at 1× (ms).
    x, y, xanchor, yanchor, pad : where the buttons sit (paper coordinates), as for any updatemenu.
    """
    pad = pad or {}
    style = {"bgcolor": "rgba(136,136,136,0.15)", "bordercolor": COLORS["target"], "font": {"color": COLORS["target"]}}
    buttons = {"type": "buttons", "direction": "left", "showactive": False, "x": x, "y": y, "xanchor": xanchor,
               "yanchor": yanchor, "pad": {"r": 10, **pad}, **style,
               "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, _animate(frame_ms)]},
                           {"label": "❚❚ Pause", "method": "animate", "args": [[None], still()]}]}
    speeds = {"type": "dropdown", "direction": "down", "showactive": True, "active": SPEEDS.index(1.0),
              "x": x, "y": y, "xanchor": xanchor, "yanchor": yanchor, "pad": {**pad, "l": SPEED_OFFSET}, **style,
              "buttons": [{"label": f"speed {s:g}×", "method": "animate", "args": [None, _animate(frame_ms / s)]}
                          for s in SPEEDS]}
    return [buttons, speeds]


def at_frame(spec: dict[str, Any], k: int) -> dict[str, Any]:
    """A figure specification with frames, opened on frame ``k`` (0-based; clipped) instead of its own start.

    The frame's trace data replace the figure's (as Plotly would on reaching it) and the slider points
    at it; only the top of the specification is copied, the arrays are shared, never changed.
    """
    frames = spec.get("frames") or []
    if not frames:
        return spec
    k = max(0, min(int(k), len(frames) - 1))
    frame = frames[k]
    data = list(spec["data"])
    for i, d in zip(frame.get("traces", range(len(frame["data"]))), frame["data"]):
        data[i] = {**data[i], **d}
    layout = dict(spec["layout"])
    if layout.get("sliders"):
        layout["sliders"] = [{**layout["sliders"][0], "active": k}, *layout["sliders"][1:]]
    return {**spec, "data": data, "layout": layout}


def play_range(spec: dict[str, Any], start: int, end: int, loops: int = LOOPS) -> dict[str, Any]:
    """A figure specification whose Play and speed buttons play frames ``start`` … ``end`` (0-based,
    inclusive), ``loops`` times over, from ``start``; Pause and the slider are unchanged.

    Only the top of the specification and its menus are copied; the frames are shared, never changed.
    """
    frames = spec.get("frames") or []
    start, end = max(0, int(start)), min(int(end), len(frames) - 1)
    if not frames or end < start:
        return spec
    names = [f["name"] for f in frames[start:end + 1]] * loops
    menus = []
    for menu in spec["layout"].get("updatemenus", []):
        buttons = []
        for b in menu.get("buttons", []):
            if b.get("method") == "animate" and b["args"][0] is None:         # Play and the speeds
                b = {**b, "args": [names, {**b["args"][1], "fromcurrent": False}]}
            buttons.append(b)
        menus.append({**menu, "buttons": buttons})
    return {**spec, "layout": {**spec["layout"], "updatemenus": menus}}
