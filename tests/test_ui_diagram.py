"""The animated memory-cell diagram (paper Fig. 1): valves follow the gates, the level follows s_c."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from lstm_core.analysis.record import SEQUENCES, CellWeights, run_single_cell
from ui import figures_diagram as dg
from ui.figures_cell import cell_animation
from ui.theme import COLORS

VALUES = {"y_in": 0.5, "y_out": 0.1, "g_c": 1.2, "s_c": 0.6, "h_s": 0.29, "y_c": 0.029}


def _trace(frame: list[dict], name: str) -> dict:
    return frame[dg.DYNAMIC.index(name)]


def _gap(trace: dict) -> float:
    """The opening between the valve's blades: bottom of the top blade minus top of the bottom blade."""
    cut = trace["y"].index(None)
    top, bottom = trace["y"][:cut], trace["y"][cut + 1:]
    return min(top) - max(bottom)


@pytest.mark.parametrize("y_in", [0.0, 0.25, 0.9, 1.0])
def test_the_input_valve_opens_in_proportion_to_y_in(y_in):
    frame = dg.diagram_frame({**VALUES, "y_in": y_in}, s_max=1.0)
    assert _gap(_trace(frame, "in_valve")) == pytest.approx(2 * dg.PIPE * y_in)


def test_the_output_valve_follows_y_out_and_the_stream_out_is_y_out_times_h():
    closed = dg.diagram_frame({**VALUES, "y_out": 0.0}, s_max=1.0)
    opened = dg.diagram_frame({**VALUES, "y_out": 1.0}, s_max=1.0)
    assert _gap(_trace(closed, "out_valve")) == pytest.approx(0.0)
    assert _gap(_trace(opened, "out_valve")) == pytest.approx(2 * dg.PIPE)
    def after_valve(frame):                                # the stream's half-heights past the output gate
        t = _trace(frame, "stream_out")
        return [abs(y - dg.MID) for x, y in zip(t["x"], t["y"]) if x is not None and x > dg.OUT_VALVE[1]]

    assert max(after_valve(closed)) == 0.0                 # a closed gate lets nothing out
    assert max(after_valve(opened)) == pytest.approx(VALUES["h_s"] * dg.PIPE)   # open: all of h(s_c)


def test_the_level_is_s_c_on_a_scale_fixed_by_the_largest_state_and_keeps_its_sign():
    up = _trace(dg.diagram_frame({**VALUES, "s_c": 0.5}, s_max=2.0), "level")
    down = _trace(dg.diagram_frame({**VALUES, "s_c": -2.0}, s_max=2.0), "level")
    assert max(up["y"]) - dg.MID == pytest.approx(0.25 * dg.LEVEL) and min(up["y"]) == dg.MID
    assert dg.MID - min(down["y"]) == pytest.approx(dg.LEVEL) and max(down["y"]) == dg.MID
    assert up["fillcolor"] == COLORS["cell_state"] and down["fillcolor"] != COLORS["cell_state"]


def test_the_error_circles_the_self_loop_only_in_the_backward_view():
    forward = dg.diagram_frame(VALUES, 1.0)
    backward = dg.diagram_frame(VALUES, 1.0, e_s=0.0123)
    assert all(x is None for x in _trace(forward, "error_loop")["x"])
    assert all(x is not None for x in _trace(backward, "error_loop")["x"])
    assert any("E_s = 0.0123" in t for t in _trace(backward, "numbers")["text"])
    assert not any("E_s" in t for t in _trace(forward, "numbers")["text"])


def test_the_numbers_show_the_values_of_the_step():
    text = " ".join(_trace(dg.diagram_frame(VALUES, 1.0, label="t = 3"), "numbers")["text"])
    for part in ("t = 3", "y_in = 0.5", "y_out = 0.1", "g(net_c) = 1.2", "s_c = 0.6", "y_c = 0.029",
                 "y_in·g = 0.6"):
        assert part in text, part


def test_the_diagram_uses_only_theme_colours_and_transparent_greys():
    fig = dg.cell_diagram({k: np.full(4, v) for k, v in VALUES.items()} | {"E_s": np.ones(4)})
    spec = fig.to_dict()
    spec["layout"].pop("template", None)                               # Plotly's own defaults
    spec = json.dumps(spec)
    allowed = set(COLORS.values())
    for colour in set(re.findall(r"#[0-9A-Fa-f]{6}", spec)):
        assert colour in allowed, colour
    for alpha in re.findall(r"rgba\(\d+,\s*\d+,\s*\d+,\s*([0-9.]+)\)", spec):
        assert float(alpha) <= 0.2


