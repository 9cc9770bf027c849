"""The networks' one interface (lstm_core.nets.NETS): the same functions, masks and trace keys for every net."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lstm_core.experiments import PRESETS
from lstm_core.experiments.preset import MODELS
from lstm_core.nets import NETS, engine

ONE_PER_MODEL = {model: min((p for p in PRESETS.values() if p.model == model),      # the smallest net of each
                            key=lambda p: NETS[model].weight_count(p.net)) for model in NETS}


def test_the_models_a_preset_can_name_are_the_networks_of_the_registry():
    assert MODELS == tuple(NETS)


@pytest.mark.parametrize("model", sorted(NETS))
def test_params_masks_and_shapes_share_their_keys_and_masked_weights_start_at_zero(model):
    net, cfg = NETS[model], ONE_PER_MODEL[model].net
    params = net.init(cfg, [np.random.default_rng(0), np.random.default_rng(1)])
    masks, shapes = net.masks(cfg), net.param_shapes(cfg)
    assert list(params) == list(masks) == list(shapes)
    for key, p in params.items():
        assert p.shape == (2, *shapes[key]) and masks[key].shape == shapes[key]
        assert np.all(p[:, masks[key] == 0] == 0)
    assert net.weight_count(cfg) == sum(int(m.sum()) for m in masks.values())


@pytest.mark.parametrize("model", sorted(NETS))
def test_every_forward_trace_names_its_output_units_net_k_and_y_k(model):
    net, cfg = NETS[model], ONE_PER_MODEL[model].net
    params = net.init(cfg, [np.random.default_rng(0)])
    trace = net.forward(cfg, params, np.random.default_rng(2).uniform(size=(1, 3, 5, cfg.n_in)))
    assert trace["net_k"].shape == trace["y_k"].shape == (1, 3, 5, cfg.n_out)


@pytest.mark.parametrize("model", sorted(NETS))
def test_the_compiled_outputs_equal_the_readable_forward_pass(model):
    if not engine.numba_available():
        pytest.skip("Numba is not installed")
    net, cfg = NETS[model], ONE_PER_MODEL[model].net
    params = net.init(cfg, [np.random.default_rng(0)])
    x = np.random.default_rng(2).uniform(size=(1, 3, 5, cfg.n_in))
    np.testing.assert_allclose(net.outputs(cfg, params, x), net.forward(cfg, params, x)["y_k"], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("model", sorted(NETS))
def test_one_training_sequence_changes_the_weights_and_returns_the_outputs_it_produced(model):
    p = ONE_PER_MODEL[model]
    net, cfg = NETS[model], p.net
    params = net.init(cfg, [np.random.default_rng(0)])
    rng = np.random.default_rng(3)
    x, y = rng.uniform(size=(1, 6, cfg.n_in)), rng.uniform(size=(1, 6, cfg.n_out))
    has_target = np.ones((1, 6), bool)
    new, y_k = net.train_sequence(cfg, params, x, y, has_target, 0.1, p.update, p.gradient)
    assert y_k.shape == (1, 6, cfg.n_out) and any(not np.array_equal(new[k], params[k]) for k in params)


def test_shown_units_are_the_cells_of_an_lstm_and_the_hidden_units_of_an_rnn():
    lstm_cfg, rnn_cfg = ONE_PER_MODEL["lstm"].net, ONE_PER_MODEL["rnn_bptt"].net
    assert NETS["lstm"].has_cells and NETS["lstm"].shown_units(lstm_cfg) == lstm_cfg.blocks * lstm_cfg.block_size
    assert not NETS["rnn_bptt"].has_cells and NETS["rnn_bptt"].shown_units(rnn_cfg) == rnn_cfg.n_hidden


@pytest.mark.parametrize("model, gradient", [("rnn_bptt", "truncated"), ("rnn_rtrl", "truncated"), ("lstm", "full")])
def test_weight_masks_are_refused_by_every_rule_but_the_lstms_truncated_one(model, gradient):
    net, cfg = NETS[model], ONE_PER_MODEL[model].net
    params = net.init(cfg, [np.random.default_rng(0)])
    x, y, ht = np.zeros((1, 3, cfg.n_in)), np.zeros((1, 3, cfg.n_out)), np.ones((1, 3), bool)
    with pytest.raises(ValueError, match="weight_masks"):
        net.train_sequence(cfg, params, x, y, ht, 0.1, "sequence", gradient, net.masks(cfg))


def test_a_preset_whose_config_does_not_fit_its_model_is_refused():
    lstm_preset, rnn_preset = ONE_PER_MODEL["lstm"], ONE_PER_MODEL["rnn_bptt"]
    with pytest.raises(ValueError, match="does not match"):
        replace(lstm_preset, net=rnn_preset.net)
    with pytest.raises(ValueError, match="unknown model"):
        replace(lstm_preset, model="gru")
