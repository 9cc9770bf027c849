"""How large are the paper's truncated partials at a sequence's end, per source? (App. A.1, eqs 25, 27)

At the end of a sequence the 1997 rule changes a cell's weight w[c, m] by α e_s dS_c[m] and its input
gate's weight w[in, m] by α Σ_v e_s dS_in[m] (spec §2.3), where

    dS_c [m] = ∂s_c/∂w[c, m]  = Σ_t y_in(t) g'(net_c(t)) z_m(t)              (eq 27, truncated)
    dS_in[m] = ∂s_c/∂w[in, m] = Σ_t g(net_c(t)) f'_in(net_in(t)) z_m(t)      (eq 25, truncated)

So a source m's partial is both how hard one error moves its weight and how far that move shifts s:
through w[c, m] alone s moves by α e_s dS_c[m]². A source that is on at every step (the bias, a gate's
activation fed back) gives partials that grow like T; an input that is on at two steps (Exp 4's marker)
does not grow at all. The script draws ``--nets`` nets of an LSTM preset as its trials start (or, with
``--after N ...``, follows the row's own trials through training, as :mod:`scripts.drift` does), runs
each on ``--sequences`` fresh sequences, and prints per block the root mean square over nets, sequences
and the block's cells of dS_c and dS_in at each sequence's last step, one column per source group:
each input unit (or all inputs pooled, beyond 8), the bias, the input gates, output gates and cells
fed back ("—" where the net has no such weight: the partial is there, the weight is not).
docs/reproduce.md quotes it for Exp 4 (the cell bias against the value and marker inputs)::

    python -m scripts.partials exp4_adding_T500 --set net.bias_cells=true --nets 10 --sequences 20
    python -m scripts.partials exp4_adding_T500 --set net.bias_cells=true --nets 2 --sequences 20 --after 0 100000

From the repository root.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets.lstm import LSTMConfig, layout, masks
from lstm_core.tasks import TASKS
from scripts.drift import drawn_params, trace_on, trained_params
from scripts.readings import apply_overrides, preset_arg


def source_groups(cfg: LSTMConfig) -> list[tuple[str, np.ndarray]]:
    """(name, indices into the sources z of a gate or cell): each input unit (pooled beyond 8), the bias,
    and under connectivity "F" the input gates, output gates and cells fed back."""
    L = layout(cfg)
    x = np.arange(L.src_x.start, L.src_x.stop)
    groups = ([(f"input {m}", np.array([m])) for m in x] if cfg.n_in <= 8 else [("inputs", x)])
    groups.append(("bias", np.array([L.src_bias])))
    if L.src_rec is not None:
        r = L.src_rec.start
        groups.append(("in gates fed back", r + np.arange(L.in_gate.start, L.in_gate.stop)))
        if L.out_gate is not None:
            groups.append(("out gates fed back", r + np.arange(L.out_gate.start, L.out_gate.stop)))
        groups.append(("cells fed back", r + np.arange(L.cells.start, L.cells.stop)))
    return groups


def end_partials(cfg: LSTMConfig, params: dict, batch) -> tuple[np.ndarray, np.ndarray]:
    """dS_c and dS_in (eqs 25, 27) at each sequence's last step: each (K, B, CS, I), for the nets
    ``params`` (K, ...) run on ``batch``. The 1997 net only (no forget gate: the partials there decay)."""
    if cfg.forget_gate:
        raise ValueError("the partials here are the 1997 ones; a forget gate makes them decay")
    L = layout(cfg)
    K = params["W_h"].shape[0]
    B, T = batch.lengths.shape[0], int(batch.lengths.max())
    tr = trace_on(cfg, params, batch)
    live = (np.arange(T)[None, :] < batch.lengths[:, None])[None, :, :, None]          # (1, B, T, 1)
    y_in = np.repeat(tr["a"][..., L.in_gate], L.S, axis=-1)                              # (K, B, T, CS)
    w_c = y_in * ACTIVATIONS[cfg.g].deriv(tr["net"][..., L.cells]) * live                # eq 27's factor
    w_in = tr["g_c"] * y_in * (1.0 - y_in) * live                   # eq 25's factor (gates are logistic)
    parts = []
    for w in (w_c, w_in):
        dS = np.zeros((K, B, L.CS, L.I))
        if batch.by_symbol:                                       # z_m(t) = 1 for the step's symbol only
            sym = np.where(batch.symbols[:, :T] >= 0, batch.symbols[:, :T], 0)
            for b in range(B):
                for t in range(int(batch.lengths[b])):
                    dS[:, b, :, sym[b, t]] += w[:, b, t]
        else:
            dS[..., L.src_x] = np.einsum("kbtc,btm->kbcm", w, batch.x[:, :T])
        dS[..., L.src_bias] = w.sum(axis=2)
        if L.src_rec is not None:                                 # z = a(t−1), a(0) = 0
            dS[..., L.src_rec] = np.einsum("kbtc,kbtu->kbcu", w[:, :, 1:], tr["a"][:, :, :-1])
        parts.append(dS)
    return parts[0], parts[1]


def print_table(cfg: LSTMConfig, dS_c: np.ndarray, dS_in: np.ndarray, title: str) -> None:
    """Per block and source group: the rms of dS_c and dS_in over nets, sequences, the block's cells
    and the group's sources; "—" where the net has no such weights (e.g. ``bias_cells=False``)."""
    L = layout(cfg)
    W = masks(cfg)["W_h"]                                                     # (I, U): which weights exist
    groups = source_groups(cfg)
    print(title)
    print(f"{'block':>5} {'partial':>8} " + " ".join(f"{name:>18}" for name, _ in groups))
    for j in range(L.C):
        cells = slice(j * L.S, (j + 1) * L.S)
        for label, dS, units in (("dS_c", dS_c, np.arange(L.cells.start, L.cells.stop)[cells]),
                                 ("dS_in", dS_in, [L.in_gate.start + j])):
            cols = []
            for _, idx in groups:
                exists = W[np.ix_(idx, units)].any()
                rms = float(np.sqrt(np.mean(dS[:, :, cells][..., idx] ** 2)))
                cols.append(f"{rms:>18.4g}" if exists else f"{'—':>18}")
            print(f"{j:>5} {label:>8} " + " ".join(cols))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.partials", description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("--nets", type=int, default=10)
    ap.add_argument("--sequences", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--after", type=int, nargs="+", metavar="N",
                    help="train the row's trials and print the table after each N training sequences")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change the preset")
    args = ap.parse_args(argv)
    if args.nets < 1 or args.sequences < 1:
        ap.error("--nets and --sequences must be >= 1")
    if args.after is not None and min(args.after) < 0:
        ap.error("--after takes counts >= 0")
    try:
        preset = apply_overrides(preset_arg(ap, args.preset), args.set)
    except (ValueError, TypeError) as exc:
        ap.error(str(exc))
    if not isinstance(preset.net, LSTMConfig) or preset.net.forget_gate:
        ap.error(f"{args.preset} is not a 1997 LSTM preset (no forget gate)")
    batch = TASKS[preset.task](np.random.default_rng([args.seed, 99]), args.sequences, **preset.task_options)
    changed = f" ({', '.join(args.set)})" if args.set else ""
    if args.after is None:
        steps = [(None, drawn_params(preset, args.nets, args.seed))]
    else:
        steps = trained_params(preset, args.nets, args.seed, sorted(args.after))
    for n, params in steps:
        who = (f"{args.nets} untrained nets" if n is None
               else f"trials 0-{args.nets - 1} after {n:,} training sequences")
        print_table(preset.net, *end_partials(preset.net, params, batch),
                    f"{preset.name}{changed}: {who}, {args.sequences} fresh sequences each; "
                    "rms of the truncated partials at the last step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
