"""What one page run costs the server, in CPU seconds: the figure behind the classroom's burst.

::

    python -m bench.page_cost [--reps 8] [--profile DIR] [--json]

Starts ``streamlit run app.py`` (:mod:`bench.server`), warms it up with one visit,
then plays ``--reps`` students one after the other, each a fresh websocket session
(:mod:`bench.ws_client`): Overview by URL, Vanishing gradient and Experiments through the
sidebar (a *first* run of the page in that session), then one plain rerun of Experiments (what
any widget change costs). The last student also presses "Train live" and the live panel's
fragment reruns are measured while the job trains.

Per run, the server's CPU seconds (all its threads: ``/proc/<pid>/stat`` utime + stime; the
clock tick is 10 ms, hence the repetitions and the mean) are reported as mean and minimum.
CPU time, not wall time: the figure holds on a busy box. While a job trains its thread is in the
server too, so fragment reruns are measured by their own thread's CPU time instead (only
with ``--profile``, which runs :mod:`bench.profiled_server` and keeps one cProfile file per
run in DIR; read them with ``python -m pstats``).

With ~30 requests in flight in one interpreter, a page's latency is about 30 times its CPU
cost: the 3 s target of the burst needs ≈ 0.1 s of server CPU per page run or less.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import signal
import sys
import time
from pathlib import Path

import numpy as np

from bench.procs import cpu_seconds
from bench.server import STREAMLIT, serve_app
from bench.ws_client import StreamlitClient


def server_env(profile: Path | None, cpu_only: bool = False) -> tuple[tuple[str, ...], dict[str, str]]:
    """How app.py is run (plain, or by :mod:`bench.profiled_server`) and the environment that goes with it."""
    if not profile:
        return STREAMLIT, {}
    return ("-m", "bench.profiled_server"), {"LAB_PROFILE_DIR": str(profile),
                                             "LAB_PROFILE_CPU_ONLY": "1" if cpu_only else "0"}


async def _measure(pid: int, costs: dict[str, list[float]], name: str, call) -> object:
    c0, t0 = cpu_seconds(pid), time.monotonic()
    run = await call
    await asyncio.sleep(0.05)                       # let the event loop finish sending
    costs.setdefault(name, []).append(cpu_seconds(pid) - c0)
    costs.setdefault(f"{name} (wall)", []).append(time.monotonic() - t0)
    if run.status != "ok" or run.errors:
        raise RuntimeError(f"{name}: {run.status} {run.errors[:2]}")
    costs.setdefault(f"{name} (kB sent)", []).append(run.nbytes / 1000)
    return run


async def play(url: str, pid: int, reps: int, train: bool,
               busy_jobs: int = 0) -> tuple[dict[str, list[float]], list[str]]:
    costs: dict[str, list[float]] = {}
    order: list[str] = []                          # the name of every script run, in order (for the profiles)
    trainers = []
    for _ in range(busy_jobs):                     # other sessions whose jobs train meanwhile (tabs left open)
        c = await StreamlitClient(url).__aenter__()
        await c.open("experiments")
        await c.click("Train live")
        order.extend(["busy", "busy"])
        trainers.append(c)
    try:
        await _students(url, pid, reps, train, costs, order)
    finally:
        for c in trainers:
            await c.close()
    return costs, order


async def _students(url: str, pid: int, reps: int, train: bool, costs: dict, order: list[str]) -> None:
    for rep in range(reps):
        async with StreamlitClient(url) as c:
            await _measure(pid, costs, "overview", c.open(""))
            order.append("overview")
            for page in ("vanishing_gradient", "experiments"):
                await _measure(pid, costs, page, c.navigate(page))
                order.append(page)
            await _measure(pid, costs, "experiments rerun", c.rerun())
            order.append("experiments rerun")
            if train and rep == reps - 1:
                await _measure(pid, costs, "train live click", c.click("Train live"))
                order.append("train live click")
                for _ in range(10):
                    await asyncio.sleep(1.0)
                    run = await c.rerun_fragment()
                    if run is None:
                        break
                    order.append("fragment rerun")


def thread_costs(profile: Path, order: list[str]) -> dict[str, list[float]]:
    """Each run's own CPU time from its profile (run-<n>.prof, in the order the runs ended)."""
    out: dict[str, list[float]] = {}
    files = sorted([*profile.glob("run-*.prof"), *profile.glob("run-*.cpu")], key=lambda p: int(p.stem.split("-")[1]))
    files = files[len(files) - len(order):]         # the warm-up's runs come first
    for name, f in zip(order, files):
        cpu = float(f.read_text()) if f.suffix == ".cpu" else pstats.Stats(str(f)).total_tt
        out.setdefault(name, []).append(cpu)
    return out


def _stats(costs: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {k: {"mean": round(float(np.mean(v)), 4), "min": round(min(v), 4), "n": len(v)} for k, v in costs.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.page_cost", description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--profile", type=Path, default=None, help="keep one cProfile file per script run here")
    ap.add_argument("--cpu-only", action="store_true",
                    help="with --profile: only each run's thread CPU time, without the profiler's overhead")
    ap.add_argument("--busy-jobs", type=int, default=0,
                    help="first start this many jobs from other sessions: pages measured while they train")
    ap.add_argument("--no-train", action="store_true", help="do not press Train live at the end")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    load = round(os.getloadavg()[0], 2)
    runner, env = server_env(args.profile, args.cpu_only)
    with serve_app(runner=runner, env=env) as (url, proc):
        asyncio.run(play(url, proc.pid, 1, False))              # imports and caches: a warm server
        if args.profile:
            os.kill(proc.pid, signal.SIGUSR2)                      # the event loop's profile starts now
            time.sleep(0.2)
        costs, order = asyncio.run(play(url, proc.pid, args.reps, not args.no_train, args.busy_jobs))
        if args.profile:
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(1.0)
    result = {"load_before": load, "reps": args.reps, "busy_jobs": args.busy_jobs, "server_cpu_s": _stats(costs)}
    if args.profile:
        result["thread_cpu_s"] = _stats(thread_costs(args.profile, order))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"load average before: {load}; {args.reps} students, one after the other")
    for key in ("server_cpu_s", "thread_cpu_s"):
        if key in result:
            print(f"{key}: mean / min (n)")
            for name, s in result[key].items():
                print(f"  {name:<34}{s['mean']:>8.3f}{s['min']:>8.3f}  ({s['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
