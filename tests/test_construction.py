"""Sequential construction (Exps 2a/2b, spec A8) and the learning-rate convention (A3).

The plateau rule alone (no gradients), the direct net before the plateau (cell weights held at 0),
the cell after it (drawn or zero weights; the direct weights frozen or not), both engines equal,
and the ×2 convention equal to a doubled learning rate.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lab.serialize import preset_from_dict, preset_to_dict
from lstm_core.experiments import get_preset
from lstm_core.experiments.paper import exp2ab_net
from lstm_core.experiments.preset import Construction
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import engine
from lstm_core.nets.lstm import layout

BASE = get_preset("classroom_exp2a_p10")
QUICK = Construction(window=100, tolerance=0.3, patience=2)      # plateaus within a few hundred sequences


def _plateau_at(c: Construction, values) -> int | None:
    best, since = np.inf, 0
    for i, v in enumerate(values):
        best, since, plateau = c.step(best, since, v)
        if plateau:
            return i
    return None


def test_the_plateau_rule_counts_windows_without_a_relative_drop():
    c = Construction(window=100, tolerance=0.01, patience=3)
    assert _plateau_at(c, [1.0, 0.5, 0.25, 0.125]) is None               # still decreasing
    assert _plateau_at(c, [1.0, 0.5, 0.5, 0.5, 0.5]) == 4                 # 3 windows without a drop
    assert _plateau_at(c, [1.0, 0.5, 0.499, 0.498, 0.497]) == 4            # drops below 1 % do not count
    assert _plateau_at(c, [1.0, 0.5, 0.5, 0.4, 0.4, 0.4]) is None         # a real drop resets the count
    assert _plateau_at(c, [1.0, 0.5, 0.6, 0.7, 0.8]) == 4                 # rising error is no progress
    assert c.step(np.inf, 0, 0.3) == (0.3, 0, False)                      # the first window sets the best


def test_bad_settings_are_refused():
    for bad in (dict(window=50), dict(window=150), dict(patience=0), dict(tolerance=1.0), dict(init="random")):
        with pytest.raises(ValueError):
            Construction(**bad)
    with pytest.raises(ValueError, match="stop.window"):
        replace(BASE, construction=Construction(window=BASE.stop.window + 100))
    with pytest.raises(ValueError, match="truncated"):
        replace(get_preset("exp2a_rtrl_p4_lr1"), construction=Construction())
    with pytest.raises(ValueError, match="lr_factor"):
        replace(BASE, lr_factor=0.0)


def _run(preset, n, K=2, seed=0, monkeypatch=None, engine_name=None):
    if monkeypatch is not None:
        monkeypatch.setenv("LAB_ENGINE", engine_name)
    run = TrialRun(preset, trials=K, seed=seed, max_sequences=n)
    for _ in run.advance_iter(100):
        pass
    return run


@pytest.mark.parametrize("init", ["drawn", "zero"])
@pytest.mark.parametrize("freeze", [False, True])
def test_the_cell_is_held_at_zero_until_the_plateau_then_added(init, freeze):
    preset = replace(BASE, construction=replace(QUICK, init=init, freeze=freeze))
    L = layout(preset.net)
    drawn = TrialRun(BASE, trials=2, seed=3).params                    # what initialisation draws
    run = TrialRun(preset, trials=2, seed=3, max_sequences=100)
    assert not run.params["W_h"].any() and not run.params["W_k"][:, L.out_cells].any()
    for _ in run.advance_iter(100):
        pass
    assert not run.growth.grown.any()
    assert not run.params["W_h"].any() and not run.params["W_k"][:, L.out_cells].any()   # the direct net
    direct = run.params["W_k"][:, L.out_x].copy()
    assert np.abs(direct - drawn["W_k"][:, L.out_x]).max() > 1e-3                      # ... which learns
    run.max_sequences = 2000
    while not run.growth.grown.all() and not run.done():
        run.advance(100)
    grown_at = run.result()["grown_at"]
    assert all(g is not None and g % 100 == 0 for g in grown_at)
    if init == "drawn":                             # at the plateau: the values drawn at initialisation
        k = int(np.argmax(grown_at))
        assert run.seen == grown_at[k]
        run.synced_params()
        np.testing.assert_array_equal(run.params["W_h"][k], drawn["W_h"][k])
        np.testing.assert_array_equal(run.params["W_k"][k, L.out_cells], drawn["W_k"][k, L.out_cells])
    at_growth = run.params["W_k"][:, L.out_x].copy()
    run.max_sequences = run.seen + 300
    for _ in run.advance_iter(100):
        pass
    run.synced_params()
    assert run.params["W_h"].any() and run.params["W_k"][:, L.out_cells].any()          # the cell learns
    moved = np.abs(run.params["W_k"][:, L.out_x] - at_growth).max()
    assert (moved == 0.0) if freeze else (moved > 0.0)


@pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")
@pytest.mark.parametrize("init, freeze, name", [("drawn", False, "2a"), ("zero", True, "2a"), ("drawn", True, "2b")])
def test_the_kernel_run_equals_the_readable_loop(init, freeze, name, monkeypatch):
    preset = BASE if name == "2a" else replace(get_preset("classroom_exp2b_p10"), net=exp2ab_net(10), lr=1.0,
                                                update="step")      # the paper's 2b net, not the classroom's
    preset = replace(preset, construction=replace(QUICK, init=init, freeze=freeze))
    ref = _run(preset, 900, K=3, monkeypatch=monkeypatch, engine_name="numpy")
    got = _run(preset, 900, K=3, monkeypatch=monkeypatch, engine_name="numba")
    assert got.learner.has_kernel() and not ref.learner.has_kernel()
    a, b = ref.result(), got.result()
    assert a["grown_at"] == b["grown_at"] and any(g is not None for g in a["grown_at"])
    for key in ref.params:
        scale = np.abs(ref.params[key]).max()
        assert np.abs(got.params[key] - ref.params[key]).max() <= 1e-10 * scale, key
    for key in ("sequences_to_success", "sequences_presented", "diverged"):
        assert a[key] == b[key], key


def test_the_times_two_convention_equals_a_doubled_learning_rate():
    x2 = _run(replace(BASE, lr=0.5, lr_factor=2.0), 300)
    one = _run(replace(BASE, lr=1.0), 300)
    assert replace(BASE, lr=0.5, lr_factor=2.0).effective_lr == 1.0
    for key in one.params:
        np.testing.assert_allclose(x2.params[key], one.params[key], rtol=0, atol=1e-12)


def test_construction_and_lr_factor_survive_the_json_round_trip():
    preset = replace(BASE, construction=Construction(window=200, init="zero", freeze=True), lr_factor=2.0)
    assert preset_from_dict(preset_to_dict(preset)) == preset
    assert preset_from_dict(preset_to_dict(BASE)) == BASE
    d = preset_to_dict(preset)
    d["construction"]["init"] = "random"
    with pytest.raises(ValueError, match="construction"):
        preset_from_dict(d)


@pytest.mark.skipif(not engine.numba_available(), reason="numba is not installed")
def test_abs_on_frozen_weights_solves_at_a_test_point_and_both_engines_agree(monkeypatch):
    rule = replace(BASE.stop, abs_frozen=True, eval_every=200, st_test_size=20)
    preset = replace(BASE, stop=rule)
    ref = _run(preset, 6000, K=3, monkeypatch=monkeypatch, engine_name="numpy")
    got = _run(preset, 6000, K=3, monkeypatch=monkeypatch, engine_name="numba")
    a, b = ref.result(), got.result()
    assert a["sequences_to_success"] == b["sequences_to_success"] and a["successes"] >= 1
    assert all(n % 200 == 0 for n in a["sequences_to_success"] if n is not None)   # counted at a test point
    assert a["sequences_presented"] == [n if n is not None else ref.seen for n in a["sequences_to_success"]]
    streak = _run(BASE, 6000, K=3)                      # the running streak needs its window on top
    assert streak.result()["successes"] <= a["successes"]
    with pytest.raises(ValueError, match="abs_frozen"):
        replace(get_preset("exp4_adding_T100").stop, abs_frozen=True)


def test_a_run_restored_after_its_cells_were_added_trains_on_as_the_original():
    """The job worker's resume: ``state``/``restore`` carry the construction's plateau bookkeeping too."""
    from dataclasses import replace

    from lstm_core.experiments import get_preset
    from lstm_core.experiments.train import TrialRun

    p = get_preset("exp2a_lstm_p100")
    p = replace(p, construction=replace(p.construction, window=100, patience=1, tolerance=0.9))
    run = TrialRun(p, trials=2, seed=0, max_sequences=1000)
    run.advance(320)
    assert run.growth.grown.all()
    again = TrialRun(p, trials=2, seed=0, max_sequences=1000)
    again.restore(run.state())
    assert again.growth.grown.all()
    run.advance(50)
    again.advance(50)
    assert {**run.result(), "seconds": 0} == {**again.result(), "seconds": 0}
    for name in run.params:
        assert (again.params[name] == run.params[name]).all()
