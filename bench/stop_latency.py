"""Reconnects and Stop latency: what a class's flaky Wi-Fi and impatient Stop buttons do to the job server.

::

    python -m bench.stop_latency [--sessions 12] [--preset exp2c_q1000_p1000] [--trials 30] [--json]
    python -m bench.classroom --scenario stop ...              # the same

Drives the server side of the Experiments page's jobs in this process, as the app does
(:class:`ui.session_job.Registry` keyed by session token, one :class:`~lab.job_queue.JobManager`,
process workers), without a browser: N sessions each start a job of a heavy preset; then each
session's connection drops for ``--gap`` seconds (no poll; the registry's ttl is longer), the
session comes back and its job is checked (a job that stopped, failed or went back in progress
is a run lost on reconnect); then every session presses Stop, and the time until its job is
idle (status final, worker child gone) is taken; finally every session goes away and the
registry's ttl passes.

Prints: p50 / p95 / max Stop-to-idle (target < 1 s), runs lost on reconnect (target 0), the
server's RSS per training session (target <= 10 MB) and after all close (target within 10 % of
idle). A benchmark: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np

from bench.procs import status_kb
from lab.job_queue import JobManager
from lab.jobs import Job
from lstm_core.experiments import get_preset


def rss_mb() -> float:
    """Resident memory of this process (the job server), in MB."""
    return status_kb(os.getpid(), "VmRSS") / 1024


def children_alive(job: Job) -> bool:
    return job.worker is not None and job.worker.alive


def _wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


def run(sessions: int, preset_name: str, options: dict, trials: int, gap: float, capacity: int,
        warm: float) -> dict:
    from ui.session_job import Handle, Registry

    preset = get_preset(preset_name)
    if options:
        preset = replace(preset, task_options={**preset.task_options, **options})
    clock_offset = [0.0]
    registry = Registry(ttl=300, clock=lambda: time.monotonic() + clock_offset[0])
    manager = JobManager(capacity=capacity, max_queue=10 * sessions, per_client=2)
    Job(preset, trials=trials)                         # warm-up: imports and first allocations are not per session
    import gc
    gc.collect()
    idle = rss_mb()
    tokens = [f"student-{i}" for i in range(sessions)]
    jobs = {}
    for t in tokens:
        holder = registry.holder(t)
        job = Job(preset, trials=trials, seed=len(jobs), budget_s=1800)
        holder.handles["lstm"] = Handle(job, "LSTM", preset, 0, trials)
        manager.submit(job, client=t)
        jobs[t] = job
    _wait(lambda: all(j.snapshot().progress.sequences > 0 or j.trained() is not None
                      for j in jobs.values() if j.status == "running"), warm + 120)
    time.sleep(warm)
    busy = rss_mb()
    # the connections drop: nobody polls for `gap` seconds (simulated on the registry's clock) ...
    before = {t: (j.status, j.snapshot().progress.sequences) for t, j in jobs.items()}
    clock_offset[0] += gap
    registry.sweep()
    time.sleep(0.5)
    # ... and come back
    lost = 0
    for t in tokens:
        h = registry.holder(t).handles.get("lstm")
        j = jobs[t]
        st, seq = before[t]
        if h is None or h.job is not j or j.status in ("failed",) or (st == "running" and j.status == "stopped") \
                or j.snapshot().progress.sequences < seq:
            lost += 1
            print(f"lost on reconnect: {t} was {st} at {seq:,} sequences, is {j.status} at "
                  f"{j.snapshot().progress.sequences:,} {j.snapshot().error}", file=sys.stderr)
    # every session presses Stop: the running ones are timed
    latencies = []
    for t in tokens:
        j = jobs[t]
        was_running = j.status == "running"
        t0 = time.monotonic()
        j.stop()
        _wait(lambda j=j: j.snapshot().finished and not children_alive(j) and not j.alive, 60)
        if was_running:
            latencies.append(time.monotonic() - t0)
    resumable = sum(1 for j in jobs.values() if j.snapshot().status == "stopped")
    # the sessions go away: the ttl passes without a poll
    clock_offset[0] += registry.ttl + 1
    registry.sweep()
    registry.close()
    manager.shutdown(10)
    jobs.clear()
    del h, j                               # the loops' last references
    gc.collect()
    try:                                            # give freed heap back to the system, as a long-lived server would
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    time.sleep(0.5)
    closed = rss_mb()
    lat = np.array(latencies) if latencies else np.array([np.nan])
    return {"sessions": sessions, "preset": preset.name, "task_options": dict(preset.task_options),
            "trials": trials, "capacity": capacity, "stops_timed": len(latencies),
            "stop_to_idle_p50_s": float(np.percentile(lat, 50)), "stop_to_idle_p95_s": float(np.percentile(lat, 95)),
            "stop_to_idle_max_s": float(lat.max()), "runs_lost_on_reconnect": lost, "stopped_resumable": resumable,
            "rss_idle_mb": idle, "rss_busy_mb": busy, "rss_per_session_mb": (busy - idle) / sessions,
            "rss_after_close_mb": closed, "rss_after_close_vs_idle": closed / idle - 1}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.stop_latency", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--preset", default="exp2c_q1000_p1000")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=INT", help="task option, e.g. p=1000")
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--gap", type=float, default=120.0, help="seconds a connection is gone (registry clock)")
    ap.add_argument("--capacity", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--warm", type=float, default=3.0, help="seconds of training before the drop")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    opts = {}
    for pair in args.set:
        k, _, v = pair.partition("=")
        opts[k] = int(v)
    r = run(args.sessions, args.preset, opts, args.trials, args.gap, args.capacity, args.warm)
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{r['sessions']} sessions, {r['preset']} {r['task_options']} x {r['trials']} trials, "
          f"{r['capacity']} workers")
    print(f"  Stop to idle (running jobs, n={r['stops_timed']}): p50 {r['stop_to_idle_p50_s']:.2f} s, "
          f"p95 {r['stop_to_idle_p95_s']:.2f} s, max {r['stop_to_idle_max_s']:.2f} s   (target p95 < 1 s)")
    print(f"  runs lost on reconnect: {r['runs_lost_on_reconnect']}   (target 0); stopped and resumable: "
          f"{r['stopped_resumable']}")
    print(f"  server RSS: idle {r['rss_idle_mb']:.0f} MB, busy {r['rss_busy_mb']:.0f} MB = "
          f"{r['rss_per_session_mb']:.2f} MB per session (target <= 10), after all close {r['rss_after_close_mb']:.0f}"
          f" MB ({100 * r['rss_after_close_vs_idle']:+.1f} % of idle; target within 10 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
