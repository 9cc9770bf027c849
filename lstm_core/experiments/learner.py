"""One interface over the three learners a preset can name: LSTM, RNN+BPTT, RNN+RTRL.

The trial loop (:mod:`lstm_core.experiments.train`) only needs: draw K networks, present one
sequence per trial and learn from it, and predict a batch with frozen weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.experiments.preset import Preset
from lstm_core.nets import NETS, Net, engine

Array = np.ndarray


@dataclass(frozen=True)
class Learner:
    """The learner of a preset (see :func:`learner`): its network :data:`~lstm_core.nets.NETS` ``[preset.model]``."""

    preset: Preset
    engine: str = "numpy"      # "numba": train and predict on the compiled kernels

    @property
    def network(self) -> Net:
        """The preset's network behind the one interface (:data:`lstm_core.nets.NETS`)."""
        return NETS[self.preset.model]

    def init(self, rngs: list[np.random.Generator]) -> dict[str, Array]:
        """K = len(rngs) independent networks, trial k drawn from rngs[k] only."""
        return self.network.init(self.preset.net, rngs)

    def weight_count(self) -> int:
        return self.network.weight_count(self.preset.net)

    def train(self, params: dict[str, Array], x: Array, y: Array, has_target: Array,
              lr: float, weight_masks: dict[str, Array] | None = None) -> tuple[dict[str, Array], Array]:
        """Present one sequence per trial and learn from it.

        Parameters
        ----------
        x : (K, T, n_in), y : (K, T, O), has_target : (K, T)
        weight_masks : ``W_h``, ``W_k`` masks in place of the config's (LSTM, truncated rule: the sequential
            construction)

        Returns
        -------
        new params, and the outputs the networks produced while learning (K, T, O)
        """
        p = self.preset
        return self.network.train_sequence(p.net, params, x, y, has_target, lr, p.update, p.gradient, weight_masks)

    def predict(self, params: dict[str, Array], x: Array, sym: Array | None = None,
                lengths: Array | None = None) -> Array:
        """Outputs (K, B, T, O) of frozen networks on inputs x (K, B, T, n_in) (or symbols sym (K, B, T)).

        With ``lengths`` (K, B) the LSTM kernel stops each sequence at its end (outputs after it are 0).
        """
        cfg = self.preset.net
        if self.engine == "numba":
            return self.network.outputs(cfg, params, None if sym is not None else x, sym, lengths)
        return self.network.forward(cfg, params, _dense(x, sym, cfg.n_in))["y_k"]

    def has_kernel(self) -> bool:
        """True when this learner trains on a compiled kernel here (Numba present, LAB_ENGINE not numpy).

        Every learner has one: the LSTM's truncated rule (kernels_rtrl) and full gradient (kernels_bptt),
        the RNN by BPTT or RTRL (kernels_rnn).
        """
        return self.engine == "numba"

    def train_span(self, params: dict[str, Array], data: dict[str, Array], lr, rule, seen0: int, pos: Array,
                   stop: int, err_hist: Array, ok_hist: Array, counts: Array,
                   weight_masks: dict[str, Array] | None = None) -> Array:
        """Train each trial k on its pre-drawn sequences ``pos[k] .. stop − 1`` by the kernel, until its rule.

        ``params`` (K, ...) and the ring arrays are changed in place; returns the EVENT_* per trial
        (see :func:`lstm_core.nets.kernels_rtrl.train_chunk`; the other learners' drivers are its twins).
        ``weight_masks`` as in :meth:`train`.
        """
        p = self.preset
        return self.network.train_chunk(p.net, params, data, lr, p.update, p.gradient, rule, seen0, pos, stop,
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
