"""Dependencies run one way: ``lstm_core`` (the paper) <- ``lab`` (the machinery) <- ``ui``, ``pages`` (the app).

The engine never imports ``lab``, ``ui``, streamlit or plotly, and ``lab`` never imports ``ui`` or streamlit:
checked on the source (every import statement, also those inside functions) and by importing each module
in a fresh interpreter. ``python -m lstm_core`` reaches its commands in ``lab`` by module name only
(``lstm_core/__main__.py``), which neither check counts as an import.
"""

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import lab
import lstm_core

REPO = Path(__file__).resolve().parent.parent
# package -> top-level packages it must never import
FORBIDDEN = {"lstm_core": ("lab", "ui", "pages", "streamlit", "plotly"), "lab": ("ui", "pages", "streamlit")}


def _modules(pkg) -> list[str]:
    return [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + ".")]


MODULES = {"lstm_core": _modules(lstm_core), "lab": _modules(lab)}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages named by the import statements of one source file (relative imports excluded)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_module_lists_cover_both_packages():
    assert "lstm_core.activations" in MODULES["lstm_core"] and "lstm_core.nets.lstm" in MODULES["lstm_core"]
    assert "lab.sweep" in MODULES["lab"] and "lab.runs" in MODULES["lab"]


def test_the_source_check_sees_imports_inside_functions(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os.path\nfrom . import x\ndef f():\n    from streamlit import session_state\n")
    assert imported_packages(f) == {"os", "streamlit"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_source_file_imports_a_package_above_it(package):
    bad = {str(f.relative_to(REPO)): sorted(imported_packages(f) & set(FORBIDDEN[package]))
           for f in sorted((REPO / package).rglob("*.py"))}
    assert {f: names for f, names in bad.items() if names} == {}


def test_the_command_line_reaches_lab_by_module_name_only():
    from lstm_core.__main__ import COMMANDS

    assert "lab" not in imported_packages(REPO / "lstm_core" / "__main__.py")
    assert {module.split(".")[0] for module, _ in COMMANDS.values()} == {"lab"}


@pytest.mark.parametrize("name", [m for pkg in sorted(MODULES) for m in MODULES[pkg]])
def test_importing_a_module_loads_no_package_above_it(name):
    # a fresh interpreter per module, so one module's imports cannot hide another's
    forbidden = FORBIDDEN[name.split(".")[0]]
    code = (f"import importlib, json, sys; importlib.import_module({name!r}); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
