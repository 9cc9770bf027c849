"""One hand-set memory-cell block (lstm_core.analysis.record): the weights do what the sliders say."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.activations import sigmoid
from lstm_core.analysis.record import SEQUENCES, CellWeights, parse_sequence, run_single_cell, store_recall


def test_the_block_follows_the_papers_equations_step_by_step():
    w = CellWeights(w_in_value=0.5, w_in_write=2.0, b_in=-1.0, w_out_read=3.0, b_out=-2.0, w_c=1.5, b_c=0.1)
    inputs = store_recall([0.8, -0.4, 0.3])
    r = run_single_cell(inputs, w)
    s = 0.0
    for t, (x, write, read) in enumerate(inputs):
        y_in = sigmoid(0.5 * x + 2.0 * write - 1.0)
        y_out = sigmoid(3.0 * read - 2.0)
        s = s + y_in * (4 * sigmoid(1.5 * x + 0.1) - 2)                 # s(t) = s(t−1) + y_in g(net_c)
        assert r["y_in"][t] == pytest.approx(y_in, abs=1e-14)
        assert r["s_c"][t] == pytest.approx(s, abs=1e-14)
        assert r["y_c"][t] == pytest.approx(y_out * (2 * sigmoid(s) - 1), abs=1e-14)


def test_a_closed_input_gate_keeps_the_stored_value_through_distractors():
    r = run_single_cell(SEQUENCES["distractors"], CellWeights())
    assert r["y_in"][0] > 0.9 and r["y_in"][1:].max() < 0.06
    assert abs(r["s_c"][-1] - r["s_c"][0]) < 0.25 * abs(r["s_c"][0])
    assert r["y_out"][-1] > 0.9 and r["y_out"][:-1].max() < 0.06     # read only at the end


def test_a_negative_input_gate_bias_stops_the_state_drift():
    open_gate = run_single_cell(SEQUENCES["drift"], CellWeights(b_in=0.0))
    closed = run_single_cell(SEQUENCES["drift"], CellWeights(b_in=-3.0))
    assert open_gate["s_c"][-1] > 5 and open_gate["dh_s"][-1] < 1e-3   # drifted: error can hardly enter
    assert closed["s_c"][-1] < 1.5 and closed["dh_s"][-1] > 0.1


@pytest.mark.parametrize("text, message", [("", "at least one"), ("1, x", "Item 2"), ("1,,2", "Item 2"),
                                           ("11", "larger than"), (",".join(["0"] * 61), "At most 60"),
                                           ("nan", "not a number"), ("1e400", "not a number")])
def test_bad_typed_sequences_get_a_readable_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_sequence(text)


def test_a_typed_sequence_is_parsed_to_its_numbers():
    np.testing.assert_array_equal(parse_sequence(" 0.8, 0 ,-.5, 1e0 "), [0.8, 0.0, -0.5, 1.0])
