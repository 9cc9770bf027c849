"""The play controls of every animation: Play / Pause, and a speed menu from 0.25× to 4×.

Plotly menus only (no custom JavaScript): the browser animates the figure's frames, with no
server round trip per frame. Play continues from the step shown (``fromcurrent``; from the
last step, or before any step was chosen, Plotly starts again at the first). Choosing a
speed plays from the step shown at that speed.
"""

from __future__ import annotations

from typing import Any

from ui.theme import COLORS

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)


def _animate(frame_ms: float) -> dict[str, Any]:
    return {"frame": {"duration": int(round(frame_ms)), "redraw": False}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}


def still() -> dict[str, Any]:
    """Animation arguments that jump to a frame at once (slider steps, Pause)."""
    return {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}


def play_menus(frame_ms: float, *, x: float = 0.0, y: float = 0.0, xanchor: str = "left", yanchor: str = "top",
               pad: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Two Plotly ``updatemenus``: the Play / Pause buttons at ``x``, and a speed menu at the right edge.

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
              "x": 1.0, "y": y, "xanchor": "right", "yanchor": yanchor, "pad": {**pad}, **style,
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
