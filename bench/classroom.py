"""A class of N students on one server: first-render times, job start waits, memory, threads, errors.

::

    python -m bench.classroom --students 30 [--clients ws|browser] [--json] [--port P] [--duration S]

Starts ``streamlit run app.py`` headless on a loopback port, then drives N sessions at once.
``--clients ws`` (the default): each student is a websocket client speaking Streamlit's own
protocol (:mod:`bench.ws_client`), no browser; cheap enough that the figures are the
server's. ``--clients browser``: one Debian chromium, one Playwright context per student,
the real frontend; on a small box the browser eats the CPU and the figures are its. Each student
opens the Overview, goes to the Vanishing-gradient page through the sidebar, presses the
animation's ▶ Play, goes to Experiments (pressing ▶ Play there too if a trained run is
shown); every second student presses "▶ Train live" and watches the status line until
the job trains (queued jobs wait: their queue position is shown meanwhile). Sessions stay
open until ``--duration`` seconds after the start, then close together; the script then
waits ``--linger`` seconds and counts the server's threads and child processes again: job
threads and training worker processes must be gone (on_release stops a closed session's jobs).

First render of a page = from the navigation (``goto`` or sidebar click) until the page's
title is shown, the script has finished running and nothing is stale (ws clients: from the
``rerun_script`` message until ``script_finished``, with the title's heading, and the
figure's ``plotly_chart`` element, among the deltas; ▶ Play is a browser-side animation
and is not pressed). Job start wait =
from the click on "Train live" until the status line says the job trains (or has finished).

Memory: VmRSS of the server and its child processes, sampled every 0.5 s (psutil is not
used), and the server's VmHWM. Threads: entries of ``/proc/<pid>/task`` of the server,
against a baseline taken on the idle server after one warm-up visit. A benchmark, not a
test: it prints figures and exits 0; it stops by itself and always cleans up its server
and browser (also on errors and Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import numpy as np

from bench.procs import Sampler, descendants, rss_mb, status_kb, thread_count
from bench.server import serve_app
from bench.students import PAGES, RENDER_TIMEOUT_S, Student


def _stats(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "median": None, "p95": None, "max": None}
    a = np.asarray(values)
    return {"n": len(a), "median": round(float(np.median(a)), 3), "p95": round(float(np.percentile(a, 95)), 3),
            "max": round(float(a.max()), 3)}


def summarise(students: list[Student], duration: float) -> dict:
    # a page not drawn in time counts as RENDER_TIMEOUT_S (a lower bound) and is counted apart
    pages = {name: _stats([s.render_s[name] for s in students if name in s.render_s]
                          + [RENDER_TIMEOUT_S for s in students if name in s.timeouts]) for name, *_ in PAGES}
    timeouts = {name: sum(name in s.timeouts for s in students) for name, *_ in PAGES}
    trainers = [s for s in students if s.train]
    waits = [s.job_wait_s for s in trainers if s.job_wait_s is not None]
    queued = [s for s in trainers if s.queue_positions]
    p95s = [p["p95"] for p in pages.values() if p["p95"] is not None]
    out = {"students": len(students), "duration_s": duration,
           "first_render_s_p95": max(p95s) if p95s else None,
           **{f"{name}_first_render_s_{k}": v[k] for name, v in pages.items() for k in ("median", "p95", "n")},
           **{f"{name}_first_render_timeouts": t for name, t in timeouts.items()},
           "animations_played": sum(s.played for s in students),
           "jobs_requested": len(trainers), "jobs_started": len(waits),
           "jobs_queued_seen": len(queued),
           "max_queue_position": max((max(s.queue_positions) for s in queued), default=0),
           "job_start_wait_s_median": _stats(waits)["median"], "job_start_wait_s_p95": _stats(waits)["p95"],
           "job_start_wait_s_max": _stats(waits)["max"]}
    out["external_hosts_failed"] = sorted(set().union(*(s.external for s in students)))
    out["errors"] = [e for s in students for e in s.errors]
    return out


def _print_table(r: dict) -> None:
    print(f"{r['students']} students ({r['clients']} clients), {r['duration_s']:.0f} s in class, {r['cpus']} CPUs "
          f"(load average {r['load_before']} before the run)")
    print(f"{'page':<22}{'n':>4}{'median s':>10}{'p95 s':>8}{'timeouts':>10}")
    for name, *_ in PAGES:
        print(f"{name:<22}{r[f'{name}_first_render_s_n']:>4}{r[f'{name}_first_render_s_median'] or float('nan'):>10.2f}"
              f"{r[f'{name}_first_render_s_p95'] or float('nan'):>8.2f}{r[f'{name}_first_render_timeouts']:>10}")
    print(f"first render p95 (worst page): {r['first_render_s_p95']} s")
    print(f"jobs: {r['jobs_started']} of {r['jobs_requested']} started; {r['jobs_queued_seen']} were queued "
          f"(max position {r['max_queue_position']}); start wait median {r['job_start_wait_s_median']} s, "
          f"p95 {r['job_start_wait_s_p95']} s, max {r['job_start_wait_s_max']} s")
    print(f"server memory: idle {r['idle_rss_mb']} MB, peak {r['peak_rss_mb']} MB (VmHWM {r['server_vmhwm_mb']} MB), "
          f"{r['rss_after_close_mb']} MB after close")
    print(f"server threads: baseline {r['threads_baseline']}, peak {r['threads_peak']}, "
          f"{r['threads_after_close_total']} {r['linger_s']:.0f} s after close "
          f"(extra over baseline: {r['threads_after_close']})")
    print(f"server child processes (training workers): baseline {r['processes_baseline']}, peak "
          f"{r['processes_peak']}, {r['processes_after_close_total']} after close "
          f"(extra over baseline: {r['processes_after_close']})")
    print(f"CPU during the run: server {r['server_cpu_s']} s ({100 * r['server_cpu_share']:.0f}% of the box), "
          f"browser {r['browser_cpu_s']} s, this script {r['bench_cpu_s']} s, "
          f"over {r['wall_s']} s of wall time on {r['cpus']} CPUs")
    print(f"animations played: {r['animations_played']}; resources of other hosts that failed to load "
          f"(offline): {', '.join(r['external_hosts_failed']) or 'none'}")
    print(f"errors: {len(r['errors'])}")
    for e in r["errors"][:20]:
        print(f"  {e}")


def _class_on(url: str, proc, run_class, args) -> dict:
    """Warm the server up, take its idle figures, run the class, wait ``args.linger`` s, take them again."""
    asyncio.run(run_class(url, 1, 0.0, 0.0, warmup=True))     # imports, caches: a warm server
    time.sleep(3)
    baseline, idle_rss = thread_count(proc.pid), rss_mb(proc.pid)
    children = len(descendants(proc.pid)) - 1
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        t_start, own_cpu = time.monotonic(), sum(os.times()[:2])
        students = asyncio.run(run_class(url, args.students, args.duration, args.ramp))
        own_cpu = sum(os.times()[:2]) - own_cpu
        time.sleep(args.linger)
    finally:
        sampler.halt()
    after = thread_count(proc.pid)
    children_after = len(descendants(proc.pid)) - 1
    result = summarise(students, args.duration)
    result.update(cpus=os.cpu_count(), linger_s=args.linger,
                  idle_rss_mb=round(idle_rss, 1), peak_rss_mb=round(sampler.peak_rss, 1),
                  server_vmhwm_mb=round(status_kb(proc.pid, "VmHWM") / 1024, 1),
                  rss_after_close_mb=round(rss_mb(proc.pid), 1), threads_baseline=baseline,
                  threads_peak=int(sampler.peak_threads), threads_after_close_total=after,
                  threads_after_close=max(0, after - baseline), server_alive=proc.poll() is None,
                  wall_s=round(time.monotonic() - t_start, 1), clients=args.clients,
                  bench_cpu_s=round(own_cpu, 1), processes_baseline=children,
                  processes_peak=sampler.peak_children, processes_after_close_total=children_after,
                  processes_after_close=max(0, children_after - children))
    result["server_cpu_s"], result["browser_cpu_s"] = sampler.cpu_split()
    result["server_cpu_share"] = round(result["server_cpu_s"] / (result["wall_s"] * os.cpu_count()), 3)
    return result


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if "--scenario" in argv:                   # python -m bench.classroom --scenario stop: reconnects + Stop latency
        k = argv.index("--scenario")
        if argv[k + 1:k + 2] == ["stop"]:
            from bench.stop_latency import main as stop_main
            return stop_main(argv[:k] + argv[k + 2:])
    ap = argparse.ArgumentParser(prog="python -m bench.classroom", description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--duration", type=float, default=180.0, help="seconds the sessions stay open (from the start)")
    ap.add_argument("--ramp", type=float, default=3.0, help="students arrive spread over this many seconds")
    ap.add_argument("--linger", type=float, default=30.0, help="seconds after close before threads are counted")
    ap.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    ap.add_argument("--clients", choices=("ws", "browser"), default="ws",
                    help="students as websocket clients of Streamlit's protocol (default) or as chromium tabs")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    if args.clients == "ws":
        from bench.ws_client import drive_ws as run_class
    else:
        from bench.browser_client import drive_browser as run_class
    load_before = round(os.getloadavg()[0], 2)
    try:
        with serve_app(args.port) as (url, proc):
            result = _class_on(url, proc, run_class, args)
    except KeyboardInterrupt:
        print("interrupted: server and browser stopped", file=sys.stderr)
        return 130
    result["load_before"] = load_before
    if args.json:
        print(json.dumps(result))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