def test_the_stand_alone_diagram_steps_forward_then_back_with_one_slider():
    rec = {k: np.linspace(0.1, 0.9, 6) for k in VALUES} | {"E_s": np.full(6, 0.01)}
    fig = dg.cell_diagram(rec)
    assert [f["name"] for f in fig.frames][:2] == ["f1", "f2"] and fig.frames[-1]["name"] == "b1"
    assert len(fig.layout.sliders[0].steps) == len(fig.frames) == 12
    assert all(len(f["data"]) == len(dg.DYNAMIC) == len(f["traces"]) for f in fig.frames)


def test_the_memory_cell_figure_drives_diagram_and_charts_with_the_same_frames_and_opens_on_the_last_step():
    rec = run_single_cell(np.array(SEQUENCES["store_recall"]), CellWeights(0.0, 6.0, -3.0, 6.0, -3.0, 1.0, 0.0))
    T = rec["s_c"].size
    spec = cell_animation(rec).to_dict()
    assert len(spec["frames"]) == T and len(spec["layout"]["sliders"][0]["steps"]) == T
    assert spec["layout"]["sliders"][0]["active"] == T - 1           # opens on the whole sequence
    n_charts = 12
    for f in spec["frames"]:
        assert len(f["traces"]) == n_charts + len(dg.DYNAMIC)       # one frame moves charts and diagram
    numbers = spec["frames"][0]["data"][n_charts + dg.DYNAMIC.index("numbers")]["text"]
    assert any(t.startswith("<b>t = 1") for t in numbers)
    play = spec["layout"]["updatemenus"][0]["buttons"][0]["args"][1]
    assert play["fromcurrent"] is True                                 # Play continues from the step shown


def test_the_experiments_animation_draws_the_chosen_cell_with_the_same_frames_and_the_error_going_back():
    from ui.figures_internals import internals_animation

    rng = np.random.default_rng(0)
    L, C, S = 12, 2, 2
    target = np.full((L, 1), np.nan)
    target[-1] = 0.5
    rec = {"y_in": rng.random((L, C)), "y_out": rng.random((L, C)), "g_c": rng.normal(size=(L, C * S)),
           "s_c": rng.normal(size=(L, C * S)), "h_s": rng.normal(size=(L, C * S)) / 3,
           "y_c": rng.normal(size=(L, C * S)) / 3, "y_k": rng.random((L, 1)), "target": target,
           "E_s": np.full((L, C * S), 0.02), "length": np.array(L)}
    fig = internals_animation(rec, diagram_cell=3)                    # cell 4 = block 2, cell 2
    spec = fig.to_dict()
    n = len(spec["data"])
    loop, numbers = n - len(dg.DYNAMIC) + dg.DYNAMIC.index("error_loop"), n - 1
    forward = [f for f in spec["frames"] if f["name"].startswith("f")]
    back = [f for f in spec["frames"] if f["name"].startswith("b")]
    assert all(len(f["data"]) == n for f in spec["frames"])          # one frame moves charts and diagram
    assert all(all(x is None for x in f["data"][loop]["x"]) for f in forward)
    assert all(any(x is not None for x in f["data"][loop]["x"]) for f in back)
    assert any("E_s = 0.02" in t for t in back[0]["data"][numbers]["text"])
    t = int(forward[3]["name"][1:])                                   # the diagram shows block 2's gates at step t
    assert f"y_in = {rec['y_in'][t - 1, 1]:.3g}" in " ".join(forward[3]["data"][numbers]["text"])
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["args"][1]["fromcurrent"] is True


def test_every_frame_has_the_same_number_of_points_so_a_stopped_stream_disappears():
    """Plotly animates point by point: a frame with fewer points would leave the old stream on screen."""
    shut = dg.diagram_frame({**VALUES, "g_c": 0.0, "y_in": 0.0, "h_s": 0.0}, 1.0)
    open_ = dg.diagram_frame(VALUES, 1.0)
    for name in dg.DYNAMIC:
        assert len(_trace(shut, name)["x"]) == len(_trace(open_, name)["x"]), name
    ys = [y for y in _trace(shut, "stream_in")["y"] if y is not None]
    assert max(ys) == min(ys) == dg.MID                                   # nothing flows in


