"""The 1997 memory-cell network: configuration, layout, initialisation, one step each way, forward pass.

Spec §1 (architecture) with the experiments' timing convention (§1.3): at step t the
gates and cells see z(t) = [x(t); hidden activations of step t−1; 1], and the output
units see the cell outputs of step t itself (plus x(t) under connectivity "B").

Hidden units are ordered ``U = [input gates (C), output gates (C), forget gates (C),
cells (C*S)]`` (output / forget gates only when the config has them). Under
connectivity "F" the recurrent sources are the previous activations of exactly these
units in the same order (gate activations y_in, y_out, y_φ and cell outputs y_c), so
one array ``a`` of shape (K, B, U) is both "what the hidden layer emits" and "what it
reads back". :func:`step_forward` and :func:`step_backward` are the rules of one
time step that every loop over time calls (forward pass, full gradient, error-flow
analysis). Learning rules live in :mod:`lstm_core.nets.lstm_grad` (truncated and full
gradients over a whole sequence) and :mod:`lstm_core.nets.lstm_rtrl` (the paper's
real-time truncated RTRL with stored partials dS).

One concern at ~340 lines: the network itself (its shape, weights and one step each way); the
configuration half is what every step reads, so it stays beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lstm_core.activations import ACTIVATIONS, sigmoid

Array = np.ndarray
OUTPUTS = ("logistic", "linear")


def output_activation(cfg: LSTMConfig, net_k: Array) -> Array:
    """y_k of the output units: f(net_k) (logistic) or net_k (linear)."""
    return sigmoid(net_k) if cfg.output == "logistic" else np.array(net_k, dtype=float)


def output_error(cfg: LSTMConfig, y_k: Array, err: Array) -> Array:
    """e_k = f'(net_k)(t_k − y_k) (eq 19), written through y_k; linear outputs: e_k = t_k − y_k."""
    return y_k * (1.0 - y_k) * err if cfg.output == "logistic" else err


@dataclass(frozen=True)
class LSTMConfig:
    """Topology and initialisation of a 1997 LSTM network (spec §1.4, §1.5, Table 10).

    Defaults are the topology of the Exp. 4 (adding problem) network (93 weights);
    the paper presets live in :mod:`lstm_core.experiments`.
    """

    n_in: int = 2                      # input units
    n_out: int = 1                     # output units
    blocks: int = 2                    # C memory-cell blocks
    block_size: int = 2                # S cells per block, sharing one input and one output gate
    connectivity: str = "F"            # "F": gates+cells see inputs, cells and gates (fully recurrent);
    #                                    "B": gates+cells see inputs only, outputs see inputs and cells
    output_gate: bool = True           # Exp 2a/2b have none (y_out ≡ 1)
    forget_gate: bool = False          # Gers et al. 2000 variant (spec §6), not part of the 1997 model
    g: str = "g_pm2"                   # cell input squashing: g in [-2, 2] (Exp 2a/2b: "logistic")
    h: str = "h_pm1"                   # cell output squashing: h in [-1, 1] (Exp 2a/2b: "identity")
    bias_gates: bool = True            # bias weights on gate units
    bias_cells: bool = True            # bias weights on cells
    bias_out: bool = True              # bias weights on output units
    init_range: float = 0.1            # all weights uniform in [-init_range, init_range] ...
    in_gate_bias: tuple[float, ...] | None = None            # ... except these fixed input-gate biases
    out_gate_bias: tuple[float, ...] | None = None          # (block j gets the j-th value; None = random)
    forget_gate_bias: tuple[float, ...] | None = None
    cell_bias: tuple[float, ...] | None = None              # initial cell biases, block j's cells the j-th
    #                                    value (None = random; a reading tried for Exp 4's drift, issue 13)
    output: str = "logistic"           # output units: "logistic" y = f(net) (the paper's text) or
    #                                    "linear" y = net (what Exp 4/5's numbers need: spec A-notes, issue 13)
    input_to_output: bool = False      # x(t) feeds the output units under "F" too (always so under "B"):
    #                                    a reading tried for Exp 1, not a net of the paper (issue 13)
    gate_sources: bool = True          # under "F", the gates' activations a(t−1) are sources of gates and
    #                                    cells (A28); False: only the cells' are, a reading tried for Exp 2c's
    #                                    drift (issue 13): 6p+40 weights there, not the paper's 6p+64

    @property
    def inputs_feed_outputs(self) -> bool:
        """Whether the output units see x(t): always under connectivity "B", under "F" if ``input_to_output``."""
        return self.connectivity == "B" or self.input_to_output

    def __post_init__(self) -> None:
        if self.connectivity not in ("F", "B"):
            raise ValueError(f"connectivity must be 'F' or 'B', not {self.connectivity!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, not {self.output!r}")
        for name in (self.g, self.h):
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
        if min(self.n_in, self.n_out, self.blocks, self.block_size) < 1:
            raise ValueError("n_in, n_out, blocks and block_size must all be >= 1")
        for name in ("in_gate_bias", "out_gate_bias", "forget_gate_bias", "cell_bias"):
            v = getattr(self, name)
            if v is not None and len(v) < self.blocks:
                raise ValueError(f"{name} needs one value per block ({self.blocks}), got {v}")


