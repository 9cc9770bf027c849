"""Make the shipped precomputed runs: a trained classroom LSTM per experiment, and its trained RNN baseline.

    python -m scripts.make_shipped_runs              # from the repository root: every key of SHIPPED
    python -m scripts.make_shipped_runs --key 4      # only Exp 4
    python -m scripts.make_shipped_runs --key 2b --baselines-only   # only the RNN baseline of Exp 2b
    PYTHONPATH=. python scripts/make_shipped_runs.py # the same, as a file

(``lstm_core`` is not installed as a package, so it must be importable from the current
folder: run from the repository root.)

Keys are experiment families ("1" ... "6": the family's first classroom LSTM preset),
experiments that have a classroom preset of their own ("2b", "2c"), and experiments whose paper
row itself solves in a few minutes on the kernels ("3b", "3c", "6b": ``--max-sequences 600000``);
the Experiments page shows an experiment's own run where there is one, else its family's (and
says so). For each key the preset is trained as a single trial (seed 0, then 1, 2, ... up to
``--seeds`` if it does not solve within the cap) and saved after each attempt to ``runs/shipped/<key>/`` with
:func:`lab.runs.save_run`. A run that never solves is still saved: its summary says
``successes: 0``, and so does the ``runs/shipped/MANIFEST.json`` written beside the runs.

Then the plain RNN the page compares it with (``ui.experiment_settings.baseline_for`` of
the LSTM's preset, on the same task) is trained for at most ``--baseline-sequences``
sequences (seed 0; it stops earlier if it meets its stopping rule) and saved to
``runs/shipped/<key>-rnn/``, so that "RNN vs CEC" compares two trained nets. Re-runnable;
each folder is replaced.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from lab.runs import SHIPPED_DIR, family_of, load_run, save_run
from lstm_core.experiments import PRESETS
from lstm_core.experiments.baselines import baseline_for
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun

FAMILIES = ("1", "2", "3", "4", "5", "6")
SHIPPED = (*FAMILIES, "2b", "2c", "3b", "3c", "6b")  # families, then experiments with a run of their own
PAPER_ROW_SHIPPED = {"3b": "exp3b_T100_N3", "3c": "exp3c_T100_N3", "6b": "exp6b_temporal_order"}  # no classroom preset
BASELINE_SUFFIX = "-rnn"           # runs/shipped/<key>-rnn/: the trained RNN baseline of runs/shipped/<key>/
SIZE_LIMIT = 20_000_000           # bytes, all shipped runs together (DESIGN decision 6/7: small)


def shipped_preset(key: str) -> Preset:
    """The first classroom LSTM preset of ``key`` (an experiment family, or an experiment) in registry order;
    for an experiment without one, its paper row of :data:`PAPER_ROW_SHIPPED` (train it with a larger
    ``--max-sequences``)."""
    if key in PAPER_ROW_SHIPPED:
        return PRESETS[PAPER_ROW_SHIPPED[key]]
    for p in PRESETS.values():
        if p.classroom and p.model == "lstm" and key == (family_of(p.experiment) if key in FAMILIES else p.experiment):
            return p
    raise KeyError(f"no classroom LSTM preset for {key}")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _save(run: TrialRun, out: Path) -> None:
    """Save ``run`` to ``out`` through a temporary folder (what we ship must load)."""
    tmp = out.parent / f".{out.name}.new"
    if tmp.exists():
        shutil.rmtree(tmp)
    save_run(run, tmp)
    load_run(tmp)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def make(key: str, out_root: Path, cap: int, seeds: int, first_seed: int = 0) -> dict:
    """Train until a seed solves (or ``seeds`` seeds were tried); each attempt is saved as it ends,
    so an interrupted script still leaves the best run so far (a solved one is never replaced)."""
    preset = shipped_preset(key)
    cap = min(cap, preset.stop.max_sequences)
    out = out_root / key
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        run = TrialRun(preset, trials=1, seed=seed, max_sequences=cap)
        for prog in run.advance_iter(chunk=1000):
            print(f"  [{key}] {preset.name} seed {seed}: {prog.sequences:,} sequences, "
                  f"recent error {prog.recent_error[0]:.4f}", flush=True)
        summary = run.result()
        _save(run, out)
        minutes = (time.perf_counter() - t0) / 60
        print(f"[{key}] {preset.name}: {'solved' if summary['successes'] else 'NOT solved'} after "
              f"{summary['sequences_seen']:,} sequences (seed {seed}, {minutes:.1f} min), "
              f"{folder_size(out):,} bytes", flush=True)
        if summary["successes"]:
            break
    return summary


def make_baseline(key: str, out_root: Path, sequences: int) -> dict:
    """Train the RNN baseline of the shipped LSTM run ``key`` for up to ``sequences`` sequences; save it."""
    lstm_run = load_run(out_root / key)
    preset = baseline_for(lstm_run.preset)
    t0 = time.perf_counter()
    run = TrialRun(preset, trials=1, seed=0, max_sequences=min(sequences, preset.stop.max_sequences))
    for _ in run.advance_iter(chunk=500):
        pass
    summary = run.result()
    _save(run, out_root / f"{key}{BASELINE_SUFFIX}")
    print(f"[{key}{BASELINE_SUFFIX}] {preset.name}: {summary['sequences_seen']:,} sequences "
          f"({'solved' if summary['successes'] else 'not solved'}, {time.perf_counter() - t0:.0f} s)", flush=True)
    return summary


def write_manifest(out_root: Path) -> dict:
    """``MANIFEST.json``: what every shipped run is, read back from the runs on disk."""
    manifest = {}
    for fam in (k + suffix for k in SHIPPED for suffix in ("", BASELINE_SUFFIX)):
        if (out_root / fam / "config.json").is_file():
            run = load_run(out_root / fam)
            s = run.summary
            manifest[fam] = {"preset": run.preset.name, "seed": run.seed, "solved": run.solved,
                             "sequences": s["sequences_seen"], "cap": s["max_sequences_cap"],
                             "bytes": folder_size(out_root / fam), "test": s["test"], "message": run.message}
    (out_root / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", choices=SHIPPED, action="append", help="only this family or experiment (repeatable)")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR, help="output folder (default runs/shipped)")
    ap.add_argument("--max-sequences", type=int, default=40_000, help="cap per attempt (default 40,000)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds to try until one solves (default 3)")
    ap.add_argument("--first-seed", type=int, default=0, help="first seed to try (default 0)")
    ap.add_argument("--baseline-sequences", type=int, default=20_000,
                    help="training sequences of each RNN baseline at most (default 20,000)")
    ap.add_argument("--baselines-only", action="store_true", help="keep the LSTM runs, (re)train only the RNNs")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for key in args.key or SHIPPED:
        if not args.baselines_only:
            make(key, args.out, args.max_sequences, args.seeds, args.first_seed)
        make_baseline(key, args.out, args.baseline_sequences)
        write_manifest(args.out)
    total = folder_size(args.out)
    print(f"runs/shipped: {total:,} bytes in all (limit {SIZE_LIMIT:,})")
    return 0 if total <= SIZE_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
