"""The post-training test: ``test_size`` fresh sequences per trial through its frozen weights (spec §4).

Drawn and judged in batches that fit the data budget (:func:`~lstm_core.experiments.budget.final_test_batch`;
10,000 Exp 2c sequences at q = 1000 would be 80 GB at once): counts add up, mean errors are weighted
by batch size. A trial's test sequences come from its own test generator in batches sized from the
preset alone, so they are the same whether it runs alone or with others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lstm_core.experiments import criteria
from lstm_core.experiments.budget import draw, final_test_batch, within_budget
from lstm_core.experiments.learner import take_trials
from lstm_core.experiments.stop_rules import STOP_RULES

if TYPE_CHECKING:
    from lstm_core.experiments.train import TrialRun

Array = np.ndarray


def final_test(run: TrialRun, trials: list[int]) -> list[dict]:
    """The post-training test of ``trials`` (indices into the run's K), one dict per trial.

    Each dict: ``wrong`` (sequences not processed correctly), ``n``, ``mse`` and ``mae`` at the
    sequence end (against the noise-free target where there is one); empty when the rule has no
    such test (Exp 1) or ``test_size`` is 0.
    """
    params_all = run.synced_params()
    n = run.rule.test_size
    if not n or not trials or not STOP_RULES[run.rule.kind].final_test:
        return [{} for _ in trials]
    batch = final_test_batch(run.preset)
    group = within_budget(run.preset, batch, len(trials))         # trials judged together within the budget
    out = []
    for g0 in range(0, len(trials), group):
        ks = trials[g0:g0 + group]
        params = take_trials(params_all, ks)
        total: dict[str, Array] = {}
        for start in range(0, n, batch):
            m = min(batch, n - start)
            data = criteria.stack([draw(run.preset, run.test_rngs[k], m) for k in ks], dense=False)
            y_out = run.learner.predict(params, data["x"], data.get("sym"), data["lengths"])
            for key, v in criteria.test_report(run.rule, y_out, data).items():
                total[key] = total.get(key, 0) + (v * m if key in ("mse", "mae") else v)
        for key in ("mse", "mae"):
            total[key] = total[key] / n
        out += [{key: float(v[i]) for key, v in total.items()} for i in range(len(ks))]
    return out
