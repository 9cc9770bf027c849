"""The trial loop and the paper's success measures."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import PRESETS, budget, criteria, get_preset
from lstm_core.experiments.learner import take_trials
from lstm_core.experiments.preset import StopRule
from lstm_core.experiments.train import TrialRun
from lstm_core.tasks import TASKS

TINY = replace(get_preset("classroom_exp4_adding_T20"), task_options={"T": 10},
               stop=StopRule("st3", beta=0.05, tolerance=0.1, window=50, test_size=64, max_sequences=3000))
QUICK = replace(get_preset("classroom_exp2c_q10_p10"), trials=3)


def test_reber_success_needs_the_k_legal_successors_to_be_the_k_most_active_outputs():
    legal = np.zeros((1, 1, 2, 4), bool)
    legal[..., 0, [0, 1]] = True          # step 0: two legal successors
    legal[..., 1, [2]] = True             # step 1: one
    ht = np.ones((1, 1, 2), bool)
    good = np.array([[[[0.6, 0.5, 0.4, 0.1], [0.1, 0.2, 0.9, 0.3]]]])
    bad = np.array([[[[0.6, 0.3, 0.4, 0.1], [0.1, 0.2, 0.9, 0.3]]]])    # illegal unit 2 beats legal unit 1
    assert criteria.reber_all_correct(good, legal, ht).tolist() == [True]
    assert criteria.reber_all_correct(bad, legal, ht).tolist() == [False]
    ht[..., 0] = False                                                 # a step without target is not judged
    assert criteria.reber_all_correct(bad, legal, ht).tolist() == [True]


def test_sequence_scores_judge_the_last_target_step_per_output():
    rule = StopRule("st3", beta=0.1, tolerance=0.3)
    y = np.zeros((1, 2, 3, 2))
    y[0, :, 1] = [1.0, 0.0]                       # targets at step 1 (the end of both sequences)
    ht = np.zeros((1, 2, 3), bool)
    ht[0, :, 1] = True
    out = np.zeros_like(y)
    out[0, 0, 1] = [0.8, 0.1]                     # errors 0.2, 0.1 -> correct
    out[0, 1, 1] = [0.6, 0.1]                     # error 0.4 -> wrong
    out[0, :, 2] = 5.0                            # after the end: ignored
    err, ok = criteria.sequence_scores(rule, out, y, ht)
    np.testing.assert_allclose(err, [[0.15, 0.25]])
    assert ok.tolist() == [[True, False]]


def test_abs_rule_over_all_steps_sees_an_early_mistake():
    rule = StopRule("abs", beta=0.25)
    y = np.zeros((1, 1, 3, 1))
    ht = np.ones((1, 1, 3), bool)
    out = np.array([[[[0.3], [0.0], [0.0]]]])
    assert not criteria.sequence_scores(rule, out, y, ht)[1][0, 0]
    assert criteria.sequence_scores(replace(rule, abs_at_end_only=True), out, y, ht)[1][0, 0]


def test_one_seed_reproduces_the_whole_run():
    a, b = TrialRun(TINY, trials=2, seed=5), TrialRun(TINY, trials=2, seed=5)
    a.advance(300)
    b.advance(300)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    c = TrialRun(TINY, trials=2, seed=6)
    c.advance(300)
    assert not np.array_equal(a.params["W_h"], c.params["W_h"])


def test_trial_k_of_a_lockstep_run_is_bit_identical_to_running_it_alone():
    together = TrialRun(TINY, trials=3, seed=2, max_sequences=400)
    together.advance(400)
    alone = TrialRun(TINY, trials=1, seed=2, max_sequences=400)     # trial 0 has the same generators
    alone.advance(400)
    assert together.seen == alone.seen == 400
    for name in alone.params:
        np.testing.assert_array_equal(together.params[name][0], alone.params[name][0])


def test_solved_trials_are_frozen_with_their_count_and_test_results():
    run = TrialRun(QUICK, seed=0)
    for _ in run.advance_iter(500):
        pass
    res = run.result()
    assert res["successes"] >= 1, "the small 2c task is solved within a few thousand sequences"
    for k, n in enumerate(res["sequences_to_success"]):
        if n is not None:   # ABS: counted before the winning streak of `window` correct sequences (paper's count)
            assert res["sequences_presented"][k] == n + QUICK.stop.window <= run.seen
            assert run.results[k].presented == res["sequences_presented"][k]
            assert run.results[k].test["n"] == QUICK.stop.test_size
            assert run.results[k].test["wrong"] == 0     # ABS rules confirm on a frozen test set
    # a frozen trial's weights do not change any more
    frozen = [k for k, r in enumerate(run.results) if r.solved]
    before = run.params["W_h"][frozen].copy()
    if len(run.active):
        run.advance(50)
    np.testing.assert_array_equal(run.params["W_h"][frozen], before)


class _PoisonTrialOne:
    """Wraps a learner; from the 30th sequence on, trial 1's update comes back as NaN."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def train(self, params, x, y, ht, lr):
        new, out = self.inner.train(params, x, y, ht, lr)
        self.calls += 1
        if self.calls >= 30 and len(x) == 2:
            new = {k: v.copy() for k, v in new.items()}
            new["W_h"][1, 0, 0] = np.nan
        return new, out


