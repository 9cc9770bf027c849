"""Bounded server memory per student (issue 14): the server holds what a job shows, never its task data.

Exp 1 at 30 trials used to cost the server ~140 MB per job (training and test sets of every trial),
kept while queued and stopped; a stopped Exp 2c q = 1000 job sent a 253 MB data chunk back.
"""

from __future__ import annotations

import gc
import os
import pickle

from lab.job_queue import JobManager
from lab.job_worker import Spec, first_weights
from lab.jobs import Job
from lstm_core.experiments import PRESETS, budget
from lstm_core.experiments.train import TrialRun
from tests.jobtools import GUARD, wait_for

HEAVY = PRESETS["exp1_3x2_lr0.5"]          # 30 trials of embedded Reber strings with their sets
MB = 1 << 20
SESSIONS = 8
PER_SESSION_MB = 5.0


def _rss() -> float:
    gc.collect()
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_n_sessions_training_or_queued_grow_the_server_by_a_few_mb_each():
    warm = Job(HEAVY, trials=30, chunk=10)                 # imports, first allocations: not counted
    warm.start()
    wait_for(lambda: warm.trained() is not None, "the warm-up job's first state")
    warm.stop()
    assert warm.join(GUARD)
    base = _rss()
    manager = JobManager(capacity=1)
    jobs = [Job(HEAVY, trials=30, seed=s, chunk=10) for s in range(SESSIONS)]
    try:
        for j in jobs:
            manager.submit(j, client=f"session-{j.id}")
        wait_for(lambda: jobs[0].trained() is not None, "the running job's first state")
        during = _rss()
        for j in jobs:
            j.stop()
        for j in jobs:
            assert j.join(GUARD)
        stopped = _rss()                                          # stopped jobs keep their state: still small
    finally:
        manager.shutdown(GUARD)
    per_session = max(during, stopped) - base
    assert per_session / SESSIONS < PER_SESSION_MB * MB, (
        f"{per_session / SESSIONS / MB:.1f} MB per session (base {base / MB:.0f} MB)")


def test_the_state_sent_back_holds_no_task_data_and_a_restored_run_trains_on_as_the_original():
    run = TrialRun(HEAVY, trials=30, seed=0)
    run.advance(run.chunk_size)                  # at the end of its pre-drawn sequences: the next ones are drawn
    state = run.state()
    held = budget.sequence_bytes(HEAVY) * run.chunk_size * run.K   # the pre-drawn chunk alone (the sets come on top)
    assert len(pickle.dumps(state, protocol=5)) < min(2 * MB, held / 10)
    again = TrialRun(HEAVY, trials=30, seed=0)
    again.restore(state)
    assert again.seen == run.seen and (again.active == run.active).all() and again.checkpoints == []
    run.advance(5)
    again.advance(5)
    assert again.result() == {**run.result(), "seconds": again.elapsed}
    for name in run.params:
        assert (again.params[name] == run.params[name]).all()


def test_the_first_checkpoint_the_server_draws_is_the_runs_own():
    for name, trials in (("exp1_3x2_lr0.5", 3), ("classroom_exp4_adding_T20", 1), ("baseline_rnn_adding_T20", 2)):
        preset = PRESETS[name]
        run = TrialRun(preset, trials=trials, seed=7, checkpoint_trial=trials - 1)
        got = first_weights(Spec(preset, trials=trials, seed=7, checkpoint_trial=trials - 1))
        for k, v in run.checkpoints[0][1].items():
            assert (got[k] == v).all(), (name, k)
