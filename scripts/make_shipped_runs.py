"""Make the shipped precomputed runs: one trained classroom run per experiment family.

    python -m scripts.make_shipped_runs              # from the repository root: all families "1" ... "6"
    python -m scripts.make_shipped_runs --family 4   # only Exp 4
    PYTHONPATH=. python scripts/make_shipped_runs.py # the same, as a file

(``lstm_core`` is not installed as a package, so it must be importable from the current
folder: run from the repository root.)

For each family the first classroom LSTM preset of the registry is trained as a single
trial (seed 0, then 1, 2, ... up to ``--seeds`` if it does not solve within the cap) and
saved after each attempt to ``runs/shipped/<family>/`` with :func:`lab.runs.save_run`. A run that
never solves is still saved: its summary says ``successes: 0``, and so does the
``runs/shipped/MANIFEST.json`` written beside the runs. Re-runnable; each family's
folder is replaced.
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
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.train import TrialRun

FAMILIES = ("1", "2", "3", "4", "5", "6")
SIZE_LIMIT = 20_000_000           # bytes, all shipped runs together (DESIGN decision 6/7: small)


def shipped_preset(family: str) -> Preset:
    """The first classroom LSTM preset of ``family`` in registry order."""
    for p in PRESETS.values():
        if p.classroom and p.model == "lstm" and family_of(p.experiment) == family:
            return p
    raise KeyError(f"no classroom LSTM preset for experiment family {family}")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def make(family: str, out_root: Path, cap: int, seeds: int, first_seed: int = 0) -> dict:
    """Train until a seed solves (or ``seeds`` seeds were tried); each attempt is saved as it ends,
    so an interrupted script still leaves the best run so far (a solved one is never replaced)."""
    preset = shipped_preset(family)
    cap = min(cap, preset.stop.max_sequences)
    out = out_root / family
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        run = TrialRun(preset, trials=1, seed=seed, max_sequences=cap)
        for prog in run.advance_iter(chunk=1000):
            print(f"  [{family}] {preset.name} seed {seed}: {prog.sequences:,} sequences, "
                  f"recent error {prog.recent_error[0]:.4f}", flush=True)
        summary = run.result()
        tmp = out_root / f".{family}.new"
        if tmp.exists():
            shutil.rmtree(tmp)
        save_run(run, tmp)
        load_run(tmp)                                   # what we ship must load
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        minutes = (time.perf_counter() - t0) / 60
        print(f"[{family}] {preset.name}: {'solved' if summary['successes'] else 'NOT solved'} after "
              f"{summary['sequences_seen']:,} sequences (seed {seed}, {minutes:.1f} min), "
              f"{folder_size(out):,} bytes", flush=True)
        if summary["successes"]:
            break
    return summary


def write_manifest(out_root: Path) -> dict:
    """``MANIFEST.json``: what every shipped run is, read back from the runs on disk."""
    manifest = {}
    for fam in FAMILIES:
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
    ap.add_argument("--family", choices=FAMILIES, action="append", help="only this family (repeatable)")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR, help="output folder (default runs/shipped)")
    ap.add_argument("--max-sequences", type=int, default=40_000, help="cap per attempt (default 40,000)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds to try until one solves (default 3)")
    ap.add_argument("--first-seed", type=int, default=0, help="first seed to try (default 0)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for fam in args.family or FAMILIES:
        make(fam, args.out, args.max_sequences, args.seeds, args.first_seed)
        write_manifest(args.out)
    total = folder_size(args.out)
    print(f"runs/shipped: {total:,} bytes in all (limit {SIZE_LIMIT:,})")
    return 0 if total <= SIZE_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
