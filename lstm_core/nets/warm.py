"""Compile (or load from the on-disk cache) the kernels a preset needs, on tiny data, before training.

Numba compiles a kernel on its first call and, with ``cache=True``, writes the machine code
in ``lstm_core/nets/__pycache__/kernels-<hash>`` (:mod:`lstm_core.nets._numba`: the hash of every kernel
source, so no edited callee is run stale), so later processes only load it (well
under a second; a first compile takes 10-20 s on a 2-core machine). A training job calls
:func:`prepare` in its worker process and says "preparing the fast engine" meanwhile; the
app may call it at start-up in the background.
"""

from __future__ import annotations

import time
from dataclasses import replace

from lstm_core.nets import engine


def kernel_dispatchers() -> list:
    """Every compiled kernel of :mod:`lstm_core.nets` (Numba dispatchers), for cache statistics."""
    import importlib
    import pkgutil

    from lstm_core import nets

    out = []
    for info in pkgutil.iter_modules(nets.__path__):
        if not info.name.startswith("kernels"):
            continue
        mod = importlib.import_module(f"{nets.__name__}.{info.name}")
        out += [obj for obj in vars(mod).values() if hasattr(obj, "stats") and hasattr(obj, "py_func")]
    return out


def cache_misses() -> int:
    """How many kernel signatures this process compiled instead of loading them from the disk cache."""
    return sum(sum(d.stats.cache_misses.values()) for d in kernel_dispatchers())


# one preset per compiled learner and stopping rule: preparing these compiles (or loads) every kernel
EVERY_KERNEL = ("exp4_adding_T100", "exp1_3x2_lr0.5", "classroom_exp1_reber", "classroom_exp3a_T20_N3",
                "classroom_exp2c_q10_p10", "baseline_rnn_adding_T20", "exp2a_rtrl_p4_lr1")


def prepare_all() -> float:
    """:func:`prepare` every kernel (see :data:`EVERY_KERNEL`); returns the seconds it took."""
    from lstm_core.experiments import get_preset

    return sum(prepare(get_preset(name)) for name in EVERY_KERNEL)


def prepare(preset) -> float:
    """Train ``preset``'s learner on two short sequences so that its kernels are compiled or loaded.

    Returns the seconds it took (0.0 on the NumPy engine, which has nothing to prepare).
    """
    if not engine.use_kernels():
        return 0.0
    import numpy as np

    from lstm_core.experiments import criteria
    from lstm_core.experiments.train import TrialRun
    from lstm_core.tasks import TASKS

    t0 = time.perf_counter()
    run = TrialRun(replace(preset, stop=replace(preset.stop, max_sequences=2)), trials=1, seed=0)
    run.advance(2)                                              # the learner's kernel
    batch = TASKS[preset.task](np.random.default_rng(0), 1, **preset.task_options)
    data = criteria.stack([batch], dense=False)
    run.learner.predict(run.params, data["x"], data["sym"])     # the forward kernel (tests, evaluation)
    return time.perf_counter() - t0


class CompileWatch:
    """While installed (``with CompileWatch() as w``), ``w.compiled`` turns True once Numba compiles
    anything in this process — a kernel not found in the disk cache (loading one does not count).
    """

    def __enter__(self) -> CompileWatch:
        from numba.core import event

        watch = self
        self.compiled = False

        class _Listener(event.Listener):
            def on_start(self, ev) -> None:
                watch.compiled = True

            def on_end(self, ev) -> None:
                pass

        self._listener = _Listener()
        event.register("numba:compile", self._listener)
        return self

    def __exit__(self, *exc) -> None:
        from numba.core import event

        event.unregister("numba:compile", self._listener)
