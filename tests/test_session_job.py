"""The server-wide job cap can be set for a classroom server (LAB_MAX_JOBS), and bad values are ignored."""

import os

import pytest

from ui.session_job import job_capacity


@pytest.mark.parametrize("raw, expected", [("1", 1), ("3", 3), (" 2 ", 2)])
def test_lab_max_jobs_sets_the_number_of_jobs_that_train_at_once(monkeypatch, raw, expected):
    monkeypatch.setenv("LAB_MAX_JOBS", raw)
    assert job_capacity() == expected


@pytest.mark.parametrize("raw", ["", "0", "-1", "abc", "1e3", "nan", "٣", "100000"])
def test_a_missing_or_bad_lab_max_jobs_falls_back_to_the_cpu_count(monkeypatch, raw):
    monkeypatch.setenv("LAB_MAX_JOBS", raw)
    assert job_capacity() == (os.cpu_count() or 1)