def test_a_diverging_trial_is_stopped_with_a_message_and_keeps_its_last_good_weights(monkeypatch):
    monkeypatch.setenv("LAB_ENGINE", "numpy")          # the poison wraps the readable learner's per-sequence step
    run = TrialRun(TINY, trials=2, seed=0, max_sequences=100)
    run.learner = _PoisonTrialOne(run.learner)
    for _ in run.advance_iter(10):
        pass
    res = run.result()
    assert res["diverged"] == [1]
    assert res["sequences_to_success"][1] is None
    assert "diverged" in run.progress().message
    for name, v in run.params.items():
        assert np.isfinite(v).all(), name
    assert run.results[0].sequences == 100            # the healthy trial went on training


def _default_sigint() -> None:
    """preexec_fn: the child gets SIGINT's default disposition, whatever pytest inherited (a background job of
    a non-interactive shell inherits SIGINT as *ignored*, and ignored signals stay ignored across exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_reproduce_command_stops_cleanly_on_ctrl_c_and_still_writes_its_json(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "lstm_core", "reproduce", "exp4_adding_T100", "--trials", "2",
                             "--max-sequences", "1000000", "--chunk", "50", "--json", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_sigint)
    try:
        # wait for the first progress line ("\r  50 seq/trial | ..." on stderr): training has started, and the
        # command's SIGINT handling with it; a guard against hanging, never a measurement of speed
        seen = b""
        deadline = time.monotonic() + 120
        while b"seq/trial" not in seen:
            assert time.monotonic() < deadline, f"no progress line within the guard; stderr so far: {seen!r}"
            if not select.select([proc.stderr], [], [], 1.0)[0]:
                continue
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk or proc.poll() is None, f"the command ended early: {seen!r}"
            seen += chunk
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
        stdout, stderr = stdout.decode(), seen.decode() + stderr.decode()
        assert proc.returncode == 130, stderr
        summary = json.loads(out.read_text())
        assert summary["interrupted"] is True and summary["sequences_seen"] > 0
        assert "ours" in stdout and "paper" in stdout
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_the_reproduce_table_shows_the_streak_separately_for_abs_rules():
    from lab.report import comparison_rows
    base = {"trials": 2, "success_rate": 0.5, "mean_sequences": 500.0, "min_sequences": 500,
            "max_sequences": 500, "st1_at": [None, None], "test": {}}
    abs_run = {**base, "sequences_to_success": [500, None], "sequences_presented": [10_500, 20_000]}
    rows = dict((name, ours) for name, ours, _ in comparison_rows(abs_run, None))
    assert rows["mean sequences to success"] == "500"
    assert rows["mean sequences presented (incl. streak)"] == "10,500"
    st3_run = {**base, "sequences_to_success": [500, None], "sequences_presented": [500, 20_000]}
    assert not any("presented" in name for name, _, _ in comparison_rows(st3_run, None))


def test_big_inputs_draw_fewer_sequences_at_a_time_to_stay_within_the_data_budget(monkeypatch):
    ref = get_preset("exp2c_q500_p500")
    one = budget.sequence_bytes(ref)
    monkeypatch.setattr(budget, "DATA_BUDGET", one * ref.trials * 10.5)   # room for 10 sequences a trial
    small, mid = (TrialRun(get_preset(n)) for n in ("exp4_adding_T100", "exp2c_q500_p500"))
    assert mid.chunk_size == 10                                          # as many as fit ...
    assert mid.chunk_size * mid.K * one <= budget.DATA_BUDGET           # ... within the budget
    assert small.chunk_size == budget.CHUNK or budget.sequence_bytes(small.preset) < one
    monkeypatch.setattr(budget, "DATA_BUDGET", 1.0)
    assert TrialRun(get_preset("exp2c_q500_p500")).chunk_size == 1      # never fewer than one


@pytest.mark.parametrize("engine_name", ["numpy", "numba"])
def test_one_hot_inputs_are_held_as_indices_so_the_alphabet_size_costs_no_memory(engine_name, monkeypatch):
    from lstm_core import nets
    if engine_name == "numba" and not nets.engine.numba_available():
        pytest.skip("numba is not installed")
    monkeypatch.setenv("LAB_ENGINE", engine_name)
    q50, q1000 = TrialRun(get_preset("exp2c_q50_p50")), TrialRun(get_preset("exp2c_q1000_p1000"))
    q1000.advance(1)
    assert q1000.chunk["x"] is None and q1000.chunk["sym"].ndim == 3       # (K, N, T) indices, no (T, 1004) rows
    per_step = [budget.step_bytes(r.preset.task, r.preset.task_options) for r in (q50, q1000)]
    assert per_step[1] == per_step[0]                                     # bytes per step, whatever the alphabet
    assert q1000.chunk_size == q50.chunk_size == budget.CHUNK


@pytest.mark.parametrize("name", ["exp2c_q1000_p1000", "exp2c_q200_p200", "exp2b_lstm_p100", "exp4_adding_T1000"])
def test_batch_sizes_depend_on_the_preset_only_so_a_trial_sees_the_same_data_alone_or_with_others(name, monkeypatch):
    # generators draw other sequences for another batch size: sizes may depend on neither K nor the engine
    sizes = set()
    for engine_name in ("numpy", "numba"):
        monkeypatch.setenv("LAB_ENGINE", engine_name)
        for K in (1, 3, 20):
            run = TrialRun(get_preset(name), trials=K)
            sizes.add((run.chunk_size, budget.final_test_batch(run.preset)))
    assert len(sizes) == 1


def test_the_final_test_in_batches_adds_up_to_the_statistics_of_all_its_sequences(monkeypatch):
    from lstm_core.experiments.final_test import final_test
    preset = replace(QUICK, stop=replace(QUICK.stop, test_size=12))
    run = TrialRun(preset, trials=2, seed=3)
    run.advance(20)
    monkeypatch.setattr(budget, "DATA_BUDGET", budget.sequence_bytes(preset) * 5)   # batches 5, 5, 2; 1 trial each
    got = final_test(run, [0, 1])
    # the same sequences by hand: the test generators of a fresh run of the same seed, drawn 5 + 5 + 2
    fresh = TrialRun(preset, trials=2, seed=3)
    params = {k: v.copy() for k, v in run.params.items()}
    parts = []
    for m in (5, 5, 2):
        data = criteria.stack([budget.draw(preset, fresh.test_rngs[k], m) for k in (0, 1)])
        parts.append((m, criteria.test_report(preset.stop, run.learner.predict(params, data["x"]), data)))
    for i in (0, 1):
        assert got[i]["n"] == 12 and got[i]["wrong"] == sum(r["wrong"][i] for _, r in parts)
        for key in ("mse", "mae"):
            assert got[i][key] == pytest.approx(sum(m * r[key][i] for m, r in parts) / 12, rel=1e-12)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_tasks_analytic_sequence_size_equals_the_size_of_the_sequences_it_draws(name):
    preset = get_preset(name)
    b = budget.draw(preset, np.random.default_rng(0), 64)
    x = b.symbols if b.by_symbol else b.x          # one-hot tasks are held as symbol indices (both engines)
    held = sum(a.nbytes for a in (x, b.y, b.has_target, b.legal, b.y_clean) if a is not None)
    assert held == budget.step_bytes(preset.task, preset.task_options) * b.B * b.T
    longest = budget.long_length(preset.task, preset.task_options)
    lengths = budget.draw(preset, np.random.default_rng(1), 500).lengths
    if preset.task in ("lag_2c", "reber", "embedded_reber"):     # geometric tails: about 1 in 10^4 is longer
        assert (lengths > longest).mean() < 0.01
    else:                                                        # bounded: the longest is reached, never passed
        assert lengths.max() == longest


def test_every_task_has_its_sizes():
    from lstm_core.experiments.sizing import LAYER_SIZES
    assert set(budget.LONG_LENGTH) == set(LAYER_SIZES) == set(TASKS)


def test_the_exp1_success_test_tried_on_a_few_strings_first_gives_the_verdict_of_all_of_them():
    from lstm_core.experiments.stop_rules import REBER_PROBE, doubling_parts, reber_all_sets
    run = TrialRun(PRESETS["classroom_exp1_reber"], trials=4, seed=1)
    train, test = run.eval_sets
    for s in (train, test):                           # legal = every symbol: any output passes (no illegal one)
        s["legal"][:] = True
    y_out = [run.learner.predict(run.params, None, s["sym"], s["lengths"]) for s in (train, test)]
    last = test["lengths"].shape[1] - 1
    for s, y, k, b in ((train, y_out[0], 1, REBER_PROBE + 100), (test, y_out[1], 2, 3), (test, y_out[1], 3, last)):
        s["legal"][k, b, 0] = np.arange(7) == np.argmin(y[k, b, 0])   # trial 1 fails a string after the probe,
    got = reber_all_sets(run, np.arange(4), run.params)                # trial 2 one within it, trial 3 the last
    whole = np.logical_and(*[criteria.reber_all_correct(y, s["legal"], s["has_target"])
                             for y, s in zip(y_out, (train, test))])
    assert got.tolist() == whole.tolist() == [True, False, False, False]
    act = np.array([3, 0])
    assert reber_all_sets(run, act, take_trials(run.params, act)).tolist() == [False, True]
    for n in (1, 16, 17, 256, 500):
        parts = doubling_parts(n, REBER_PROBE)
        assert np.concatenate([np.arange(n)[p] for p in parts]).tolist() == list(range(n))
        assert parts[0] == slice(0, min(n, REBER_PROBE)) and all(p.stop - p.start > 0 for p in parts)


@pytest.mark.parametrize("preset", ["exp3a_T100_N3", "exp3b_T100_N1"])
def test_the_exp3_stopping_test_tried_on_a_few_sequences_first_gives_the_verdict_of_the_whole_set(preset):
    from lstm_core.experiments.stop_rules import ST_PROBE, st2_on_set
    run = TrialRun(PRESETS[preset], trials=4, seed=3)
    data = run.eval_sets[0]
    y_out = run.learner.predict(run.params, data["x"], data.get("sym"), data["lengths"])
    t_end = criteria.last_target_step(data["has_target"])[..., None, None]
    end = np.take_along_axis(y_out, t_end, -2)
    np.put_along_axis(data["y_ref"], t_end, end + 0.005, -2)   # every trial: right, mean |error| 0.005 (ST2)
    wrong = run.rule.st1_max_wrong + 1
    for k, first in ((1, ST_PROBE + 7), (2, 3), (3, ST_PROBE - wrong // 2)):
        for b in range(first, first + wrong):                   # trial 1 fails after the probe, 2 within it,
            idx = (k, b, t_end[k, b, 0, 0])                     # 3 across its end
            data["y_ref"][idx] = end[k, b, 0] + 1.0
    got = st2_on_set(run, np.arange(4), run.params)
    err, correct = criteria.sequence_scores(run.rule, y_out, data["y_ref"], data["has_target"])
    whole = ((~correct).sum(1) <= run.rule.st1_max_wrong) & (err.mean(1) < run.rule.st2_mae)
    assert got.tolist() == whole.tolist() == [True, False, False, False]
    assert [r.st1_at for r in run.results] == [run.seen, None, None, None]
    for act in ([0, 2], [3, 0], [1]):                           # some trials active: each tested on its own set
        act = np.array(act)
        assert st2_on_set(run, act, take_trials(run.params, act)).tolist() == whole[act].tolist()


def test_the_exp3_fresh_stopping_test_draws_a_new_set_at_every_check_from_each_trials_own_generator():
    from lstm_core.experiments.stop_rules import _st_set
    fresh = replace(PRESETS["exp3a_T100_N3"], stop=replace(PRESETS["exp3a_T100_N3"].stop, st_test_fresh=True))
    run = TrialRun(fresh, trials=3, seed=3)
    assert run.eval_sets == []                                    # no fixed set is drawn
    (first, rows), (second, _) = _st_set(run, np.array([0, 2])), _st_set(run, np.array([0, 2]))
    assert first["x"].shape[:2] == (2, fresh.stop.st_test_size) and rows.tolist() == [0, 1]
    assert not np.array_equal(first["lengths"], second["lengths"])     # a new set at every check
    other = TrialRun(fresh, trials=3, seed=3)
    alone, _ = _st_set(other, np.array([2]))                      # trial 2's first set, drawn without trial 0's
    np.testing.assert_array_equal(alone["lengths"][0], first["lengths"][1])
    T = alone["x"].shape[2]
    np.testing.assert_array_equal(alone["x"][0], first["x"][1][:, :T])
    with pytest.raises(ValueError, match="st_test_fresh"):
        StopRule("st3", st_test_fresh=True)


def test_a_run_with_fresh_stopping_tests_stops_and_its_trial_0_is_the_same_alone():
    small = get_preset("classroom_exp3a_T20_N3")
    fresh = replace(small, stop=replace(small.stop, st_test_fresh=True, max_sequences=12_000))
    together = TrialRun(fresh, trials=3, seed=0)
    for _ in together.advance_iter(1000):
        pass
    alone = TrialRun(fresh, trials=1, seed=0)
    for _ in alone.advance_iter(1000):
        pass
    assert together.result()["successes"] >= 1, "the T=20 classroom task solves within 12,000"
    assert together.results[0].solved == alone.results[0].solved
    assert together.result()["sequences_to_success"][0] == alone.result()["sequences_to_success"][0]
    for name in alone.params:
        np.testing.assert_array_equal(together.params[name][0], alone.params[name][0])


def test_the_rings_keep_the_streak_and_wrong_count_the_kernels_read():
    from lstm_core.experiments.rings import Rings
    from lstm_core.nets.kernels_score import ring_counts
    rings, rng = Rings(3, 5), np.random.default_rng(0)
    assert rings.counts[:, 1].tolist() == [5, 5, 5]                  # empty rings: every slot counts as wrong
    for seen in range(1, 13):
        correct = rng.random(3) < 0.7
        rings.record(np.arange(3), rng.random(3), correct, seen)
        assert rings.counts.tolist() == ring_counts(rings.streak, rings.ok).tolist()
