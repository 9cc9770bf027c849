"""Python entry points of the kernels: the same arguments and returns as the readable references.

One concern at ~320 lines: the boundary between the kernels and the rest of the engine (argument
packing, workspaces, the reference each entry point equals), one entry point per kernel.

=============================  =====================================================  ================================
here                           kernel                                                 reference it equals
=============================  =====================================================  ================================
:func:`lstm_forward`           :func:`~lstm_core.nets.kernels_lstm.forward`           ``lstm.forward``
:func:`lstm_train_seq`         :func:`~lstm_core.nets.kernels_rtrl.train_sequence`    ``lstm_rtrl.train_sequence``
:func:`lstm_train_chunk`       :func:`~lstm_core.nets.kernels_rtrl.train_chunk`       the trial loop's NumPy path
:func:`lstm_bptt_train_seq`    :func:`~lstm_core.nets.kernels_bptt.train_sequence`    ``lstm_grad.bptt_grad`` + update
:func:`lstm_bptt_train_chunk`  :func:`~lstm_core.nets.kernels_bptt.train_chunk`       the trial loop's NumPy path
:func:`rnn_forward`            :func:`~lstm_core.nets.kernels_rnn.forward`            ``rnn.forward``
:func:`rnn_train_seq`          ``kernels_rnn_train.*_sequence``                       ``rnn.*_train_sequence``
:func:`rnn_train_chunk`        :func:`~lstm_core.nets.kernels_rnn_train.train_chunk`  the trial loop's NumPy path
=============================  =====================================================  ================================

The RNN kernels read the weights packed (:func:`rnn_pack`: W_h = [W_xh; W_hh; b_h], W_o = [W_ho; W_xo; b_o]).

Inputs are given dense (``x``) or by symbol (``sym``, the index of the active input unit, −1
for none); exactly one of them.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from lstm_core.activations import ACTIVATIONS
from lstm_core.nets import engine, kernels_bptt, kernels_lstm, kernels_rnn, kernels_rnn_train, kernels_rtrl
from lstm_core.nets.kernels_lstm import arch_of
from lstm_core.nets.kernels_score import RULE_REBER, rule_tuple
from lstm_core.nets.lstm import LSTMConfig, layout, masks
from lstm_core.nets.rnn import masks as rnn_weight_masks

Array = np.ndarray
_NO_X = np.zeros((1, 1, 1, 0))
_NO_SYM = np.zeros((1, 1, 1), np.int64)
NO_LEGAL = np.zeros((1, 1, 1, 1), bool)


def inputs(x: Array | None, sym: Array | None, ndim: int, n_in: int) -> tuple[Array, Array, bool]:
    """(x, sym, use_sym) for a kernel: the given one, and a stand-in for the other.

    Checked here, because a kernel does not check its indices: dense inputs must have ``n_in`` units
    on their last axis, symbol indices must lie in −1 .. n_in − 1 (a wrong task/net pair raises
    ValueError instead of reading past an array).
    """
    if (x is None) == (sym is None):
        raise ValueError("give exactly one of x (dense inputs) and sym (symbol indices)")
    if sym is not None:
        sym = np.ascontiguousarray(sym, np.int64)
        if sym.ndim != ndim - 1 or (sym.size and (sym.min() < -1 or sym.max() >= n_in)):
            raise ValueError(f"symbol indices must be a {ndim - 1}-d array in -1..{n_in - 1} for a net with "
                             f"{n_in} inputs (got shape {sym.shape}, max {sym.max() if sym.size else None})")
        return _NO_X.reshape((1,) * (ndim - 1) + (0,)), sym, True
    x = np.ascontiguousarray(x, float)
    if x.ndim != ndim or x.shape[-1] != n_in:
        raise ValueError(f"inputs must have shape (..., {n_in}) with {ndim} axes for this net, not {x.shape}")
    return x, _NO_SYM.reshape((1,) * (ndim - 1)), False


def targets(y: Array, n_out: int) -> Array:
    """Targets as contiguous float64, checked against the net's ``n_out`` output units."""
    y = np.ascontiguousarray(y, float)
    if y.shape[-1] != n_out:
        raise ValueError(f"targets must have {n_out} output units on their last axis, not shape {y.shape}")
    return y


