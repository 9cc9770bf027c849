"""Shared set-up of the Experiments page's AppTests: stored runs and results in temporary folders."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import lab.results
import lab.runs


def isolate_page(monkeypatch, shipped: Path, results: Path) -> None:
    """Jobs synchronous; shipped runs read from ``shipped``, stored results from ``results``; caches empty."""
    monkeypatch.setenv("LAB_SYNC_JOBS", "1")
    monkeypatch.setattr(lab.runs, "SHIPPED_DIR", shipped)
    monkeypatch.setattr(lab.results, "RESULTS_DIR", results)
    st.cache_resource.clear()
