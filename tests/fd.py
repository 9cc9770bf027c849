"""Central finite differences in float64, shared by the gradient tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_difference(loss: Callable[[dict], float], params: dict[str, np.ndarray],
                       masks: dict[str, np.ndarray] | None = None, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """∂loss/∂params by (loss(w+ε) − loss(w−ε)) / 2ε for every entry (skipping masked-out ones).

    ``params`` arrays have a leading trial axis K; ``masks[name]`` has the shape without it.
    """
    num = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for idx in np.ndindex(*value.shape):
            if masks is not None and masks[name][idx[1:]] == 0:
                continue
            work = {k: v.copy() for k, v in params.items()}
            work[name][idx] += eps
            up = loss(work)
            work[name][idx] -= 2 * eps
            grad[idx] = (up - loss(work)) / (2 * eps)
        num[name] = grad
    return num
