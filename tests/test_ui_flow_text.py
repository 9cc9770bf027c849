"""The Vanishing-gradient page's numeric claims hold for the numbers they print (issue #12)."""

from __future__ import annotations

import re

import pytest

from ui.flow_text import factor_sentence, norm_sentence


@pytest.mark.parametrize("norm_A, fmax", [(5.8, 0.25), (1.45, 1.0), (46.56, 1.0), (5.2, 1.0), (1.0, 0.25)])
def test_the_norm_sentence_never_prints_a_value_of_one_or_more_as_below_one(norm_A, fmax):
    text = norm_sentence(norm_A, fmax)
    for value in re.findall(r"= ([0-9.]+) < 1", text):
        assert float(value) < 1, text
    if norm_A * fmax >= 1:
        assert "≥ 1" in text and "proves nothing" in text


def test_a_small_norm_gives_a_shrinking_bound():
    text = norm_sentence(2.0, 0.25)
    assert "0.50 < 1" in text and "shrinks" in text


def test_linear_units_shrink_only_below_one_and_keep_the_error_only_at_one():
    text = factor_sentence("identity", 1.0, 1.0, 1.0)
    assert "no |w| ≠ 1" not in text
    assert "|w| < 1 shrinks" in text and "|w| > 1 blows it up" in text and "only |w| = 1 keeps it" in text


@pytest.mark.parametrize("act, fmax, w0, where, limit", [
    ("logistic", 0.25, 1.0, "below", "4"), ("logistic", 0.25, 6.0, "above", "4"),
    ("tanh", 1.0, 0.5, "below", "1"), ("tanh", 1.0, 2.0, "above", "1"),
])
def test_the_factor_bound_says_truthfully_whether_this_weight_is_below_one(act, fmax, w0, where, limit):
    text = factor_sentence(act, w0, 0.1, fmax)
    assert f"{where} 1 here" in text and f"every |w| < {limit}," in text
