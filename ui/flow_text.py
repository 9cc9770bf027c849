"""The sentences of the Vanishing-gradient page that state a number, worded from the number.

Pure (no Streamlit), so each claim can be tested against the value it prints: a
comparison such as "< 1" is only written when it holds.
"""

from __future__ import annotations


def factor_sentence(activation: str, w0: float, factor: float, fprime_max: float) -> str:
    """One step of eq. (2) with w = w₀: the factor f′(w₀)·w₀, its bound f′max·|w₀|, and when that is below 1.

    Parameters
    ----------
    activation : "logistic", "tanh" or "identity" (the RNN units' f)
    w0 : the weight scale; factor : f′(w₀·1)·w₀; fprime_max : sup |f′|
    """
    bound = fprime_max * abs(w0)
    head = (f"One step of eq. (2) multiplies by f′(net)·w. With w = w₀ = {w0:g} and a source activation y = 1, "
            f"f′({w0:g})·{w0:g} = **{factor:.3f}**. ")
    if activation == "identity":
        return head + ("A linear unit has f′ = 1 everywhere, so a step multiplies by w itself: |w| < 1 shrinks "
                       "the error at every step, |w| > 1 blows it up, and only |w| = 1 keeps it unchanged — the "
                       "choice of the constant error carousel (a self-connection of weight 1.0).")
    threshold = 1.0 / fprime_max
    where = "below" if bound < 1 else ("exactly" if bound == 1 else "above")
    return head + (f"Whatever the net input, |f′(net)·w| ≤ f′max·|w| = {fprime_max:g}·{abs(w0):g} = "
                   f"**{bound:.3g}**, {where} 1 here; this bound is below 1 for every |w| < {threshold:g}, "
                   f"so with such weights the error shrinks at every step.")


def norm_sentence(norm_A: float, fprime_max: float) -> str:
    """The bound n·(f′max·‖W‖_A)^q and whether it shrinks with q for this net (it does iff the base is < 1)."""
    base = fprime_max * norm_A
    text = f"Here ‖W‖_A = {norm_A:.2f} (the largest sum of |w| into one unit), so f′max·‖W‖_A = {base:.2f}"
    if base < 1:
        return text + (" < 1: the bound n·(f′max·‖W‖_A)^q shrinks exponentially with q, so the error "
                       "must vanish.")
    return text + (" ≥ 1: the bound n·(f′max·‖W‖_A)^q does not shrink with q and proves nothing for this net; "
                   "whether the error vanishes is measured in the figure below.")
