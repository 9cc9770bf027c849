"""A random LSTM gradient problem, shared by the gradient tests (test_lstm, test_lstm_keep)."""

from __future__ import annotations

from lstm_core.analysis.gradcheck import lstm_problem
from lstm_core.nets.lstm import LSTMConfig


def random_problem(cfg: LSTMConfig, K=2, B=2, T=7, seed=0, scale=3.0):
    """:func:`lstm_core.analysis.gradcheck.lstm_problem` with the tests' defaults (K = 2 trials, T = 7)."""
    return lstm_problem(cfg, seed, T=T, B=B, scale=scale, K=K)
