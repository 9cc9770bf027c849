"""Sequential construction (Exps 2a/2b, spec A8): each trial gets its memory cell once its error stops falling.

Every trial starts as the direct input->output net: the cell's and gates' weights and the
cell->output weights are held at 0 by the weight masks the learner takes. Every
``construction.window`` training sequences a trial's mean error over them is compared with its
best so far (:meth:`~lstm_core.experiments.preset.Construction.step`); at the plateau the cell is
added — its weights as drawn at initialisation, or 0 — and the trial trains with the full masks
(with ``freeze``: the trained direct weights held fixed from then on).
"""

from __future__ import annotations

import numpy as np

from lstm_core.experiments.preset import Construction
from lstm_core.nets.lstm import LSTMConfig, layout, masks

Array = np.ndarray
Masks = dict[str, Array]        # {"W_h": M_h, "W_k": M_k} as lstm.masks returns them


class Growth:
    """Which trials have their cell yet, and the weight masks each group trains with.

    Parameters
    ----------
    construction : the preset's rule
    net : the LSTM's config
    params : the freshly drawn weights of all K trials; the cell's are kept aside and set to 0 in place
    """

    def __init__(self, construction: Construction, net: LSTMConfig, params: dict[str, Array]):
        self.rule = construction
        L = layout(net)
        self.cell_rows = L.out_cells                               # W_k rows of the cell->output weights
        M_h, M_k = masks(net)["W_h"], masks(net)["W_k"]
        pre_k = M_k.copy()
        pre_k[L.out_cells] = 0.0
        post_k = M_k.copy()
        if construction.freeze:                                    # the trained direct weights held from then on
            if L.out_x is not None:
                post_k[L.out_x] = 0.0
            post_k[L.out_bias] = 0.0
        self.masks_before: Masks = {"W_h": np.zeros_like(M_h), "W_k": pre_k}
        self.masks_after: Masks = {"W_h": M_h, "W_k": post_k}
        self.cell_init = {"W_h": params["W_h"].copy(), "W_k": params["W_k"][:, L.out_cells].copy()}
        params["W_h"][:] = 0.0
        params["W_k"][:, L.out_cells] = 0.0
        K = params["W_h"].shape[0]
        self.grown = np.zeros(K, bool)                             # (K,) the trial has its cell
        self.best = np.full(K, np.inf)                             # (K,) lowest window error so far
        self.since = np.zeros(K, int)                              # (K,) windows without progress

    def groups(self, rows: Array, trials: Array) -> list[tuple[Array, Masks]]:
        """Active rows ``rows`` (of trials ``trials``, same length) grouped by the masks they train with."""
        grown = self.grown[trials]
        return [(r, m) for r, m in ((rows[~grown], self.masks_before), (rows[grown], self.masks_after)) if len(r)]

    def check(self, active: Array, window_error: Array, work: dict[str, Array]) -> list[int]:
        """One window's mean error ``window_error`` (K_active,) per active trial: add the cell at the plateau.

        ``work`` holds the active trials' weights (row i = trial ``active[i]``), changed in place;
        returns the trials that got their cell now.
        """
        new = []
        for i, k in enumerate(active):
            if self.grown[k]:
                continue
            self.best[k], self.since[k], plateau = self.rule.step(float(self.best[k]), int(self.since[k]),
                                                                  float(window_error[i]))
            if plateau:
                self.grown[k] = True
                new.append(int(k))
                if self.rule.init == "drawn":
                    work["W_h"][i] = self.cell_init["W_h"][k]
                    work["W_k"][i, self.cell_rows] = self.cell_init["W_k"][k]
        return new

    def state(self) -> dict[str, Array]:
        """Copies of what a resumed run needs: ``grown``, ``plateau_best``, ``plateau_since`` (K,) each."""
        return {"grown": self.grown.copy(), "plateau_best": self.best.copy(), "plateau_since": self.since.copy()}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state`."""
        self.grown, self.best = np.array(state["grown"]), np.array(state["plateau_best"])
        self.since = np.array(state["plateau_since"])