@dataclass(frozen=True)
class Layout:
    """Index sets of a config: where each unit sits in U, each source in I and J."""

    C: int
    S: int
    CS: int
    G: int                      # number of gate units
    U: int                      # hidden units = G + CS
    I: int                      # sources of a hidden unit
    J: int                      # sources of an output unit
    in_gate: slice              # in U
    out_gate: slice | None      # in U (None: no output gate)
    forget_gate: slice | None   # in U
    cells: slice                # in U
    src_x: slice                # in I: the inputs x(t)
    src_rec: slice | None       # in I: a(t−1), same order as U (None under "B")
    src_bias: int               # in I: the constant 1
    out_cells: slice            # in J: y_c(t)
    out_x: slice | None         # in J: x(t) (connectivity "B", or ``input_to_output``)
    out_bias: int               # in J: the constant 1


@lru_cache(maxsize=256)
def layout(cfg: LSTMConfig) -> Layout:
    """The :class:`Layout` of ``cfg`` (cached; configs are hashable)."""
    C, S = cfg.blocks, cfg.block_size
    CS = C * S
    n_gate_kinds = 1 + int(cfg.output_gate) + int(cfg.forget_gate)
    G = n_gate_kinds * C
    U = G + CS
    in_gate = slice(0, C)
    out_gate = slice(C, 2 * C) if cfg.output_gate else None
    fs = (2 if cfg.output_gate else 1) * C
    forget_gate = slice(fs, fs + C) if cfg.forget_gate else None
    rec = cfg.connectivity == "F"
    src_x = slice(0, cfg.n_in)
    src_rec = slice(cfg.n_in, cfg.n_in + U) if rec else None
    I = cfg.n_in + (U if rec else 0) + 1
    out_x = slice(CS, CS + cfg.n_in) if cfg.inputs_feed_outputs else None
    J = CS + (cfg.n_in if cfg.inputs_feed_outputs else 0) + 1
    return Layout(C, S, CS, G, U, I, J, in_gate, out_gate, forget_gate, slice(G, U),
                  src_x, src_rec, I - 1, slice(0, CS), out_x, J - 1)


@lru_cache(maxsize=256)
def masks(cfg: LSTMConfig) -> dict[str, Array]:
    """0/1 masks of the weights that exist: ``W_h`` (I, U) and ``W_k`` (J, O) (read-only, cached).

    Absent connections are weights held at exactly 0: the masks are multiplied into
    the weights at initialisation and into every update (spec §2.3 "vectorized").
    """
    L = layout(cfg)
    M_h = np.ones((L.I, L.U))
    M_h[L.src_bias, :L.G] = float(cfg.bias_gates)
    M_h[L.src_bias, L.cells] = float(cfg.bias_cells)
    if L.src_rec is not None and not cfg.gate_sources:
        M_h[L.src_rec.start: L.src_rec.start + L.G, :] = 0.0      # a(t−1) of the gates feeds nothing
    M_k = np.ones((L.J, cfg.n_out))
    M_k[L.out_bias, :] = float(cfg.bias_out)
    M_h.setflags(write=False)
    M_k.setflags(write=False)
    return {"W_h": M_h, "W_k": M_k}


