"""Shared set-up of the Experiments page's AppTests: stored runs and results in temporary folders."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.results
import lab.runs
from lstm_core.experiments import PRESETS

EXPERIMENTS = str(Path(__file__).resolve().parent.parent / "pages" / "experiments.py")
REPRODUCE = str(Path(__file__).resolve().parent.parent / "pages" / "reproduce.py")


def isolate_page(monkeypatch, shipped: Path, results: Path) -> None:
    """Jobs synchronous; shipped runs read from ``shipped``, stored results from ``results``; caches empty."""
    monkeypatch.setenv("LAB_SYNC_JOBS", "1")
    monkeypatch.setattr(lab.runs, "SHIPPED_DIR", shipped)
    monkeypatch.setattr(lab.results, "RESULTS_DIR", results)
    st.cache_resource.clear()


def experiments_page(preset: str) -> AppTest:
    """The Experiments page opened on paper row ``preset`` (``?exp=…&preset=…``), run once."""
    at = AppTest.from_file(EXPERIMENTS, default_timeout=60)
    at.query_params.update({"exp": PRESETS[preset].experiment, "preset": preset})
    return at.run()
