"""A random LSTM gradient problem, shared by the gradient tests (test_lstm, test_lstm_keep)."""

from __future__ import annotations

import numpy as np

from lstm_core.nets.lstm import LSTMConfig, init_params


def random_problem(cfg: LSTMConfig, K=2, B=2, T=7, seed=0, scale=3.0):
    """Random params (scaled up so that gradients are not tiny), inputs, targets at random steps.

    Returns params (K, ...), x (K, B, T, n_in), y (K, B, T, n_out), has_target (K, B, T) with the last
    step always a target.
    """
    rng = np.random.default_rng(seed)
    params = {k: v * scale for k, v in init_params(cfg, [np.random.default_rng(seed + i) for i in range(K)]).items()}
    x = rng.normal(size=(K, B, T, cfg.n_in))
    y = rng.uniform(size=(K, B, T, cfg.n_out))
    has_target = rng.uniform(size=(K, B, T)) < 0.5
    has_target[..., -1] = True
    return params, x, y, has_target
