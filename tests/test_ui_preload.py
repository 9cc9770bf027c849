"""ui.preload: the app's modules are imported and the heap frozen once per process."""

from __future__ import annotations

import gc
import sys

from ui.preload import preload


def test_preload_imports_every_ui_module_freezes_the_heap_and_does_it_only_once():
    try:
        frozen = preload()
        assert frozen > 10_000 and gc.get_freeze_count() > 10_000
        assert {"ui.live_view", "ui.experiment_view", "ui.figures_flow", "lab.jobs"} <= set(sys.modules)
        assert preload() == frozen                       # cached: the second call does nothing
    finally:
        gc.unfreeze()                                    # give the test process its heap back
