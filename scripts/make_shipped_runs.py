"""Make the shipped precomputed runs: one trained classroom run per experiment family.

    python -m scripts.make_shipped_runs              # from the repository root: all families "1" ... "6"
    python -m scripts.make_shipped_runs --family 4   # only Exp 4
    PYTHONPATH=. python scripts/make_shipped_runs.py # the same, as a file

(``lstm_core`` is not installed as a package, so it must be importable from the current
folder: run from the repository root.)

For each family the first classroom LSTM preset of the registry is trained as a single
trial (seed 0, then 1, 2, ... up to ``--seeds`` if it does not solve within the cap) and
saved to ``runs/shipped/<family>/`` with :func:`lstm_core.runs.save_run`. A run that
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

from lstm_core.experiments import PRESETS
from lstm_core.preset import Preset
from lstm_core.runs import SHIPPED_DIR, family_of, load_run, save_run
from lstm_core.train import TrialRun

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


def make(family: str, out_root: Path, cap: int, seeds: int) -> dict:
    preset = shipped_preset(family)
    cap = min(cap, preset.stop.max_sequences)
    t0 = time.perf_counter()
    for seed in range(seeds):
        run = TrialRun(preset, trials=1, seed=seed, max_sequences=cap)
        for prog in run.advance_iter(chunk=1000):
            print(f"  [{family}] {preset.name} seed {seed}: {prog.sequences:,} sequences, "
                  f"recent error {prog.recent_error[0]:.4f}", flush=True)
        summary = run.result()
        if summary["successes"]:
            break
    out = out_root / family
    if out.exists():
        shutil.rmtree(out)
    save_run(run, out)
    load_run(out)                                   # what we ship must load
    info = {"family": family, "preset": preset.name, "seed": run.seed, "solved": bool(summary["successes"]),
            "sequences": summary["sequences_seen"], "cap": cap, "bytes": folder_size(out),
            "minutes": round((time.perf_counter() - t0) / 60, 2), "test": summary["test"], "message": run.message}
    print(f"[{family}] {preset.name}: {'solved' if info['solved'] else 'NOT solved'} after "
          f"{info['sequences']:,} sequences (seed {run.seed}), {info['bytes']:,} bytes", flush=True)
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=FAMILIES, action="append", help="only this family (repeatable)")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR, help="output folder (default runs/shipped)")
    ap.add_argument("--max-sequences", type=int, default=40_000, help="cap per attempt (default 40,000)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds to try until one solves (default 3)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_file = args.out / "MANIFEST.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
    for fam in args.family or FAMILIES:
        manifest[fam] = make(fam, args.out, args.max_sequences, args.seeds)
        manifest_file.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
    total = folder_size(args.out)
    print(f"runs/shipped: {total:,} bytes in all (limit {SIZE_LIMIT:,})")
    return 0 if total <= SIZE_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
