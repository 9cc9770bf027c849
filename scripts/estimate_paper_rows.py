"""How long would each paper row take on this machine? Measure, estimate, write docs/reproduce.md.

    python -m scripts.estimate_paper_rows --measure              # every paper row (a few minutes)
    python -m scripts.estimate_paper_rows --measure exp1 exp6    # only rows whose name contains these
    python -m scripts.estimate_paper_rows                        # re-render the table from stored rates

Run from the repository root, under ``nice -n 19`` when measuring. For each paper preset a
short run of the trial loop (:class:`lstm_core.experiments.train.TrialRun`, the preset's own trial
count K, seed 0) is timed in CPU seconds (``time.process_time``) until ``--budget`` CPU
seconds have passed (and at least ``MIN_SEQUENCES`` sequences); the rate is training
sequences per second summed over the K trials, the stopping rule's evaluations included.
Rates are merged into ``docs/reproduce_rates.json``; the table between the markers in
``docs/reproduce.md`` is rewritten from those rates, the paper's numbers (the preset's
``paper`` dict) and our stored reproductions (``runs/results/*.json``).

Estimate for a row: trial-sequences = K x (s x mean + (1 - s) x cap), with s the paper's
success fraction (100 % where the row gives none), mean its "success after" and cap its
5,000,000-sequence limit; hours = trial-sequences / rate. It assumes our trials learn as
fast as the paper's; see docs/reproduce.md for how far that holds.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from lab.report import wall_text
from lstm_core.experiments import PRESETS
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun
from lstm_core.nets import engine
from ui.reproduce_table import computing_text

ROOT = Path(__file__).resolve().parent.parent
RATES = ROOT / "docs" / "reproduce_rates.json"
DOC = ROOT / "docs" / "reproduce.md"
RESULTS = ROOT / "runs" / "results"
START, END = "<!-- estimate-table:start -->", "<!-- estimate-table:end -->"


def paper_rows() -> list[Preset]:
    """The paper's rows, in table order."""
    return [p for p in PRESETS.values() if p.paper and not p.classroom]


def measure_rate(preset: Preset, budget: float = 5.0, min_sequences: int | None = None, seed: int = 0,
                 trials: int | None = None) -> dict:
    """CPU-timed training rate of ``preset`` at its own trial count (or ``trials``).

    At least ``min_sequences`` per trial are timed (default: two test-set evaluations for the
    rules that evaluate every ``eval_every`` sequences (Exp 1, Exp 3), else 10).

    Returns ``rate`` (trial-sequences per CPU second), ``sequences`` (per trial), ``cpu_seconds``, ``trials``.
    """
    if min_sequences is None:
        min_sequences = 2 * preset.stop.eval_every if preset.stop.kind in ("reber", "st12") else 10
    run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=10**9)), trials=trials, seed=seed)
    with engine.fixed_nets(engine.fixed_net_for(preset.stop.max_sequences)):   # as the sweep runs the row
        run.advance(2)                                # first data chunk, lazy set-up, compile
        n0, c0 = run.seen, time.process_time()
        step = 10
        while len(run.active) and (time.process_time() - c0 < budget or run.seen - n0 < min_sequences):
            run.advance(step)
        cpu = time.process_time() - c0
    # sequences x trials actually trained (trials that finished early no longer count)
    return {"rate": (run.seen - n0) * run.K / cpu, "sequences": run.seen - n0, "cpu_seconds": cpu,
            "trials": run.K, "active_at_end": len(run.active)}


def needed_trial_sequences(preset: Preset) -> tuple[float | None, int]:
    """(trial-sequences the paper's row implies, trial-sequences if every trial ran to the cap)."""
    paper, K, cap = preset.paper or {}, preset.trials, preset.stop.max_sequences
    s = paper.get("success_pct")
    s = 1.0 if s is None else s / 100
    mean = paper.get("mean_sequences")
    if mean is None and s > 0:
        return None, K * cap
    return K * (s * (mean or 0) + (1 - s) * cap), K * cap


def load_results(folder: Path = RESULTS) -> dict[str, dict]:
    """Our stored reproductions (``reproduce --json``), by preset name."""
    out = {}
    for f in sorted(folder.glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(d, dict) and "preset" in d and "success_rate" in d:
            out[d["preset"]] = d
    return out


def _n(v) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _dur(seconds: float | None) -> str:
    return "-" if seconds is None else wall_text(seconds)


def _paper(p: Preset) -> str:
    paper = p.paper or {}
    pct = paper.get("success_pct")
    pct = "" if pct is None else f"{pct}% "
    return f"{pct}{paper.get('success_after', '-')}"


def _ours(r: dict | None) -> str:
    if not r:
        return ""
    cap = r.get("max_sequences_cap")
    mean = r.get("mean_sequences")
    txt = f"{r['successes']}/{r['trials']} within {_n(cap)}"
    if mean is not None:
        txt += f", mean {_n(mean)} ({_n(r.get('min_sequences'))}-{_n(r.get('max_sequences'))})"
    if r.get("trials_resumed"):                   # its seconds are the last piece's wall time, not the row's
        return txt + f"; {computing_text(r)}"
    return txt + f"; {_dur(r.get('seconds'))}"


def render_table(rates: dict, results: dict) -> str:
    """The markdown estimate table (one line per paper row)."""
    lines = ["| preset | K | weights | rate (trial-seq/s) | paper: success, after | trial-seq needed "
             "| est. time (paper's numbers) | est. time (all K to 5M) | ours (runs/results) |",
             "|---|---:|---:|---:|---|---:|---:|---:|---|"]
    from lstm_core.experiments import weight_count
    for p in paper_rows():
        m = rates.get(p.name) or {}
        rate = m.get("rate")
        rate_txt = _n(rate) + (f" (K={m['trials']})" if m.get("trials", p.trials) != p.trials else "")
        need, cap_all = needed_trial_sequences(p)
        t_need = need / rate if rate and need is not None else None
        t_cap = cap_all / rate if rate else None
        lines.append(f"| {p.name} | {p.trials} | {weight_count(p):,} | {rate_txt} | {_paper(p)} | {_n(need)} "
                     f"| {_dur(t_need)} | {_dur(t_cap)} | {_ours(results.get(p.name))} |")
    return "\n".join(lines)


def write_doc(table: str, doc: Path = DOC) -> None:
    """Replace the table between the markers in ``doc`` (append a marked block if there is none)."""
    text = doc.read_text() if doc.exists() else ""
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--measure", nargs="*", default=None, metavar="PATTERN",
                    help="measure rows whose name contains a pattern (no pattern: every paper row)")
    ap.add_argument("--budget", type=float, default=5.0, help="CPU seconds per row")
    ap.add_argument("--no-doc", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    store = json.loads(RATES.read_text()) if RATES.exists() else {"rows": {}}
    if args.measure is not None:
        pats = args.measure
        for p in paper_rows():
            if pats and not any(s in p.name for s in pats):
                continue
            m = measure_rate(p, args.budget)
            m["measured"] = time.strftime("%Y-%m-%d %H:%M")
            store["rows"][p.name] = m
            print(f"{p.name:24} K={m['trials']:>2} {m['rate']:>10,.0f} trial-seq/s "
                  f"({m['sequences']} seq, {m['cpu_seconds']:.1f} s CPU)", file=sys.stderr, flush=True)
            store["machine"] = {"python": platform.python_version(), "numpy": np.__version__,
                                "processor": platform.processor() or platform.machine()}
            RATES.write_text(json.dumps(store, indent=1))
    table = render_table(store["rows"], load_results())
    print(table)
    if not args.no_doc:
        write_doc(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
