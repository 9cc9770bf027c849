"""The networks, behind one interface: ``NETS[preset.model]``.

============  ==========================================  =========================================
key           network and learning rule                   modules
============  ==========================================  =========================================
``lstm``      the 1997 memory-cell net; truncated rule    :mod:`~lstm_core.nets.lstm` (net, one step each
              (App. A.1) or full gradient (BPTT)          way), :mod:`~lstm_core.nets.lstm_grad`,
                                                          :mod:`~lstm_core.nets.lstm_rtrl`
``rnn_bptt``  one-hidden-layer RNN, BPTT                  :mod:`~lstm_core.nets.rnn`
``rnn_rtrl``  the same RNN, RTRL (Williams & Zipser)      :mod:`~lstm_core.nets.rnn_rtrl`
============  ==========================================  =========================================

Every :class:`Net` has the same functions: ``init`` (K independent networks), ``forward``
(a trace whose ``net_k``, ``y_k`` (K, B, T, O) are the output units for every net), ``masks`` and
``param_shapes`` (dicts keyed like the params), ``weight_count``, ``train_sequence`` (one
sequence per trial, the readable NumPy learner), ``train_chunk`` and ``outputs`` (the compiled
kernels of :mod:`lstm_core.nets.fast`), plus what a page shows: a ``label``, whether the net
``has_cells`` and ``shown_units`` (memory cells of an LSTM, hidden units of an RNN). Each
network's module has one ``step_forward`` / ``step_backward`` pair in the paper's names, which
every loop over time (forward pass, BPTT, error-flow analysis, recorder) calls.

:mod:`lstm_core.nets.engine` says whether the compiled kernels are used (Numba installed and
``LAB_ENGINE`` not ``numpy``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstm_core.nets import lstm, lstm_grad, lstm_rtrl, rnn, rnn_rtrl

Array = np.ndarray
Params = dict[str, Array]


@dataclass(frozen=True)
class Net:
    """One kind of network and its learning rule, as every caller outside this package sees it."""

    label: str                  # the network's name on a page: "LSTM" or "RNN" (the rule is in the preset's title)
    config: type                # LSTMConfig or RNNConfig
    has_cells: bool             # True: memory cells (CECs) to draw and to record
    module: object              # the readable reference (lstm or rnn): init_params, forward, masks, ...
    train_sequence: Callable    # (cfg, params, x, y, has_target, lr, update, gradient, weight_masks) -> (new, y_k)
    train_chunk: Callable       # (cfg, params, data, lr, update, gradient, rule, seen0, pos, stop, ...) -> events
    outputs: Callable           # (cfg, params, x, sym, lengths) -> y_k (K, B, T, O), by the kernel

    def init(self, cfg, rngs: list[np.random.Generator]) -> Params:
        """K = len(rngs) independent networks, trial k drawn from ``rngs[k]`` only."""
        return self.module.init_params(cfg, rngs)

    def forward(self, cfg, params: Params, x: Array) -> dict[str, Array]:
        """The readable forward pass on x (K, B, T, n_in): a trace with ``net_k``, ``y_k`` (K, B, T, O)."""
        return self.module.forward(cfg, params, x)

    def masks(self, cfg) -> dict[str, Array]:
        """0/1 mask of every parameter array (1 = the weight exists), keyed like the params."""
        return self.module.masks(cfg)

    def param_shapes(self, cfg) -> dict[str, tuple[int, ...]]:
        """Shapes of one trial's parameters (without the K axis)."""
        return self.module.param_shapes(cfg)

    def weight_count(self, cfg) -> int:
        """Number of trainable weights (the paper's "# weights")."""
        return self.module.weight_count(cfg)

    def shown_units(self, cfg) -> int:
        """Units a page draws: the memory cells C*S of an LSTM, the hidden units H of an RNN."""
        return cfg.blocks * cfg.block_size if self.has_cells else cfg.n_hidden


# ----------------------------------------------------------------------------- LSTM