def param_shapes(cfg: LSTMConfig) -> dict[str, tuple[int, ...]]:
    """Shapes of one trial's weights (without the leading K axis): ``W_h`` (I, U), ``W_k`` (J, O)."""
    L = layout(cfg)
    return {"W_h": (L.I, L.U), "W_k": (L.J, cfg.n_out)}


def weight_count(cfg: LSTMConfig) -> int:
    """Number of trainable weights (the paper's "# weights"; the CEC's fixed 1.0 is not one)."""
    return int(sum(m.sum() for m in masks(cfg).values()))


def init_params(cfg: LSTMConfig, rngs: list[np.random.Generator]) -> dict[str, Array]:
    """Draw the weights of K = len(rngs) independent networks.

    Trial k draws only from ``rngs[k]``, so K trials in lockstep equal K separate runs.

    Returns
    -------
    dict with ``W_h`` (K, I, U) — ``W_h[k, m, u]`` is w[u, m] — and ``W_k`` (K, J, O).
    """
    L = layout(cfg)
    M = masks(cfg)
    r = cfg.init_range
    W_h = np.stack([rng.uniform(-r, r, size=(L.I, L.U)) for rng in rngs]) if rngs else np.zeros((0, L.I, L.U))
    W_k = np.stack([rng.uniform(-r, r, size=(L.J, cfg.n_out)) for rng in rngs]) if rngs else None
    for values, sl in ((cfg.in_gate_bias, L.in_gate), (cfg.out_gate_bias, L.out_gate),
                       (cfg.forget_gate_bias, L.forget_gate), (cfg.cell_bias, L.cells)):
        if values is not None and sl is not None:          # block j's units (1 gate, or S cells) get value j
            W_h[:, L.src_bias, sl] = np.repeat(np.asarray(values[: L.C], dtype=float), (sl.stop - sl.start) // L.C)
    if W_k is None:
        W_k = np.zeros((0, L.J, cfg.n_out))
    return {"W_h": W_h * M["W_h"], "W_k": W_k * M["W_k"]}


def step_forward(cfg: LSTMConfig, net: Array, s_prev: Array) -> tuple[Array, Array, Array, Array]:
    """One time step of every memory-cell block (spec §1.2, paper App. A.1 eqs 6-9).

    Parameters
    ----------
    net : (..., U) net inputs net_in, net_out, net_φ, net_c of gates and cells at step t
    s_prev : (..., C, S) internal states s_c(t−1)

    Returns
    -------
    y_g : (..., G) gate activations y_in, y_out, y_φ = f(net_gate)
    g_c : (..., C, S) squashed cell inputs g(net_c)
    s : (..., C, S) internal states s_c(t)
    y_c : (..., C, S) cell outputs y_c(t)
    """
    L = layout(cfg)
    y_g = sigmoid(net[..., : L.G])                                    # y_in, y_out, y_φ = f(net)
    g_c = ACTIVATIONS[cfg.g].fn(net[..., L.cells]).reshape(s_prev.shape)   # g(net_c)
    y_in = y_g[..., L.in_gate, None]                                  # shared by the S cells of a block
    if L.forget_gate is not None:
        s = y_g[..., L.forget_gate, None] * s_prev + y_in * g_c      # s(t) = y_φ s(t−1) + y_in g
    else:
        s = s_prev + y_in * g_c                                       # CEC: s(t) = s(t−1) + y_in g
    h_s = ACTIVATIONS[cfg.h].fn(s)
    y_c = h_s * y_g[..., L.out_gate, None] if L.out_gate is not None else h_s   # y_c = y_out h(s)
    return y_g, g_c, s, y_c


def step_backward(cfg: LSTMConfig, net: Array, a: Array, s: Array, s_prev: Array, da: Array,
                  ds_carry: Array) -> tuple[Array, Array, Array]:
    """The error signals of one time step, backward (spec §2.1, §3.3; App. A.1 eqs 19-28 untruncated).

    Error signals have the paper's sign (ϑ = −∂(½E)/∂·, built from t − y).

    Parameters
    ----------
    net, a : (..., U) net inputs and activations of gates and cells at step t (a: y_in, y_out, y_φ, y_c)
    s, s_prev : (..., C, S) internal states s_c(t) and s_c(t−1)
    da : (..., U) error arriving at the activations a(t): at y_c from the output units of step t,
        and (full gradient) at every unit from the net inputs of step t+1 through the recurrent weights
    ds_carry : (..., C, S) error arriving at s(t) from s(t+1) along the CEC

    Returns
    -------
    delta : (..., U) ϑ at every net input: δnet_in, δnet_out, δnet_φ, δnet_c
    ds : (..., C, S) ϑ at the internal states s(t): what the output gate lets in, plus the CEC's carry
    ds_prev : (..., C, S) what the CEC carries on to s(t−1): ds·∂s(t)/∂s(t−1) = ds·y_φ(t) (1 in 1997)

    Notes
    -----
    ϑ_s(t) = y_out h'(s) ϑ_yc + ϑ_s(t+1) y_φ(t+1)                      (eq 23 plus the CEC)
    δnet_c = ϑ_s y_in g'(net_c),  δnet_in = f'(net_in) (Σ_v ϑ_s g(net_c) + ϑ_a)
    δnet_out = f'(net_out) (Σ_v h(s) ϑ_yc + ϑ_a),  δnet_φ = f'(net_φ) (Σ_v ϑ_s s(t−1) + ϑ_a)
    """
    L = layout(cfg)
    g, h = ACTIVATIONS[cfg.g], ACTIVATIONS[cfg.h]
    shape = s.shape
    y_g = a[..., : L.G]
    fp = y_g * (1.0 - y_g)                                            # f'(net_gate) = f(1 − f)
    net_c = net[..., L.cells].reshape(shape)
    dy_c = da[..., L.cells].reshape(shape)                            # error at y_c(t)
    y_out = y_g[..., L.out_gate, None] if L.out_gate is not None else 1.0
    ds = dy_c * y_out * h.deriv(s) + ds_carry                         # error at s(t): out + CEC
    delta = np.empty(net.shape)
    delta[..., L.cells] = (ds * y_g[..., L.in_gate, None] * g.deriv(net_c)).reshape(net[..., L.cells].shape)
    delta[..., L.in_gate] = fp[..., L.in_gate] * ((ds * g.fn(net_c)).sum(-1) + da[..., L.in_gate])
    if L.out_gate is not None:
        delta[..., L.out_gate] = fp[..., L.out_gate] * ((dy_c * h.fn(s)).sum(-1) + da[..., L.out_gate])
    if L.forget_gate is None:
        return delta, ds, ds
    delta[..., L.forget_gate] = fp[..., L.forget_gate] * ((ds * s_prev).sum(-1) + da[..., L.forget_gate])
    return delta, ds, ds * y_g[..., L.forget_gate, None]


def forward(cfg: LSTMConfig, params: dict[str, Array], x: Array) -> dict[str, Array]:
    """Run K networks over B sequences each, from reset activations (spec §1.3, A23).

    Parameters
    ----------
    params : ``W_h`` (K, I, U), ``W_k`` (K, J, O)
    x : (K, B, T, n_in) inputs; steps after a sequence's end may hold anything
        (the networks are causal, so they never affect earlier steps)

    Returns
    -------
    dict with
    ``net`` (K, B, T, U) net inputs of gates and cells, ``a`` (K, B, T, U) their
    activations (gate outputs, and y_c for cells), ``s`` (K, B, T, C*S) internal
    states, ``g_c`` = g(net_c) and ``h_s`` = h(s) (K, B, T, C*S), ``net_k`` and ``y_k``
    (K, B, T, O) output units.
    """
    L = layout(cfg)
    W_h, W_k = params["W_h"], params["W_k"]
    K, B, T, _ = x.shape
    net = np.matmul(x, W_h[:, None, L.src_x, :]) + W_h[:, None, None, L.src_bias, :]   # input and bias parts
    W_r = W_h[:, L.src_rec, :] if L.src_rec is not None else None    # (K, U, U); "B": the loop is only the CEC
    a = np.empty((K, B, T, L.U))
    s = np.empty((K, B, T, L.CS))
    a_prev = np.zeros((K, B, L.U))                                    # reset: a(0) = 0
    s_prev = np.zeros((K, B, L.C, L.S))                               # reset: s(0) = 0
    for t in range(T):
        if W_r is not None:
            net[:, :, t] += np.matmul(a_prev, W_r)                    # net(t) = W z(t)
        y_g, _, s_prev, y_c = step_forward(cfg, net[:, :, t], s_prev)
        a_prev = a[:, :, t]
        a_prev[..., : L.G] = y_g
        a_prev[..., L.cells] = y_c.reshape(K, B, L.CS)
        s[:, :, t] = s_prev.reshape(K, B, L.CS)
    g_c = ACTIVATIONS[cfg.g].fn(net[..., L.cells])
    h_s = ACTIVATIONS[cfg.h].fn(s)
    src_k = output_sources(cfg, a, x)
    net_k = np.matmul(src_k, W_k[:, None])                              # (K,B,T,O)
    return {"net": net, "a": a, "s": s, "g_c": g_c, "h_s": h_s, "net_k": net_k,
            "y_k": output_activation(cfg, net_k)}


def output_sources(cfg: LSTMConfig, a: Array, x: Array) -> Array:
    """Sources of the output units (K, B, T, J): [y_c(t), (x(t) under "B" or ``input_to_output``), 1]."""
    L = layout(cfg)
    parts = [a[..., L.cells]]
    if L.out_x is not None:
        parts.append(x)
    parts.append(np.ones(a.shape[:-1] + (1,)))
    return np.concatenate(parts, axis=-1)


def hidden_sources(cfg: LSTMConfig, a: Array, x: Array) -> Array:
    """Sources z(t) of gates and cells (K, B, T, I): [x(t), a(t−1) under "F", 1]."""
    L = layout(cfg)
    parts = [x]
    if L.src_rec is not None:
        a_prev = np.zeros_like(a)
        a_prev[:, :, 1:] = a[:, :, :-1]                                 # a(0) = 0 at every reset
        parts.append(a_prev)
    parts.append(np.ones(a.shape[:-1] + (1,)))
    return np.concatenate(parts, axis=-1)


def internals(cfg: LSTMConfig, trace: dict[str, Array]) -> dict[str, Array]:
    """Name the parts of a :func:`forward` trace after the paper (for plots and the record module).

    Returns arrays over (K, B, T, ·): ``y_in`` / ``y_out`` / ``y_phi`` (…, C) (y_out ≡ 1 and
    y_phi ≡ 1 when absent), ``g_c``, ``s_c``, ``h_s``, ``y_c`` (…, C*S), ``net_in``, ``net_out``,
    ``net_c``, and ``y_k`` (…, O).
    """
    L = layout(cfg)
    net, a, s = trace["net"], trace["a"], trace["s"]
    ones = np.ones(net.shape[:-1] + (L.C,))
    return {
        "net_in": net[..., L.in_gate],
        "net_out": net[..., L.out_gate] if L.out_gate is not None else np.zeros_like(ones),
        "net_c": net[..., L.cells],
        "y_in": a[..., L.in_gate],
        "y_out": a[..., L.out_gate] if L.out_gate is not None else ones,
        "y_phi": a[..., L.forget_gate] if L.forget_gate is not None else ones,
        "g_c": trace["g_c"],
        "s_c": s,
        "h_s": trace["h_s"],
        "y_c": a[..., L.cells],
        "y_k": trace["y_k"],
    }
