"""The fast real-time learner equals the plainly written one, in every configuration and update mode."""

import numpy as np
import pytest

from lstm_core.lstm_online import train_sequence
from tests.reference_lstm_online import train_sequence as reference_train_sequence
from tests.test_lstm import CONFIGS, EXP2A, EXP1_3x2, _problem, _rel_err

ALL = {**CONFIGS, "Exp 1, 3 blocks of 2": EXP1_3x2}


@pytest.mark.parametrize("update", ["step", "sequence"])
@pytest.mark.parametrize("name", list(ALL))
def test_fast_online_learner_equals_the_plainly_written_reference(name, update):
    cfg = ALL[name]
    params, x, y, ht = _problem(cfg, K=3, B=1, T=12, seed=4, scale=2.0)
    ht[0, 0, :4] = False                                   # trials with different target steps
    ht[1, 0, :] = True
    lr = np.array([0.1, 0.5, 1.0])
    got, out = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr, update=update)
    ref, ref_out = reference_train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], lr, update=update)
    assert _rel_err(ref, got) < 1e-12
    np.testing.assert_allclose(out["y_k"], ref_out["y_k"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out["E"], ref_out["E"], rtol=1e-12)


def test_outputs_of_a_sequence_without_targets_are_computed_and_weights_stay():
    cfg = CONFIGS["F, 2 blocks of 2, all biases"]
    params, x, y, ht = _problem(cfg, K=2, B=1, T=6)
    ht[:] = False
    new, out = train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5)
    ref, ref_out = reference_train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5)
    for k in params:
        np.testing.assert_array_equal(new[k], params[k])
    np.testing.assert_allclose(out["y_k"], ref_out["y_k"], rtol=1e-12)
    assert (out["E"] == 0).all()


def test_exp2a_network_learns_only_at_its_last_step_like_the_reference():
    params, x, y, ht = _problem(EXP2A, K=2, B=1, T=9, scale=1.0)
    ht[:] = False
    ht[..., -1] = True
    got, _ = train_sequence(EXP2A, params, x[:, 0], y[:, 0], ht[:, 0], 1.0)
    ref, _ = reference_train_sequence(EXP2A, params, x[:, 0], y[:, 0], ht[:, 0], 1.0)
    assert _rel_err(ref, got) < 1e-12


def test_input_parameters_are_not_modified():
    cfg = EXP1_3x2
    params, x, y, ht = _problem(cfg, K=2, B=1, T=5)
    before = {k: v.copy() for k, v in params.items()}
    train_sequence(cfg, params, x[:, 0], y[:, 0], ht[:, 0], 0.5)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
