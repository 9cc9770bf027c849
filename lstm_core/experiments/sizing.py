"""Network sizes that follow from a task: its input and output layers, worked out from the task's options.

The paper sizes every net by its task (Table 10): Exp 1 has 7 inputs and outputs (the Reber
alphabet), Exps 2a/2b p + 1 (the symbols a_1..a_{p-1}, x, y), Exp 2c p + 4 inputs (the distractors,
b, x, y, e) and 2 outputs, Exps 3-5 one or two real inputs and one output, Exp 6 eight inputs and
2^n classes. A setting that changes p (or anything else a layer depends on) resizes the net here.
"""

from __future__ import annotations

from dataclasses import replace

from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig


def layer_sizes(task: str, opts: dict) -> tuple[int, int]:
    """(inputs, outputs) of the nets of ``task`` with options ``opts`` (the defaults for missing ones)."""
    if task in ("reber", "embedded_reber"):
        return 7, 7
    if task in ("lag_2a", "lag_2b"):
        return opts.get("p", 100) + 1, opts.get("p", 100) + 1
    if task == "lag_2c":
        return opts.get("p", 50) + 4, 2
    if task == "temporal_order":
        return 8, 2 ** opts.get("n_relevant", 2)
    return (1 if task == "two_sequence" else 2), 1           # two_sequence; adding, multiplication


def sized_net(net: LSTMConfig | RNNConfig, task: str, opts: dict) -> LSTMConfig | RNNConfig:
    """``net`` with its input and output layers sized for ``task`` with ``opts`` (hidden part unchanged)."""
    n_in, n_out = layer_sizes(task, opts)
    return replace(net, n_in=n_in, n_out=n_out)