def test_every_animation_offers_speeds_from_a_quarter_to_four_times_continuing_from_the_step_shown():
    from ui.step_control import SPEEDS

    rec = run_single_cell(np.array(SEQUENCES["store_recall"]), CellWeights(0.0, 6.0, -3.0, 6.0, -3.0, 1.0, 0.0))
    for spec in (cell_animation(rec, frame_ms=400).to_dict(), dg.cell_diagram(rec, frame_ms=400).to_dict()):
        play, speed = spec["layout"]["updatemenus"]
        assert [b["label"] for b in play["buttons"]] == ["▶ Play", "❚❚ Pause"]
        durations = [b["args"][1]["frame"]["duration"] for b in speed["buttons"]]
        assert durations == [round(400 / s) for s in SPEEDS] and SPEEDS[0] == 0.25 and SPEEDS[-1] == 4.0
        assert all(b["args"][1]["fromcurrent"] for b in speed["buttons"])
        assert speed["buttons"][speed["active"]]["label"] == "speed 1×"


def _lstm_rec(seed: int, scale: float = 1.0, L: int = 15, C: int = 2, S: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    target = np.full((L, 1), np.nan)
    target[-1] = 0.5
    return {"y_in": rng.random((L, C)), "y_out": rng.random((L, C)), "g_c": rng.normal(size=(L, C * S)),
            "s_c": scale * rng.normal(size=(L, C * S)), "h_s": rng.normal(size=(L, C * S)) / 3,
            "y_c": rng.normal(size=(L, C * S)) / 3, "y_k": rng.random((L, 1)), "target": target,
            "E_s": np.full((L, C * S), 0.02), "length": np.array(L)}


def test_the_charts_axes_stay_fixed_across_checkpoints():
    from ui.figures_internals import internals_animation

    early, late = _lstm_rec(0, scale=0.1), _lstm_rec(1, scale=5.0)
    alone = internals_animation(early).to_dict()["layout"]
    fixed = internals_animation(early, range_recs=[early, late]).to_dict()["layout"]
    ranges_alone = [v["range"] for k, v in sorted(alone.items()) if k.startswith("yaxis") and "range" in v]
    ranges_fixed = [v["range"] for k, v in sorted(fixed.items()) if k.startswith("yaxis") and "range" in v]
    s_late = float(np.abs(late["s_c"]).max())
    assert max(r[1] for r in ranges_alone) < s_late <= max(r[1] for r in ranges_fixed)


def test_heat_maps_show_every_cell_and_block_on_colour_scales_fixed_by_the_caller():
    from ui.figures_heat import heat_ranges, internals_heatmaps

    early, late = _lstm_rec(0, scale=0.1), _lstm_rec(1, scale=5.0)
    ranges = heat_ranges([early, late])
    fig = internals_heatmaps(early, ranges=ranges, step_labels=list("abcdefghijklmno"))
    s_c, y_in, y_out = fig.data
    assert np.asarray(s_c.z).shape == (4, 15) and np.asarray(y_in.z).shape == (2, 15)
    assert (s_c.zmin, s_c.zmax) == ranges["s_c"] and ranges["s_c"][1] == pytest.approx(np.abs(late["s_c"]).max())
    assert (y_in.zmin, y_in.zmax, y_out.zmin, y_out.zmax) == (0.0, 1.0, 0.0, 1.0)
    assert fig.layout.xaxis3.ticktext[2] == "3<br>c"                   # the input symbol under each step


def test_rnn_vs_cec_the_carousels_error_stays_flat_while_the_rnns_fades_on_the_same_sequence():
    from ui.figures_heat import FLOOR, error_flow_comparison

    L = 30
    has = np.zeros(L, bool)
    has[-1] = True
    lstm = {"E_s": np.full((L, 3), 0.05), "has_target": has, "length": np.array(L)}
    decay = 0.5 ** np.arange(L)[::-1]                                   # halves at every step back
    rnn = {"delta_h": np.outer(decay, [0.2, 0.1]), "has_target": has, "length": np.array(L)}
    fig = error_flow_comparison(lstm, rnn)
    heat_lstm, heat_rnn, line_lstm, line_rnn = fig.data
    assert np.allclose(np.asarray(heat_lstm.z), 0.0)                   # 10^0 = all of it, at every step
    z = np.asarray(heat_rnn.z, float)
    assert z[0, -1] == 0.0 and z[0, -11] == pytest.approx(np.log10(0.5 ** 10), abs=0.01)
    assert z.min() >= FLOOR
    assert np.allclose(np.asarray(line_lstm.y, float), 1.0)
    y = np.asarray(line_rnn.y, float)
    assert y[-1] == pytest.approx(1.0) and np.all(np.diff(y) > 0)        # falls going back in time
