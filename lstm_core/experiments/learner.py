"""One interface over the three learners a preset can name: LSTM, RNN+BPTT, RNN+RTRL.

The trial loop (:mod:`lstm_core.experiments.train`) only needs: draw K networks, present one
sequence per trial and learn from it, and predict a batch with frozen weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.experiments.preset import Preset
from lstm_core.nets import engine, lstm, lstm_grad, lstm_rtrl, rnn

Array = np.ndarray


@dataclass(frozen=True)
class Learner:
    """The learner of a preset (see :func:`learner`)."""

    preset: Preset
    engine: str = "numpy"      # "numba": train and predict on the compiled kernels (where one exists)

    def init(self, rngs: list[np.random.Generator]) -> dict[str, Array]:
        """K = len(rngs) independent networks, trial k drawn from rngs[k] only."""
        mod = lstm if self.preset.model == "lstm" else rnn
        return mod.init_params(self.preset.net, rngs)

    def weight_count(self) -> int:
        mod = lstm if self.preset.model == "lstm" else rnn
        return mod.weight_count(self.preset.net)

    def train(self, params: dict[str, Array], x: Array, y: Array, has_target: Array,
              lr: float, weight_masks: tuple[Array, Array] | None = None) -> tuple[dict[str, Array], Array]:
        """Present one sequence per trial and learn from it.

        Parameters
        ----------
        x : (K, T, n_in), y : (K, T, O), has_target : (K, T)
        weight_masks : (M_h, M_k) in place of the config's (LSTM, truncated rule: the sequential construction)

        Returns
        -------
        new params, and the outputs the networks produced while learning (K, T, O)
        """
        p, cfg = self.preset, self.preset.net
        if weight_masks is not None and (p.model != "lstm" or p.gradient != "truncated"):
            raise ValueError("weight_masks: only the LSTM's truncated rule takes them")
        if p.model == "lstm":
            if p.gradient == "truncated" and (p.update == "step" or weight_masks is not None):
                new, out = lstm_rtrl.train_sequence(cfg, params, x, y, has_target, lr, update=p.update,
                                                      weight_masks=weight_masks)
                return new, out["y_k"]
            grad_fn = lstm_grad.truncated_grad if p.gradient == "truncated" else lstm_grad.bptt_grad
            grads, _, trace = grad_fn(cfg, params, x[:, None], y[:, None], has_target[:, None])
            return lstm_grad.apply_update(cfg, params, grads, lr), trace["y_k"][:, 0]
        train_fn = rnn.rtrl_train_sequence if p.model == "rnn_rtrl" else rnn.bptt_train_sequence
        new, cache = train_fn(cfg, params, x[:, None], y[:, None], has_target[:, None], lr, update=p.update)
        return new, cache["y"][:, 0]

    def predict(self, params: dict[str, Array], x: Array, sym: Array | None = None,
                lengths: Array | None = None) -> Array:
        """Outputs (K, B, T, O) of frozen networks on inputs x (K, B, T, n_in) (or symbols sym (K, B, T)).

        With ``lengths`` (K, B) the kernel stops each sequence at its end (outputs after it are 0).
        """
        if self.preset.model == "lstm":
            if self.engine == "numba":
                from lstm_core.nets import fast
                by_symbol = sym is not None
                return fast.lstm_outputs(self.preset.net, params, None if by_symbol else x, sym, lengths)
            return lstm.forward(self.preset.net, params, _dense(x, sym, self.preset.net.n_in))["y_k"]
        if self.engine == "numba":
            from lstm_core.nets import fast
            return fast.rnn_forward(self.preset.net, params, None if sym is not None else x, sym)["y"]
        return rnn.forward(self.preset.net, params, _dense(x, sym, self.preset.net.n_in))["y"]

    def has_kernel(self) -> bool:
        """True when this learner trains on a compiled kernel here (Numba present, LAB_ENGINE not numpy).

        Every learner has one: the LSTM's truncated rule (kernels_rtrl) and full gradient (kernels_bptt),
        the RNN by BPTT or RTRL (kernels_rnn).
        """
        return self.engine == "numba"

    def train_span(self, params: dict[str, Array], data: dict[str, Array], lr, rule, seen0: int, pos: Array,
                   stop: int, err_hist: Array, ok_hist: Array, counts: Array,
                   weight_masks: tuple[Array, Array] | None = None) -> Array:
        """Train each trial k on its pre-drawn sequences ``pos[k] .. stop − 1`` by the kernel, until its rule.

        ``params`` (K, ...) and the ring arrays are changed in place; returns the EVENT_* per trial
        (see :func:`lstm_core.nets.kernels_rtrl.train_chunk`; the other learners' drivers are its twins).
        ``weight_masks`` as in :meth:`train`.
        """
        from lstm_core.nets import fast
        p = self.preset
        if weight_masks is not None and (p.model != "lstm" or p.gradient != "truncated"):
            raise ValueError("weight_masks: only the LSTM's truncated rule takes them")
        if p.model != "lstm":
            return fast.rnn_train_chunk(p.net, "rtrl" if p.model == "rnn_rtrl" else "bptt", params, data, lr, p.update,
                                        rule, seen0, pos, stop, err_hist, ok_hist, counts)
        if p.gradient == "full":
            return fast.lstm_bptt_train_chunk(p.net, params, data, lr, rule, seen0, pos, stop, err_hist, ok_hist,
                                              counts)
        return fast.lstm_train_chunk(p.net, params, data, lr, p.update, rule, seen0, pos, stop,
                                     err_hist, ok_hist, counts, weight_masks)


def _dense(x: Array | None, sym: Array | None, n_in: int) -> Array:
    """Dense inputs for the readable engine: ``x``, or the one-hot rows of ``sym`` (−1: none)."""
    if x is not None:
        return x
    from lstm_core.tasks.batch import one_hot
    return one_hot(sym, n_in)


def learner(preset: Preset) -> Learner:
    """The :class:`Learner` of ``preset`` on the engine in use now (:func:`lstm_core.nets.engine.active`)."""
    return Learner(preset, engine.active())


def take_trials(params: dict[str, Array], idx: Array) -> dict[str, Array]:
    """The params of trials ``idx`` only (a copy), keeping the K axis."""
    return {k: np.ascontiguousarray(v[idx]) for k, v in params.items()}


def finite_trials(params: dict[str, Array]) -> Array:
    """(K,) bool: every weight of trial k is finite (no NaN / inf: training has not diverged)."""
    ok = None
    for v in params.values():
        f = np.isfinite(v.reshape(v.shape[0], -1)).all(axis=1)
        ok = f if ok is None else ok & f
    return ok
