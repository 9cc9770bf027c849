"""The plain-RNN competitor each LSTM setting is compared with, on that setting's own task.

Exp 2a: the paper's own RTRL net (Table 1; BPTT for delays above 10, where RTRL's O(n⁴) cost per
step is too slow to watch). The other experiments: the classroom BPTT baseline of the experiment
(:data:`~lstm_core.experiments.classroom.BASELINE_BY_EXPERIMENT`), moved to the setting's task
options, its input and output layers resized to them (:mod:`~lstm_core.experiments.sizing`).
"""

from __future__ import annotations

from dataclasses import replace

from lstm_core.experiments.classroom import BASELINE_BY_EXPERIMENT, BASELINE_PRESETS
from lstm_core.experiments.paper import PAPER_PRESETS
from lstm_core.experiments.preset import Preset
from lstm_core.experiments.sizing import sized_net
from lstm_core.nets import NETS

_BY_NAME = {p.name: p for p in (*PAPER_PRESETS, *BASELINE_PRESETS)}
EXP2A_RTRL, EXP2A_BPTT = "exp2a_rtrl_p10", "exp2a_bptt_p100"
RTRL_MAX_P = 10          # Exp 2a delays up to this are compared with RTRL, longer ones with BPTT


def baseline_for(preset: Preset) -> Preset | None:
    """The plain-RNN competitor on the same task as the LSTM ``preset`` (every experiment has one); else None."""
    if not NETS[preset.model].has_cells:
        return None
    opts = dict(preset.task_options)
    if preset.task == "lag_2a":
        p = int(opts["p"])
        base = _BY_NAME[EXP2A_RTRL if p <= RTRL_MAX_P else EXP2A_BPTT]
        if base.task_options["p"] == p:
            return base
        return replace(base, name=f"{base.name}-p{p}", net=sized_net(base.net, base.task, {"p": p}),
                       task_options={"p": p}, title=f"{base.title.split(',')[0]}, p={p}")
    name = BASELINE_BY_EXPERIMENT.get(preset.experiment)
    if name is None:
        return None
    base = _BY_NAME[name]
    if base.task == preset.task and opts == dict(base.task_options):
        return base
    return replace(base, name=f"{base.name}-matched", task=preset.task, task_options=opts,
                   net=sized_net(base.net, preset.task, opts), title=f"Baseline · plain RNN (BPTT) on {preset.name}")
