"""lstm_core: the 1997 LSTM (Hochreiter & Schmidhuber), its rivals, and the paper's experiments.

A NumPy-only engine (pandas is allowed for report tables). It never imports
streamlit or plotly; the app in ``pages/`` and ``ui/`` only draws what it returns.

Letters used in every shape comment of the package
--------------------------------------------------
K   independent trials (networks) advanced in lockstep by the same NumPy calls
B   sequences processed side by side by each trial (1 when training online)
T   time steps of a (padded) sequence; each sequence has its own length L <= T
n_in input units
C   memory-cell blocks
S   cells per block (C*S cells in all)
G   gate units (2C, or 3C with the forget-gate variant)
U   hidden units that receive the source vector z: G gates + C*S cells
I   sources of a hidden unit: n_in inputs, recurrent hidden activations, bias
O   output units
J   sources of an output unit: C*S cell outputs (+ n_in inputs) (+ bias)

All arrays are float64. Weight matrices are stored source-major, so that the
net input of every unit is one matmul ``z @ W``: ``W_h[k, m, u]`` is the paper's
``w[u, m]`` (weight from source m to unit u) of trial k.
"""

__all__ = ["activations"]
