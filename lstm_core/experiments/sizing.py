"""Network sizes that follow from a task: its input and output layers, worked out from the task's options.

The paper sizes every net by its task (Table 10): Exp 1 has 7 inputs and outputs (the Reber
alphabet), Exps 2a/2b p + 1 (the symbols a_1..a_{p-1}, x, y), Exp 2c p + 4 inputs (the distractors,
b, x, y, e) and 2 outputs, Exps 3-5 one or two real inputs and one output, Exp 6 eight inputs and
2^n classes. A setting that changes p (or anything else a layer depends on) resizes the net here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig
from lstm_core.tasks import TASK_INFO

# task -> (inputs, outputs) from its options (completed with the task's defaults)
LAYER_SIZES: dict[str, Callable[[dict], tuple[int, int]]] = {
    "reber": lambda o: (7, 7),                              # B, T, P, S, X, V, E
    "embedded_reber": lambda o: (7, 7),
    "lag_2a": lambda o: (o["p"] + 1, o["p"] + 1),           # a_1..a_{p-1}, x, y
    "lag_2b": lambda o: (o["p"] + 1, o["p"] + 1),
    "lag_2c": lambda o: (o["p"] + 4, 2),                    # a_1..a_p, e, b, x, y -> the class of x / y
    "two_sequence": lambda o: (1, 1),
    "adding": lambda o: (2, 1),                             # (value, marker) pairs
    "multiplication": lambda o: (2, 1),
    "temporal_order": lambda o: (8, 2 ** o["n_relevant"]),  # a, b, c, d, X, Y, B, E -> 4 or 8 classes
}


def task_options(task: str, opts: dict) -> dict:
    """``opts`` completed with the task's defaults (:data:`lstm_core.tasks.TASK_INFO`)."""
    return {**TASK_INFO[task]["defaults"], **opts}


def layer_sizes(task: str, opts: dict) -> tuple[int, int]:
    """(inputs, outputs) of the nets of ``task`` with options ``opts`` (the defaults for missing ones)."""
    return LAYER_SIZES[task](task_options(task, opts))


def sized_net(net: LSTMConfig | RNNConfig, task: str, opts: dict) -> LSTMConfig | RNNConfig:
    """``net`` with its input and output layers sized for ``task`` with ``opts`` (hidden part unchanged)."""
    n_in, n_out = layer_sizes(task, opts)
    return replace(net, n_in=n_in, n_out=n_out)