def _chunk_args(cfg, data: dict[str, Array], lr, rule, K: int) -> tuple:
    """What every chunk entry point checks and makes first: ``(xx, ss, use_sym, lr_k, rule_tuple, legal, events)``."""
    xx, ss, use_sym = inputs(None if data.get("sym") is not None else data["x"], data.get("sym"), 4, cfg.n_in)
    lr_k = np.full(K, float(lr)) if np.ndim(lr) == 0 else np.ascontiguousarray(np.broadcast_to(lr, (K,)), float)
    rt = rule_tuple(rule)
    legal = data["legal"] if rt[0] == RULE_REBER else NO_LEGAL
    return xx, ss, use_sym, lr_k, rt, legal, np.zeros(K, np.int64)


_FIXED: dict[tuple, object] = {}      # (kernel, arch, argument kinds) -> its compiled entry point


def _kind(a) -> tuple:
    """What Numba's type of an argument depends on, cheaply (``numba.typeof`` costs ~20 µs an array)."""
    if isinstance(a, np.ndarray):
        f = a.flags
        return (a.dtype.str, a.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned)
    if isinstance(a, tuple):
        return tuple(_kind(v) for v in a)
    return (type(a),)


def fixed_call(kernel, arch: tuple, *args) -> None:
    """``kernel(*arch, *args)`` for a ``*_fixed`` kernel, compiled for this ``arch`` (its numbers literals).

    The first call of an (arch, argument types) goes through Numba's dispatcher, which compiles it (or
    loads it from the disk cache); later ones call that machine code directly: a literal-typed call
    through the dispatcher types its arguments again every time (~3 ms a call, measured). If no
    compiled signature matches, a RuntimeWarning says so once and the dispatcher is kept for the key.
    """
    key = (kernel, arch, tuple(_kind(a) for a in args))
    entry = _FIXED.get(key)
    if entry is not None:
        entry(*arch, *args)
        return
    from numba import typeof

    kernel(*arch, *args)
    types = tuple(typeof(a) for a in args)
    for sig, cres in kernel.overloads.items():
        literals = tuple(getattr(t, "literal_value", None) for t in sig[:len(arch)])
        if literals == arch and tuple(sig[len(arch):]) == types:
            _FIXED[key] = cres.entry_point
            return
    # Not found (a Numba whose signatures read differently): right, but ~3 ms a call. Say so once.
    warnings.warn(f"{getattr(kernel, '__name__', kernel)}: no compiled entry point found for arch {arch}; "
                  "every call goes through Numba's dispatcher (same results, slower)", RuntimeWarning, stacklevel=2)
    _FIXED[key] = kernel


def _targets_of(data: dict[str, Array], n_out: int) -> tuple[Array, Array]:
    """The chunk's ``y`` and ``y_ref``, checked (:func:`targets`)."""
    return targets(data["y"], n_out), targets(data["y_ref"], n_out)


def lstm_forward(cfg: LSTMConfig, params: dict[str, Array], x: Array | None = None,
                 sym: Array | None = None) -> dict[str, Array]:
    """The trace of :func:`lstm_core.nets.lstm.forward` (same keys and shapes), computed by the kernel.

    x : (K, B, T, n_in), or sym : (K, B, T)
    """
    L = layout(cfg)
    xx, ss, use_sym = inputs(x, sym, 4, cfg.n_in)
    K, B, T = (ss.shape if use_sym else xx.shape[:3])
    net, a = np.empty((K, B, T, L.U)), np.empty((K, B, T, L.U))
    s, net_k, y_k = np.empty((K, B, T, L.CS)), np.empty((K, B, T, cfg.n_out)), np.empty((K, B, T, cfg.n_out))
    W_h, W_k = (np.ascontiguousarray(params[k], float) for k in ("W_h", "W_k"))
    kernels_lstm.forward(W_h, W_k, arch_of(cfg), xx, ss, use_sym, net, a, s, net_k, y_k)
    return {"net": net, "a": a, "s": s, "g_c": ACTIVATIONS[cfg.g].fn(net[..., L.cells]),
            "h_s": ACTIVATIONS[cfg.h].fn(s), "net_k": net_k, "y_k": y_k}


