"""The engine stands alone: importing lstm_core never pulls in streamlit or plotly."""

import json
import pkgutil
import subprocess
import sys

import pytest

import lstm_core

FORBIDDEN = ("streamlit", "plotly")
MODULES = ["lstm_core"] + [m.name for m in pkgutil.walk_packages(lstm_core.__path__, prefix="lstm_core.")]


def test_the_module_list_covers_lstm_core_submodules():
    assert "lstm_core.activations" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_importing_an_engine_module_loads_neither_streamlit_nor_plotly(name):
    # a fresh interpreter per module, so one module's imports cannot hide another's
    code = (f"import importlib, json, sys; importlib.import_module({name!r}); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
