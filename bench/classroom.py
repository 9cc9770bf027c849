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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HOST = "127.0.0.1"
# (url path, text of its title, has a main figure that must be drawn)
PAGES = [("overview", "Long Short-Term Memory", False), ("vanishing_gradient", "Vanishing gradient", True),
         ("experiments", "Experiments", True)]
RENDER_TIMEOUT_S = 120.0  # one page; also the wait for a ▶ Play button
HARD_MARGIN_S = 300.0     # past --duration, unfinished students are cancelled
STARTED = ("LSTM: Training", "LSTM: Done", "LSTM: Stopped")

# the page is drawn: connected, script finished, title (and a Plotly figure) shown, nothing stale
_RENDERED_JS = """([title, figure]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED')
        return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    if (!h1 || !h1.innerText.includes(title)) return false;
    return !figure || !!document.querySelector('[data-testid="stMainBlockContainer"] .js-plotly-plot .main-svg');
}"""
_ALERTS_JS = "() => [...document.querySelectorAll('[data-testid=\"stAlert\"]')].map(e => e.innerText)"


# ----------------------------------------------------------------------------- the server, from outside


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", HOST, "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    env = {k: v for k, v in os.environ.items() if k != "LAB_SYNC_JOBS"}
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError("streamlit did not become healthy")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parents.items() if pp == p)
    return out


def rss_mb(pid: int) -> float:
    return sum(_status_kb(p, "VmRSS") for p in descendants(pid)) / 1024