def _masks_need_truncated(gradient: str | None, weight_masks) -> None:
    """Weight masks in place of the config's (the sequential construction) exist for the LSTM's truncated rule only."""
    if weight_masks is not None and gradient != "truncated":
        raise ValueError("weight_masks: only the LSTM's truncated rule takes them")


def _lstm_train_sequence(cfg, params, x, y, has_target, lr, update, gradient, weight_masks=None):
    """One sequence per trial, x (K, T, n_in): the paper's real-time rule (App. A.1) where it updates within
    the sequence or holds weights by masks, else a whole-sequence gradient (truncated or full) and one step."""
    _masks_need_truncated(gradient, weight_masks)
    if gradient == "truncated" and (update == "step" or weight_masks is not None):
        new, out = lstm_rtrl.train_sequence(cfg, params, x, y, has_target, lr, update=update,
                                            weight_masks=weight_masks)
        return new, out["y_k"]
    grad_fn = lstm_grad.truncated_grad if gradient == "truncated" else lstm_grad.bptt_grad
    grads, _, trace = grad_fn(cfg, params, x[:, None], y[:, None], has_target[:, None])
    return lstm_grad.apply_update(cfg, params, grads, lr), trace["y_k"][:, 0]


def _lstm_train_chunk(cfg, params, data, lr, update, gradient, rule, seen0, pos, stop, err_hist, ok_hist, counts,
                      weight_masks=None):
    from lstm_core.nets import fast
    _masks_need_truncated(gradient, weight_masks)
    if gradient == "full":
        return fast.lstm_bptt_train_chunk(cfg, params, data, lr, rule, seen0, pos, stop, err_hist, ok_hist, counts)
    return fast.lstm_train_chunk(cfg, params, data, lr, update, rule, seen0, pos, stop, err_hist, ok_hist, counts,
                                 weight_masks)


def _lstm_outputs(cfg, params, x=None, sym=None, lengths=None):
    from lstm_core.nets import fast
    return fast.lstm_outputs(cfg, params, x, sym, lengths)


# ----------------------------------------------------------------------------- RNN

def _rnn_train_sequence(train_fn: Callable) -> Callable:
    def train_sequence(cfg, params, x, y, has_target, lr, update, gradient, weight_masks=None):
        """One sequence per trial, x (K, T, n_in), by BPTT or RTRL (``gradient`` is always the full one)."""
        _masks_need_truncated(None, weight_masks)
        new, trace = train_fn(cfg, params, x[:, None], y[:, None], has_target[:, None], lr, update=update)
        return new, trace["y_k"][:, 0]
    return train_sequence


def _rnn_train_chunk(algo: str) -> Callable:
    def train_chunk(cfg, params, data, lr, update, gradient, rule, seen0, pos, stop, err_hist, ok_hist, counts,
                    weight_masks=None):
        from lstm_core.nets import fast
        _masks_need_truncated(None, weight_masks)
        return fast.rnn_train_chunk(cfg, algo, params, data, lr, update, rule, seen0, pos, stop, err_hist, ok_hist,
                                    counts)
    return train_chunk


def _rnn_outputs(cfg, params, x=None, sym=None, lengths=None):
    from lstm_core.nets import fast
    return fast.rnn_forward(cfg, params, x, sym)["y_k"]


NETS: dict[str, Net] = {
    "lstm": Net("LSTM", lstm.LSTMConfig, True, lstm, _lstm_train_sequence, _lstm_train_chunk, _lstm_outputs),
    "rnn_bptt": Net("RNN", rnn.RNNConfig, False, rnn, _rnn_train_sequence(rnn.bptt_train_sequence),
                    _rnn_train_chunk("bptt"), _rnn_outputs),
    "rnn_rtrl": Net("RNN", rnn.RNNConfig, False, rnn, _rnn_train_sequence(rnn_rtrl.train_sequence),
                    _rnn_train_chunk("rtrl"), _rnn_outputs),
}
"""Every network a preset can name, keyed by ``Preset.model``."""