def lstm_outputs(cfg: LSTMConfig, params: dict[str, Array], x: Array | None = None,
                 sym: Array | None = None, lengths: Array | None = None) -> Array:
    """``lstm_forward(...)["y_k"]`` (K, B, T, O) without keeping the trace (frozen-weight tests, evaluation).

    With ``lengths`` (K, B), each sequence is run to its length only; its later outputs are 0.
    """
    xx, ss, use_sym = inputs(x, sym, 4, cfg.n_in)
    K, B, T = (ss.shape if use_sym else xx.shape[:3])
    steps = np.full((K, B), T, np.int64) if lengths is None else np.minimum(np.asarray(lengths, np.int64), T)
    y_k = np.zeros((K, B, T, cfg.n_out))
    W_h, W_k = (np.ascontiguousarray(params[k], float) for k in ("W_h", "W_k"))
    args = (xx, ss, use_sym, np.ascontiguousarray(steps), y_k)
    if engine.fixed_net():
        fixed_call(kernels_lstm.outputs_fixed, arch_of(cfg), W_h, W_k, *args)
    else:
        kernels_lstm.outputs(W_h, W_k, arch_of(cfg), *args)
    return y_k


def _per_trial(cfg, x: Array | None, sym: Array | None, y: Array, has_target: Array, lr,
               lengths: Array | None = None) -> tuple:
    """What every one-sequence-per-trial entry point checks and makes first.

    Returns ``(xx, ss, use_sym, K, T, L, lr_k, y, ht, out, E)``: the inputs (:func:`inputs`), the trial and step
    counts, the steps of each sequence L (K,), α per trial, checked targets, ``has_target`` as bool, and the
    outputs (K, T, O) (NaN until written) and errors (K,) to fill.
    """
    xx, ss, use_sym = inputs(x, sym, 3, cfg.n_in)
    K, T = y.shape[:2]
    L = np.full(K, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
    lr_k = np.broadcast_to(np.asarray(lr, float).reshape(-1), (K,))
    return (xx, ss, use_sym, K, T, L, lr_k, targets(y, cfg.n_out), np.ascontiguousarray(has_target, bool),
            np.full((K, T, cfg.n_out), np.nan), np.zeros(K))


def lstm_train_seq(cfg: LSTMConfig, params: dict[str, Array], x: Array | None, y: Array, has_target: Array,
                   lr, update: str = "step", sym: Array | None = None) -> tuple[dict[str, Array], dict[str, Array]]:
    """:func:`lstm_core.nets.lstm_rtrl.train_sequence` by the kernel: one sequence per trial.

    x : (K, T, n_in) or sym : (K, T); y : (K, T, O); has_target : (K, T); lr scalar or (K,).
    Returns new params and ``{"y_k": (K, T, O) outputs at target steps (NaN elsewhere), "E": (K,)}``.
    """
    if update not in ("step", "sequence"):
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    M_h, M_k = masks(cfg)["W_h"], masks(cfg)["W_k"]
    xx, ss, use_sym, K, T, _, lr_k, y, ht, y_k, E = _per_trial(cfg, x, sym, y, has_target, lr)
    W_h, W_k = params["W_h"].astype(float, copy=True), params["W_k"].astype(float, copy=True)
    arch = arch_of(cfg)
    ws = kernels_rtrl.workspace(arch, T)
    for k in range(K):
        E[k] = kernels_rtrl.train_sequence(W_h[k], W_k[k], M_h, M_k, arch, update == "step", lr_k[k],
                                           xx[k] if not use_sym else xx[0], ss[k] if use_sym else ss[0],
                                           use_sym, T, y[k], ht[k], y_k[k], ws)
        y_k[k][~ht[k]] = np.nan
        if not ht[k, -1]:
            y_k[k, -1] = np.nan
    return {"W_h": W_h, "W_k": W_k}, {"y_k": y_k, "E": E}


def lstm_train_chunk(cfg: LSTMConfig, params: dict[str, Array], data: dict[str, Array], lr, update: str, rule,
                     seen0: int, pos: Array, stop: int, err_hist: Array, ok_hist: Array, counts: Array,
                     weight_masks: dict[str, Array] | None = None) -> Array:
    """The trial loop's block of training by the kernel (:func:`~lstm_core.nets.kernels_rtrl.train_chunk`).

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O), changed in place (C-contiguous float64)
    data : the trial loop's pre-drawn arrays: ``x`` (K, N, T, n_in) or ``sym`` (K, N, T), ``lengths``
        (K, N), ``y``, ``y_ref`` (K, N, T, O), ``has_target`` (K, N, T), ``legal`` or None
    rule : a :class:`~lstm_core.experiments.preset.StopRule`; seen0 : sequences seen before position 0
    pos : (K,) int64, in/out; err_hist, ok_hist : (K, window), counts : (K, 2), in/out
    weight_masks : ``W_h``, ``W_k`` masks in place of :func:`~lstm_core.nets.lstm.masks` (the sequential construction)

    Returns
    -------
    (K,) the event of each trial (0 none, 1 its rule was met, 2 diverged)
    """
    M = masks(cfg) if weight_masks is None else weight_masks
    M_h, M_k = M["W_h"], M["W_k"]
    xx, ss, use_sym, lr_k, rt, legal, events = _chunk_args(cfg, data, lr, rule, params["W_h"].shape[0])
    args = (update == "step", lr_k, xx, ss, use_sym, data["lengths"], *_targets_of(data, cfg.n_out),
            data["has_target"], legal, rt, seen0, pos, stop, err_hist, ok_hist, counts, events)
    if engine.fixed_net():
        fixed_call(kernels_rtrl.train_chunk_fixed, arch_of(cfg), params["W_h"], params["W_k"], M_h, M_k, *args)
    else:
        kernels_rtrl.train_chunk(params["W_h"], params["W_k"], M_h, M_k, arch_of(cfg), *args)
    return events


# ---------------------------------------------------------------------- RNN baselines (kernels_rnn, kernels_rnn_train)

def rnn_pack(cfg, params: dict[str, Array]) -> tuple[Array, Array]:
    """The kernels' packed weights of :mod:`lstm_core.nets.rnn` params: W_h (K, I, H) = [W_xh; W_hh; b_h],
    W_o (K, J, O) = [W_ho; W_xo; b_o] (the parts the config has), C-contiguous float64 copies."""
    h_parts = [params["W_xh"], params["W_hh"]] + ([params["b_h"][:, None, :]] if cfg.bias else [])
    o_parts = ([params["W_ho"]] + ([params["W_xo"]] if cfg.input_to_output else [])
               + ([params["b_o"][:, None, :]] if cfg.bias else []))
    return (np.ascontiguousarray(np.concatenate(h_parts, axis=1), float),
            np.ascontiguousarray(np.concatenate(o_parts, axis=1), float))


def rnn_unpack(cfg, W_h: Array, W_o: Array, out: dict[str, Array] | None = None) -> dict[str, Array]:
    """:func:`rnn_pack` undone: the params dict (written into ``out``'s arrays in place, if given)."""
    n, H = cfg.n_in, cfg.n_hidden
    parts = {"W_xh": W_h[:, :n], "W_hh": W_h[:, n:n + H], "W_ho": W_o[:, :H]}
    if cfg.input_to_output:
        parts["W_xo"] = W_o[:, H:H + n]
    if cfg.bias:
        parts["b_h"], parts["b_o"] = W_h[:, n + H], W_o[:, -1]
    if out is None:
        return {key: np.array(v) for key, v in parts.items()}
    for key, v in parts.items():
        out[key][...] = v
    return out


@functools.lru_cache(maxsize=64)
def rnn_masks(cfg) -> tuple[Array, Array]:
    """0/1 masks ``M_h`` (I, H), ``M_o`` (J, O) of the packed weights (:func:`lstm_core.nets.rnn.masks`; cached,
    read-only)."""
    packed = rnn_pack(cfg, {key: m[None] for key, m in rnn_weight_masks(cfg).items()})
    M_h, M_o = np.ascontiguousarray(packed[0][0]), np.ascontiguousarray(packed[1][0])
    M_h.setflags(write=False)
    M_o.setflags(write=False)
    return M_h, M_o


def rnn_forward(cfg, params: dict[str, Array], x: Array | None = None, sym: Array | None = None) -> dict[str, Array]:
    """:func:`lstm_core.nets.rnn.forward` by the kernel: "net_h", "h" (K, B, T, H), "net_k", "y_k" (K, B, T, O).

    x : (K, B, T, n_in), or sym : (K, B, T)
    """
    xx, ss, use_sym = inputs(x, sym, 4, cfg.n_in)
    K, B, T = (ss.shape if use_sym else xx.shape[:3])
    W_h, W_o = rnn_pack(cfg, params)
    H, O = cfg.n_hidden, cfg.n_out
    net_h, h, net_o, y = np.empty((K, B, T, H)), np.empty((K, B, T, H)), np.empty((K, B, T, O)), np.empty((K, B, T, O))
    kernels_rnn.forward(W_h, W_o, kernels_rnn.arch_of(cfg), xx, ss, use_sym, net_h, h, net_o, y)
    return {"net_h": net_h, "h": h, "net_k": net_o, "y_k": y}


def rnn_train_seq(cfg, algo: str, params: dict[str, Array], x: Array | None, y: Array, has_target: Array, lr,
                  update: str, sym: Array | None = None, lengths: Array | None = None
                  ) -> tuple[dict[str, Array], dict[str, Array]]:
    """``rnn.bptt_train_sequence`` (algo "bptt") / ``rnn_rtrl.train_sequence`` (algo "rtrl") by the kernel.

    One sequence per trial: x : (K, T, n_in) or sym : (K, T); y : (K, T, O); has_target : (K, T);
    lr scalar or (K,); lengths : (K,) steps of each sequence (default T; the rest is padding).
    Returns new params and ``{"y_k": (K, T, O) the outputs while learning (NaN after the length), "E": (K,)}``.
    """
    if algo not in ("bptt", "rtrl"):
        raise ValueError(f"algo must be 'bptt' or 'rtrl', not {algo!r}")
    if algo == "bptt" and update != "sequence":
        raise ValueError("BPTT updates once per sequence: update must be 'sequence'")
    if update not in ("step", "sequence"):
        raise ValueError(f"update must be 'step' or 'sequence', not {update!r}")
    xx, ss, use_sym, K, T, L, lr_k, y, ht, y_out, E = _per_trial(cfg, x, sym, y, has_target, lr, lengths)
    arch = kernels_rnn.arch_of(cfg)
    W_h, W_o = rnn_pack(cfg, params)
    M_h, M_o = rnn_masks(cfg)
    ws = kernels_rnn_train.workspace(arch, T)
    for k in range(K):
        x_k, s_k = (xx[k] if not use_sym else xx[0]), (ss[k] if use_sym else ss[0])
        if algo == "bptt":
            E[k] = kernels_rnn_train.bptt_sequence(W_h[k], W_o[k], M_h, M_o, arch, lr_k[k], x_k, s_k, use_sym, L[k],
                                             y[k], ht[k], y_out[k], ws)
        else:
            E[k] = kernels_rnn_train.rtrl_sequence(W_h[k], W_o[k], M_h, M_o, arch, update == "step", lr_k[k], x_k, s_k,
                                             use_sym, L[k], y[k], ht[k], y_out[k], ws)
    return rnn_unpack(cfg, W_h, W_o), {"y_k": y_out, "E": E}


def rnn_train_chunk(cfg, algo: str, params: dict[str, Array], data: dict[str, Array], lr, update: str, rule,
                    seen0: int, pos: Array, stop: int, err_hist: Array, ok_hist: Array, counts: Array) -> Array:
    """The trial loop's block of training for an RNN learner (:func:`~lstm_core.nets.kernels_rnn_train.train_chunk`).

    Arguments and return as :func:`lstm_train_chunk`; ``algo`` "bptt" or "rtrl"; ``params`` (the
    :mod:`lstm_core.nets.rnn` dict, (K, ...) arrays) are changed in place.
    """
    W_h, W_o = rnn_pack(cfg, params)
    M_h, M_o = rnn_masks(cfg)
    xx, ss, use_sym, lr_k, rt, legal, events = _chunk_args(cfg, data, lr, rule, W_h.shape[0])
    algo_code = kernels_rnn_train.RTRL if algo == "rtrl" else kernels_rnn_train.BPTT
    kernels_rnn_train.train_chunk(W_h, W_o, M_h, M_o, kernels_rnn.arch_of(cfg), algo_code, update == "step", lr_k,
                                  xx, ss, use_sym, data["lengths"], *_targets_of(data, cfg.n_out), data["has_target"],
                                  legal, rt, seen0, pos, stop, err_hist, ok_hist, counts, events)
    rnn_unpack(cfg, W_h, W_o, out=params)
    return events


# ---------------------------------------------------------------------- full-gradient LSTM (kernels_bptt)

def lstm_bptt_train_seq(cfg: LSTMConfig, params: dict[str, Array], x: Array | None, y: Array, has_target: Array,
                        lr, sym: Array | None = None, lengths: Array | None = None
                        ) -> tuple[dict[str, Array], dict[str, Array]]:
    """``lstm_grad.bptt_grad`` + ``lstm_grad.apply_update`` by the kernel: one sequence per trial, one update.

    x : (K, T, n_in) or sym : (K, T); y : (K, T, O); has_target : (K, T); lr scalar or (K,);
    lengths : (K,) steps of each sequence (default T; the rest is padding).
    Returns new params and ``{"y_k": (K, T, O) outputs of the old weights (NaN after the length), "E": (K,)}``.
    """
    M_h, M_k = masks(cfg)["W_h"], masks(cfg)["W_k"]
    xx, ss, use_sym, K, T, L, lr_k, y, ht, y_k, E = _per_trial(cfg, x, sym, y, has_target, lr, lengths)
    W_h, W_k = params["W_h"].astype(float, copy=True), params["W_k"].astype(float, copy=True)
    arch = arch_of(cfg)
    ws = kernels_bptt.workspace(arch, T)
    for k in range(K):
        E[k] = kernels_bptt.train_sequence(W_h[k], W_k[k], M_h, M_k, arch, lr_k[k], xx[k] if not use_sym else xx[0],
                                           ss[k] if use_sym else ss[0], use_sym, L[k], y[k], ht[k], y_k[k], ws)
    return {"W_h": W_h, "W_k": W_k}, {"y_k": y_k, "E": E}


def lstm_bptt_train_chunk(cfg: LSTMConfig, params: dict[str, Array], data: dict[str, Array], lr, rule, seen0: int,
                          pos: Array, stop: int, err_hist: Array, ok_hist: Array, counts: Array) -> Array:
    """The trial loop's block of training by the full gradient (:func:`~lstm_core.nets.kernels_bptt.train_chunk`).

    Arguments and return as :func:`lstm_train_chunk` (no ``update``: one change per sequence).
    """
    M_h, M_k = masks(cfg)["W_h"], masks(cfg)["W_k"]
    xx, ss, use_sym, lr_k, rt, legal, events = _chunk_args(cfg, data, lr, rule, params["W_h"].shape[0])
    kernels_bptt.train_chunk(params["W_h"], params["W_k"], M_h, M_k, arch_of(cfg), lr_k, xx, ss, use_sym,
                             data["lengths"], *_targets_of(data, cfg.n_out), data["has_target"], legal, rt, seen0, pos,
                             stop, err_hist, ok_hist, counts, events)
    return events