def thread_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class Sampler(threading.Thread):
    """Samples the server's RSS and thread count every ``every`` seconds, and where the CPU goes:
    the server's processes against the browser's (every other process below this script)."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(name="bench-sampler", daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_threads = 0.0
        self.peak_children = 0      # processes below the server (training workers)
        self.cpu_start = {p: cpu_seconds(p) for p in descendants(os.getpid())}
        self.cpu_last: dict[int, float] = {}
        self.server_pids: set[int] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            self.peak_rss = max(self.peak_rss, rss_mb(self.pid))
            self.peak_threads = max(self.peak_threads, thread_count(self.pid))
            below = descendants(self.pid)
            self.server_pids.update(below)
            self.peak_children = max(self.peak_children, len(below) - 1)
            for p in descendants(os.getpid()):
                if p != os.getpid():
                    self.cpu_last[p] = cpu_seconds(p)

    def cpu_split(self) -> tuple[float, float]:
        """CPU seconds used during the sampling by (the server, the browser and its driver)."""
        used = {p: t - self.cpu_start.get(p, 0.0) for p, t in self.cpu_last.items()}
        server = sum(t for p, t in used.items() if p in self.server_pids)
        return round(server, 1), round(sum(used.values()) - server, 1)

    def halt(self) -> None:
        self._halt.set()
        self.join(5)


# ----------------------------------------------------------------------------- one student


@dataclass
class Student:
    index: int
    train: bool
    render_s: dict[str, float] = field(default_factory=dict)
    job_wait_s: float | None = None
    queue_positions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    played: int = 0
    timeouts: list[str] = field(default_factory=list)  # pages not drawn within RENDER_TIMEOUT_S
    external: set[str] = field(default_factory=set)   # other hosts the page tried to load from


async def _rendered(page, t0: float, student: Student, name: str, title: str, figure: bool) -> None:
    try:
        await page.wait_for_function(_RENDERED_JS, arg=[title, figure], timeout=RENDER_TIMEOUT_S * 1000, polling=100)
        student.render_s[name] = time.monotonic() - t0
    except Exception as exc:  # a timeout, or the browser went away
        student.timeouts.append(name)
        student.errors.append(f"student {student.index}: {name} not rendered ({type(exc).__name__})")


async def _play(page, student: Student, required: bool) -> None:
    """Press the first ▶ Play of a Plotly animation on the page."""
    button = page.locator("g.updatemenu-button").filter(has_text="Play")
    try:
        await button.first.wait_for(timeout=RENDER_TIMEOUT_S * 1000 if required else 5_000)
    except Exception:
        if required:
            student.errors.append(f"student {student.index}: no ▶ Play button on the page")
        return
    await button.first.click(timeout=30_000)
    student.played += 1


async def _watch_job(page, student: Student, until: float) -> None:
    t0 = time.monotonic()
    await page.get_by_role("button", name="Train live").click(timeout=30_000)
    while time.monotonic() < until:
        texts = await page.evaluate(_ALERTS_JS)
        for text in texts:
            flat = " ".join(text.split())
            if "position" in flat and "queue" in flat:
                digits = flat.split("position", 1)[1].split()[0].strip(".")
                if digits.isdigit():
                    student.queue_positions.append(int(digits))
            if any(flat.startswith(s) for s in STARTED):
                student.job_wait_s = time.monotonic() - t0
                return
            if flat.startswith("LSTM: Training failed"):
                student.errors.append(f"student {student.index}: {flat[:200]}")
                return
        await asyncio.sleep(0.5)


def _console(student: Student, msg) -> None:
    """A console error counts, unless it is a resource of another host (the sandbox is offline)."""
    if msg.type != "error":
        return
    where = (msg.location or {}).get("url", "")
    if where and not where.startswith(f"http://{HOST}"):
        student.external.add(where.split("/")[2] if "//" in where else where)
        return
    student.errors.append(f"student {student.index}: console error: {msg.text[:200]}")


async def run_student(browser, url: str, student: Student, delay: float, until: float) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        page.on("console", lambda m: _console(student, m))
        page.on("pageerror", lambda e: student.errors.append(f"student {student.index}: page error: {e}"[:300]))
        t0 = time.monotonic()
        await page.goto(f"{url}/", timeout=RENDER_TIMEOUT_S * 1000, wait_until="commit")   # not "load": see _rendered
        await _rendered(page, t0, student, *PAGES[0])
        for name, title, figure in PAGES[1:]:
            t0 = time.monotonic()
            await page.locator(f'[data-testid="stSidebarNav"] a[href$="/{name}"]').click(
                timeout=RENDER_TIMEOUT_S * 1000)
            await _rendered(page, t0, student, name, title, figure)
            await _play(page, student, required=name == "vanishing_gradient")
        if student.train:
            await _watch_job(page, student, until)
        for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
            for text in await page.locator(selector).all_inner_texts():
                student.errors.append(f"student {student.index}: {selector}: {text[:300]}")
        await asyncio.sleep(max(0.0, until - time.monotonic()))   # stay in class until the bell
    except Exception as exc:
        student.errors.append(f"student {student.index}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def drive(url: str, n: int, duration: float, ramp: float, warmup: bool = False) -> list[Student]:
    """Run the class; a student still busy at the hard deadline is cancelled and counted as an error."""
    from playwright.async_api import async_playwright

    students = [Student(i, train=(i % 2 == 1) and not warmup) for i in range(n)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            until = time.monotonic() + duration
            await run_class(students, lambda s, delay: run_student(browser, url, s, delay, until), duration, ramp)
        finally:
            await browser.close()
    return students


async def run_class(students: list[Student], start, duration: float, ramp: float) -> None:
    """Start ``start(student, delay)`` for every student, arrivals spread over ``ramp`` seconds; a student
    still busy at the hard deadline is cancelled and counted as an error. Shared by both client kinds."""
    n = len(students)
    tasks = {asyncio.ensure_future(start(s, ramp * i / max(1, n - 1))): s for i, s in enumerate(students)}
    _, pending = await asyncio.wait(tasks, timeout=duration + HARD_MARGIN_S)
    for task in pending:
        tasks[task].errors.append(f"student {tasks[task].index}: still busy at the hard deadline "
                                  f"({duration + HARD_MARGIN_S:.0f} s); cancelled")
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)


# ----------------------------------------------------------------------------- figures


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
        run_class = drive
    port = args.port or free_port()
    url = f"http://{HOST}:{port}"
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryFile("w+") as log:
        proc = start_server(port, log)
        sampler = None
        try:
            wait_healthy(proc, url)
            asyncio.run(run_class(url, 1, 0.0, 0.0, warmup=True))     # imports, caches: a warm server
            time.sleep(3)
            baseline, idle_rss = thread_count(proc.pid), rss_mb(proc.pid)
            children = len(descendants(proc.pid)) - 1
            sampler = Sampler(proc.pid)
            sampler.start()
            t_start, own_cpu = time.monotonic(), sum(os.times()[:2])
            students = asyncio.run(run_class(url, args.students, args.duration, args.ramp))
            own_cpu = sum(os.times()[:2]) - own_cpu
            time.sleep(args.linger)
            sampler.halt()
            after = thread_count(proc.pid)
            children_after = len(descendants(proc.pid)) - 1
            result = summarise(students, args.duration)
            result.update(cpus=os.cpu_count(), load_before=load_before, linger_s=args.linger,
                          idle_rss_mb=round(idle_rss, 1), peak_rss_mb=round(sampler.peak_rss, 1),
                          server_vmhwm_mb=round(_status_kb(proc.pid, "VmHWM") / 1024, 1),
                          rss_after_close_mb=round(rss_mb(proc.pid), 1), threads_baseline=baseline,
                          threads_peak=int(sampler.peak_threads), threads_after_close_total=after,
                          threads_after_close=max(0, after - baseline), server_alive=proc.poll() is None,
                          wall_s=round(time.monotonic() - t_start, 1), clients=args.clients,
                          bench_cpu_s=round(own_cpu, 1), processes_baseline=children,
                          processes_peak=sampler.peak_children, processes_after_close_total=children_after,
                          processes_after_close=max(0, children_after - children))
            result["server_cpu_s"], result["browser_cpu_s"] = sampler.cpu_split()
            result["server_cpu_share"] = round(result["server_cpu_s"] / (result["wall_s"] * os.cpu_count()), 3)
        except KeyboardInterrupt:
            print("interrupted: server and browser stopped", file=sys.stderr)
            return 130
        finally:
            if sampler is not None:
                sampler.halt()
            stop_server(proc)
    if args.json:
        print(json.dumps(result))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
