"""Squashing functions of the 1997 paper and their derivatives (spec §1.1).

=============  ==================  ========  ========================  ===========
name           definition          range     derivative                paper name
=============  ==================  ========  ========================  ===========
``logistic``   f(x) = σ(x)         [0, 1]    σ(1−σ), max 0.25          f, g1
``h_pm1``      h(x) = 2σ(x) − 1    [−1, 1]   2σ(1−σ), max 0.5          h, h1
``g_pm2``      g(x) = 4σ(x) − 2    [−2, 2]   4σ(1−σ), max 1.0          g, g2
``identity``   x                   R         1                         id
``tanh``       tanh(x)             [−1, 1]   1 − tanh², max 1.0        (error-flow demo only)
=============  ==================  ========  ========================  ===========

Each entry of :data:`ACTIVATIONS` is an :class:`Activation` holding the function
and its derivative, both taking the *net input* x, elementwise on any shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def sigmoid(x: Array) -> Array:
    """σ(x) = 1 / (1 + e^(−x)), computed as 0.5·(1 + tanh(x/2)) (no overflow)."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _dsigmoid(x: Array) -> Array:
    s = sigmoid(x)
    return s * (1.0 - s)  # f' = σ(1−σ)


@dataclass(frozen=True)
class Activation:
    """A squashing function with its derivative and range.

    Attributes
    ----------
    name : registry key
    fn : x -> value, elementwise
    deriv : x -> d value / dx, elementwise
    dvalue : y -> d value / dx written through the value y = fn(x) (saves recomputing fn)
    lo, hi : range of the function (inf for unbounded)
    deriv_max : sup of |deriv|
    """

    name: str
    fn: Callable[[Array], Array]
    deriv: Callable[[Array], Array]
    dvalue: Callable[[Array], Array]
    lo: float
    hi: float
    deriv_max: float


ACTIVATIONS: dict[str, Activation] = {
    "logistic": Activation("logistic", sigmoid, _dsigmoid, lambda y: y * (1.0 - y), 0.0, 1.0, 0.25),
    "h_pm1": Activation("h_pm1", lambda x: np.tanh(0.5 * x),  # 2σ(x)−1 = tanh(x/2)
                        lambda x: 2.0 * _dsigmoid(x), lambda y: 0.5 * (1.0 - y * y), -1.0, 1.0, 0.5),
    "g_pm2": Activation("g_pm2", lambda x: 2.0 * np.tanh(0.5 * x),  # 4σ(x)−2 = 2 tanh(x/2)
                        lambda x: 4.0 * _dsigmoid(x), lambda y: 1.0 - 0.25 * y * y, -2.0, 2.0, 1.0),
    "identity": Activation("identity", lambda x: np.asarray(x, dtype=float) * 1.0,
                           lambda x: np.ones_like(x, dtype=float), lambda y: np.ones_like(y, dtype=float),
                           -np.inf, np.inf, 1.0),
    "tanh": Activation("tanh", np.tanh, lambda x: 1.0 - np.tanh(x) ** 2, lambda y: 1.0 - y * y, -1.0, 1.0, 1.0),
}
