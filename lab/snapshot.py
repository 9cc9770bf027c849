"""A trial under way, as bytes: what a sweep keeps of a trial that has not ended, to go on from it exactly.

A long row's trials run for up to an hour each (Exp 2b: 5,000,000 sequences of 101 steps). The sweep's
workers send a snapshot of each running trial every few minutes and when they are stopped
(:func:`lab.trials.run_trial`); the driver keeps the newest one beside the row's finished trials
(:class:`lab.trial_store.TrialStore`), and the next run of the same command continues the trial from it,
ending with the numbers an uninterrupted run gives, bit for bit::

    run.to_draw_boundary()                        # an exact state: no pre-drawn sequence left
    data = snapshot_bytes(run, meta)              # meta: trial, seed, max_sequences, preset, engine
    ...
    snap = read_snapshot(data, expect)            # ValueError unless it is a snapshot matching ``expect``
    continue_from(fresh_run, snap)                # the same preset, seed and trial: state and histories back

The bytes are one compressed ``.npz`` (no pickles): ``meta`` (JSON text: the trial's identity, ``seen``,
and the state's numbers, with each array replaced by a reference ``{"__array__": name}``), the state's
arrays, and the histories (``curve_seq`` (N,), ``curve_err`` / ``curve_ok`` (N, K), ``ckpt<i>.<name>``).
"""

from __future__ import annotations

import io
import json

import numpy as np

FORMAT = "lstm1997-trial-snapshot"


def _split(obj, arrays: dict[str, np.ndarray]):
    """``obj`` with every array moved into ``arrays`` (replaced by a reference); NumPy scalars made plain."""
    if isinstance(obj, np.ndarray):
        name = f"state{len(arrays)}"
        arrays[name] = obj
        return {"__array__": name}
    if isinstance(obj, dict):
        return {str(k): _split(v, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split(v, arrays) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _join(obj, arrays: dict[str, np.ndarray]):
    """:func:`_split` undone: references replaced by their arrays."""
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            return arrays[obj["__array__"]]
        return {k: _join(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join(v, arrays) for v in obj]
    return obj


def snapshot_bytes(run, meta: dict) -> bytes:
    """``run``'s exact state and histories, with ``meta`` (JSON-able: who the trial is), as ``.npz`` bytes.

    ``run`` must stand at a draw boundary (:meth:`~lstm_core.experiments.resume.Resumable.to_draw_boundary`).
    """
    if not run.at_draw_boundary():
        raise ValueError("a snapshot needs a run at a draw boundary (call run.to_draw_boundary() first)")
    arrays: dict[str, np.ndarray] = {}
    state = _split(run.state(), arrays)
    K = run.K
    arrays["curve_seq"] = np.asarray(run.curve_seq, dtype=np.int64).reshape(-1)
    arrays["curve_err"] = np.asarray(run.curve_err, dtype=float).reshape(-1, K)
    arrays["curve_ok"] = np.asarray(run.curve_ok, dtype=float).reshape(-1, K)
    for i, (_, p) in enumerate(run.checkpoints):
        arrays.update({f"ckpt{i}.{n}": np.asarray(v) for n, v in p.items()})
    head = {**meta, "format": FORMAT, "seen": int(run.seen), "state": state,
            "checkpoints": [int(s) for s, _ in run.checkpoints]}
    arrays["meta"] = np.array(json.dumps(head))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def read_snapshot(data: bytes, expect: dict) -> dict:
    """The snapshot in ``data``: ``{"meta", "state", "curve_seq", "curve_err", "curve_ok", "checkpoints"}``.

    ValueError when ``data`` is not a snapshot, or its meta differs from ``expect`` in any key of it
    (e.g. trial, seed, max_sequences, preset, engine), or its state is not exact or not finite.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
            arrays = {name: np.array(z[name]) for name in z.files if name != "meta"}
    except Exception as exc:                       # not an .npz, truncated, pickled, no meta: never trusted
        raise ValueError(f"not a readable trial snapshot ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not a trial snapshot")
    for name, want in expect.items():
        if meta.get(name) != want:
            raise ValueError(f"{name} {meta.get(name)!r}, expected {want!r}")
    try:
        state = _join(meta["state"], arrays)
        curves = {name: arrays[name] for name in ("curve_seq", "curve_err", "curve_ok")}
        names = [n.split(".", 1)[1] for n in arrays if n.startswith("ckpt0.")]
        checkpoints = [(int(s), {n: arrays[f"ckpt{i}.{n}"] for n in names}) for i, s in enumerate(meta["checkpoints"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a complete trial snapshot ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("exact") is not True:
        raise ValueError("not an exact state")
    params = state.get("params")
    if not isinstance(params, dict) or not params or not all(
            isinstance(v, np.ndarray) and np.isfinite(v).all() for v in params.values()):
        raise ValueError("weights missing or not finite")
    if not isinstance(meta.get("seen"), int) or meta["seen"] != state.get("seen"):
        raise ValueError("seen: does not match the state")
    return {"meta": meta, "state": state, **curves, "checkpoints": checkpoints}


def continue_from(run, snap: dict) -> None:
    """Put a fresh ``run`` (same preset, seed and trials as the snapshot's) where :func:`read_snapshot`'s
    ``snap`` stood: its state and its histories. ValueError when the snapshot's weights are not the shapes
    of ``run``'s net or its state does not fit the run (then ``run`` is not to be used)."""
    params = snap["state"]["params"]
    if {n: v.shape for n, v in params.items()} != {n: v.shape for n, v in run.params.items()}:
        raise ValueError("the snapshot's weights are not this net's")
    for _, p in snap["checkpoints"]:
        if {n: v.shape[1:] for n, v in p.items()} != {n: v.shape[1:] for n, v in run.params.items()}:
            raise ValueError("the snapshot's checkpoints are not this net's")
    if len(snap["curve_seq"]) != len(snap["curve_err"]) or snap["curve_err"].shape != snap["curve_ok"].shape:
        raise ValueError("the snapshot's learning curve is not whole")
    try:
        run.restore(snap["state"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ValueError(f"the snapshot's state does not fit this run ({type(exc).__name__}: {exc})") from None
    run.curve_seq = [int(s) for s in snap["curve_seq"]]
    run.curve_err = [np.array(r) for r in snap["curve_err"]]
    run.curve_ok = [np.array(r) for r in snap["curve_ok"]]
    run.checkpoints = [(s, {n: np.array(v) for n, v in p.items()}) for s, p in snap["checkpoints"]]
