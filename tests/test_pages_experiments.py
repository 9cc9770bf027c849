"""The Experiments and Reproduce pages (Streamlit AppTest) and their pure helpers.

The page tests never depend on what is shipped in ``runs/``: a tiny trained run is saved
to a temporary folder and ``lab.runs.SHIPPED_DIR`` / ``lab.results.RESULTS_DIR`` point there.
Jobs run synchronously (``LAB_SYNC_JOBS=1``): every rerun trains one chunk, no threads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import lab.runs as runs
from lstm_core.analysis.record import record_sequence
from lstm_core.experiments import PAPER_ONLY_ROWS, PRESETS
from lstm_core.experiments.baselines import baseline_for
from lstm_core.experiments.train import TrialRun
from lstm_core.nets.rnn import RNNConfig
from lstm_core.tasks import TASKS
from tests.pagetools import isolate_page
from ui import experiment_settings as settings
from ui.figures_internals import internals_animation
from ui.figures_training import MODEL_COLORS
from ui.internals_panels import record_table
from ui.reproduce_table import (
    NOT_REPRODUCED,
    NOT_YET,
    PAPER_ONLY,
    PARTLY,
    REPRODUCED,
    SHORT_STATUS,
    TOO_SHORT,
    comparison_table,
    verdict,
)

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = str(ROOT / "pages" / "experiments.py")
REPRODUCE = str(ROOT / "pages" / "reproduce.py")
SHIPPED = "classroom_exp4_adding_T20"


@pytest.fixture(scope="module")
def shipped_root(tmp_path_factory) -> Path:
    """A shipped-runs folder holding one short run of family 4."""
    root = tmp_path_factory.mktemp("shipped")
    run = TrialRun(PRESETS[SHIPPED], trials=1, seed=0, max_sequences=300)
    run.advance(300)
    runs.save_run(run, root / "4")
    return root


@pytest.fixture()
def app(monkeypatch, shipped_root, tmp_path):
    isolate_page(monkeypatch, shipped_root, tmp_path / "results")
    yield lambda path=EXPERIMENTS: AppTest.from_file(path, default_timeout=60)
    st.cache_resource.clear()


def _chart(at: AppTest, key: str) -> dict:
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(f"-{key}"):
            return json.loads(el.proto.spec)
    raise AssertionError(f"no plotly chart with key {key!r}")


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _w(at: AppTest, kind: str, key: str):
    """The widget bound to URL key ``key`` (its session key is ``url:<key>`` or ``url:<key>@<scope>``)."""
    found = [w for w in at.get(kind) if (w.key or "").split("@")[0] == f"url:{key}"]
    assert len(found) == 1, (kind, key, [w.key for w in at.get(kind)])
    return found[0]


# ----------------------------------------------------------------------------- Experiments page


def test_page_opens_on_the_shipped_run_with_a_playable_animation(app):
    at = app().run()
    _no_exception(at)
    assert _w(at, "selectbox", "preset").value == SHIPPED
    spec = _chart(at, "internals")
    assert 2 <= len(spec["frames"]) <= 60
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert any("Play" in label for label in labels)
    assert len(spec["layout"]["sliders"][0]["steps"]) == len(spec["frames"])
    assert _w(at, "select_slider", "ckpt").value == "300"  # opens on the last (most trained) checkpoint
    flow = _chart(at, "flow_vs_rnn")                        # RNN vs CEC on the same test sequence
    assert [t["type"] for t in flow["data"]] == ["heatmap", "heatmap", "scatter", "scatter"]


def test_step_buttons_open_the_animation_on_the_previous_step_and_back(app):
    at = app().run()
    n = len(_chart(at, "internals")["frames"])
    at.button(key="frame_back").click().run()
    _no_exception(at)
    assert at.query_params["frame"] in (str(n - 1), [str(n - 1)])
    spec = _chart(at, "internals")
    assert spec["layout"]["sliders"][0]["active"] == n - 2
    frame = spec["frames"][n - 2]
    assert spec["data"][0]["y"] == frame["data"][0]["y"]                  # the traces show that frame
    at.button(key="frame_forward").click().run()
    assert _chart(at, "internals")["layout"]["sliders"][0]["active"] == n - 1
    assert at.button(key="frame_forward").disabled


def test_at_frame_opens_a_figure_on_any_frame_without_touching_the_original():
    from ui.step_control import at_frame

    spec = {"data": [{"type": "scatter", "y": [1, 2], "name": "a"}, {"type": "scatter", "y": [0]}],
            "layout": {"sliders": [{"active": 2, "steps": [{}, {}, {}]}]},
            "frames": [{"data": [{"y": [k]}], "traces": [1]} for k in range(3)]}
    out = at_frame(spec, 0)
    assert out["data"][1] == {"type": "scatter", "y": [0]} and out["layout"]["sliders"][0]["active"] == 0
    assert at_frame(spec, 1)["data"][1]["y"] == [1] and at_frame(spec, 99)["layout"]["sliders"][0]["active"] == 2
    assert spec["layout"]["sliders"][0]["active"] == 2 and spec["data"][0]["name"] == "a"


def test_link_settings_appear_in_the_widgets_and_derive_a_modified_preset(app):
    at = app()
    at.query_params.update({"exp": "3a", "preset": "classroom_exp3a_T20_N3", "lr": "0.25", "T": "30",
                            "blocks": "2", "seed": "7"})
    at.run()
    _no_exception(at)
    assert _w(at, "selectbox", "exp").value == "3a"
    assert _w(at, "number_input", "lr").value == 0.25
    assert _w(at, "slider", "T").value == 30
    assert _w(at, "slider", "blocks").value == 2
    assert _w(at, "number_input", "seed").value == 7
    assert any("Modified from classroom_exp3a_T20_N3" in i.value for i in at.info)
    assert not at.warning


def test_bad_link_values_fall_back_to_defaults_with_a_notice(app):
    at = app()
    at.query_params.update({"preset": "no_such_preset", "lr": "abc", "T": "99999", "blocks": "1e400", "ckpt": "-3"})
    at.run()
    _no_exception(at)
    notice = " ".join(w.value for w in at.warning)
    assert "were not usable" in notice
    for key in ("preset", "lr", "T", "blocks", "ckpt"):
        assert f"{key} = " in notice
    assert _w(at, "selectbox", "preset").value == SHIPPED
    assert _w(at, "number_input", "lr").value == PRESETS[SHIPPED].lr
    assert _w(at, "slider", "T").value == PRESETS[SHIPPED].task_options["T"]


def test_changing_the_experiment_changes_the_example_and_clears_the_old_settings(app):
    at = app()
    at.query_params["T"] = "40"
    at.run()
    before = _chart(at, "example_seq")
    _w(at, "selectbox", "exp").set_value("5").run()
    _no_exception(at)
    assert _w(at, "selectbox", "preset").value == "classroom_exp5_mult_T20"
    assert _w(at, "slider", "T").value == 20  # the T=40 of the old preset is gone
    assert _chart(at, "example_seq")["data"] != before["data"]


def test_switching_the_experiment_draws_fresh_widgets_with_the_new_presets_values(app):
    """The browser keeps a keyed widget's value while its identity stays (Streamlit 1.4x+ identifies a
    keyed widget by its key): the Preset box and the knobs must get a new identity with the experiment,
    or the old preset's label and values come back with the next click (issue #12, point 7)."""
    at = app().run()
    before = {k: _w(at, kind, k).id for kind, k in (("selectbox", "preset"), ("number_input", "lr"),
                                                     ("slider", "blocks"), ("slider", "trials"))}
    _w(at, "selectbox", "exp").set_value("1").run()
    _no_exception(at)
    new = PRESETS[_w(at, "selectbox", "preset").value]
    assert new.experiment == "1"
    for kind, k in (("selectbox", "preset"), ("number_input", "lr"), ("slider", "blocks"), ("slider", "trials")):
        assert _w(at, kind, k).id != before[k], k               # a new widget in the browser, not the old one
    want = settings.defaults(new)
    assert _w(at, "number_input", "lr").value == want["lr"]
    assert _w(at, "slider", "blocks").value == want["blocks"]
    assert _w(at, "slider", "size").value == want["size"]
    _w(at, "number_input", "seed").set_value(3).run()          # the next click
    _no_exception(at)
    assert not at.warning                                        # no "settings in the link were not usable"
    assert at.query_params.get("exp") == ["1"] or at.query_params.get("exp") == "1"
    for key, value in at.query_params.items():
        values = value if isinstance(value, list) else [value]
        if key == "preset":
            assert all(v in PRESETS for v in values), values    # preset keys only, never display labels
    assert _w(at, "selectbox", "preset").value == new.name


def test_the_hidden_unit_choice_of_a_plain_rnn_preset_is_in_the_link_and_modifies_the_preset(app):
    at = app()
    at.query_params.update({"exp": "2a", "preset": "exp2a_rtrl_p4_lr1"})
    at.run()
    _no_exception(at)
    box = _w(at, "selectbox", "hidden")
    assert box.value == "logistic" and box.options == ["σ in [0, 1]", "2σ − 1 in [−1, 1] (centred)"]
    box.set_value("h_pm1").run()
    _no_exception(at)
    assert at.query_params.get("hidden") in ("h_pm1", ["h_pm1"])         # a copied link keeps the choice
    assert not at.warning
    text = " ".join(m.value for m in at.markdown)
    assert "hidden units σ in [0, 1] → 2σ − 1 in [−1, 1] (centred)" in text   # the deviation names the change


def test_train_live_shows_progress_and_the_stopped_run_can_be_animated(app):
    at = app().run()
    at.button(key="live_start").click().run()
    at.run()
    _no_exception(at)
    seen = {m.label: m.value for m in at.metric}
    assert int(seen["LSTM: sequences per trial"].replace(",", "")) >= 200
    assert _chart(at, "live_curves")["data"]
    at.button(key="live_stop").click().run()
    _no_exception(at)
    assert any("Stopped after" in i.value for i in at.info)
    assert at.radio(key="anim_source").options[-1].startswith("Your live run")
    assert at.button(key="live_resume").disabled is False


def test_the_rnn_baseline_trains_next_to_the_lstm(app):
    at = app()
    at.query_params["rnn"] = "true"
    at.run()
    at.button(key="live_start").click().run()
    _no_exception(at)
    labels = [m.label for m in at.metric]
    assert "RNN baseline: sequences per trial" in labels
    names = {trace.get("legendgroup") for trace in _chart(at, "live_curves")["data"]}
    assert names == {"LSTM", "RNN baseline"}


def test_a_plain_rnn_preset_trained_live_is_labelled_and_coloured_as_an_rnn(app):
    at = app()
    at.query_params.update({"exp": "2a", "preset": "exp2a_rtrl_p4_lr1", "trials": "2"})
    at.run()
    at.button(key="live_start").click().run()
    _no_exception(at)
    assert "RNN: sequences per trial" in [m.label for m in at.metric]
    assert not [m for m in at.metric if m.label.startswith("LSTM")]
    traces = _chart(at, "live_curves")["data"]
    assert {t.get("legendgroup") for t in traces} == {"RNN"}
    assert {t["line"]["color"] for t in traces} == {MODEL_COLORS["RNN"]}
    at.button(key="live_stop").click().run()
    _no_exception(at)


def test_the_stopped_rnn_baselines_internals_can_be_animated(app):
    at = app()
    at.query_params["rnn"] = "true"
    at.run()
    at.button(key="live_start").click().run()
    at.run()
    at.button(key="live_stop").click().run()
    _no_exception(at)
    options = at.radio(key="anim_source").options
    assert any(o.startswith("Your live RNN baseline") for o in options)
    at.radio(key="anim_source").set_value("live_rnn").run()
    _no_exception(at)
    titles = [a["text"] for a in _chart(at, "internals")["layout"]["annotations"]]
    assert "Hidden units h" in titles and any("δ_h" in t for t in titles)


def test_the_rnn_baseline_can_be_trained_with_centred_units_and_is_replayed_with_them(app):
    at = app()
    at.query_params.update({"rnn": "true", "rnnh": "h_pm1"})
    at.run()
    _no_exception(at)
    assert at.selectbox(key="url:rnnh").value == "h_pm1"
    at.button(key="live_start").click().run()
    at.run()
    at.button(key="live_stop").click().run()
    _no_exception(at)
    flow = [c.value for c in at.caption if "sent back through" in c.value]
    assert len(flow) == 1 and "plain RNN trained live" in flow[0] and "centred units" in flow[0], flow
    assert _chart(at, "flow_vs_rnn")["data"]               # drawn from the trained net, with its own units


def test_without_the_rnn_baseline_its_hidden_unit_choice_is_not_offered(app):
    at = app()
    at.query_params["rnnh"] = "h_pm1"
    at.run()
    _no_exception(at)
    assert not [s for s in at.selectbox if s.key == "url:rnnh"]


def test_a_malformed_shipped_run_is_reported_and_the_page_still_works(app, monkeypatch, tmp_path):
    bad = tmp_path / "bad"
    (bad / "4").mkdir(parents=True)
    (bad / "4" / "config.json").write_text("{ not json")
    (bad / "4" / "arrays.npz").write_bytes(b"PK\x03\x04 truncated")
    monkeypatch.setattr(runs, "SHIPPED_DIR", bad)
    at = app().run()
    _no_exception(at)
    assert any("could not be loaded" in e.value and "not valid JSON" in e.value for e in at.error)
    assert at.button(key="live_start").label.endswith("Train live")


def test_config_export_holds_the_derived_preset_seed_and_trials():
    from lab.serialize import preset_from_dict
    from ui.experiment_view import config_json

    base = PRESETS[SHIPPED]
    derived = settings.derive(base, {"lr": 0.2, "T": 25})
    d = json.loads(config_json(derived, base, seed=3, trials=2))
    assert (d["modified_from"], d["seed"], d["trials"]) == (SHIPPED, 3, 2)
    assert preset_from_dict(d["preset"]) == derived


# ----------------------------------------------------------------------------- Reproduce page


def test_reproduce_page_puts_a_stored_result_beside_the_paper_and_marks_the_rest(app, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    row = {"preset": "exp4_adding_T100", "trials": 2, "seed": 0, "successes": 1, "success_rate": 0.5,
           "sequences_to_success": [5000, None], "mean_sequences": 5000.0, "min_sequences": 5000,
           "max_sequences": 5000, "test": {"test_size": 2560, "wrong_mean": 1.0, "wrong_max": 1.0},
           "paper": PRESETS["exp4_adding_T100"].paper, "seconds": 12.0}
    (results / "exp4_adding_T100.json").write_text(json.dumps(row))
    (results / "broken.json").write_text("[1, 2")
    at = app(REPRODUCE).run()
    _no_exception(at)
    assert any("broken.json" in w.value for w in at.warning)
    tables = [df.value for df in at.dataframe]
    assert len(tables) == 11  # Tables 1-9 (Table 9 split into 6a / 6b) and the Exp 2b text
    everything = np.concatenate([t["status"].to_numpy() for t in tables])
    assert (everything == SHORT_STATUS[PARTLY]).sum() == 1      # 50 % of 2 trials against the paper's 10 of 10
    assert (everything == SHORT_STATUS[PAPER_ONLY]).sum() == len(PAPER_ONLY_ROWS)
    assert (everything == SHORT_STATUS[NOT_YET]).sum() == len(everything) - 1 - len(PAPER_ONLY_ROWS)
    table7 = next(t for t in tables if "exp4_adding_T100" in set(t["preset"]))
    ours = table7.set_index("preset").loc["exp4_adding_T100"]
    assert ours["our_success_pct"] == "50" and ours["paper_success_after"] == "74,000"
    for t in tables:
        assert not t.isin(["None", "nan", "NaN", "<NA>"]).any().any()                 # empty cells stay empty
        assert list(t.columns[:6]) == ["row", "status", "paper_success_pct", "our_success_pct",
                                       "paper_success_after", "our_mean_sequences"]   # the verdict first, then
                                                                                      # ours beside the paper's


# ----------------------------------------------------------------------------- pure helpers


def test_the_shown_tables_print_no_none_and_put_each_of_our_columns_beside_the_papers():
    from ui.reproduce_table import DISPLAY_COLUMNS, display_table

    df = comparison_table([{"preset": "exp4_adding_T100", "trials": 2, "seed": 0, "success_rate": 0.5,
                            "mean_sequences": 5000.0, "min_sequences": 4000, "max_sequences": 6000,
                            "max_sequences_cap": 100_000}])
    for _, rows in df.groupby("group", sort=False):
        shown = display_table(rows)
        assert not shown.isin(["None", "nan", "NaN", "<NA>"]).any().any()
        cols = [c for c in shown.columns if c != "preset"]
        assert cols == [c for c in DISPLAY_COLUMNS if c in cols]
        for ours in (c for c in cols if c.startswith("our_")):
            paper = "paper_" + ours[4:]
            if paper in cols:
                assert cols.index(ours) == cols.index(paper) + 1, (paper, ours)
    row = display_table(df[df["preset"] == "exp4_adding_T100"]).iloc[0]
    assert (row["our_success_pct"], row["our_mean_sequences"], row["our_min_max"]) == ("50", "5,000", "4,000–6,000")
    assert row["our_cap"] == "100,000"                 # how long a failed trial was allowed: the verdict weighs it



def test_comparison_table_has_a_row_per_paper_preset_and_paper_only_row():
    df = comparison_table([])
    paper_rows = [p for p in PRESETS.values() if p.paper is not None]
    assert len(df) == len(paper_rows) + len(PAPER_ONLY_ROWS)
    assert set(df["status"]) == {NOT_YET, PAPER_ONLY}


@pytest.mark.parametrize("paper, ours, want", [
    ({"success_pct": 100, "mean_sequences": 8440}, {"success_rate": 1 / 3, "mean_sequences": 24670}, PARTLY),
    ({"success_pct": 100, "mean_sequences": 39850}, {"success_rate": 0.9, "mean_sequences": 21100}, REPRODUCED),
    ({"mean_sequences": 74000}, {"success_rate": 0.0, "mean_sequences": None}, NOT_REPRODUCED),
    ({"success_pct": 0, "mean_sequences": None}, {"success_rate": 0.0}, REPRODUCED),
    # the cap: a failure only counts once trials could run to twice the paper's mean (or its budget)
    ({"mean_sequences": 75000}, {"success_rate": 0.0, "max_sequences_cap": 100000}, TOO_SHORT),
    ({"mean_sequences": 49000}, {"success_rate": 0.0, "max_sequences_cap": 100000}, NOT_REPRODUCED),
    ({"mean_sequences": 1273000}, {"success_rate": 0.1, "mean_sequences": 722090, "max_sequences_cap": 10**6},
     TOO_SHORT),
    ({"success_pct": 100, "mean_sequences": 30000}, {"success_rate": 0.95, "mean_sequences": 149012,
                                                     "max_sequences_cap": 300000}, PARTLY),
    ({"success_pct": 0, "success_after": ">5,000,000"}, {"success_rate": 0.0, "max_sequences_cap": 600000},
     TOO_SHORT),
    ({"success_pct": 0, "success_after": ">5,000,000"}, {"success_rate": 0.0, "max_sequences_cap": 5000000},
     REPRODUCED),
    ({"success_pct": 100, "mean_sequences": 39850}, {"success_rate": 0.9, "mean_sequences": 21100,
                                                     "max_sequences_cap": 50000}, REPRODUCED),
    ({"success_pct": 22, "mean_sequences": 254000}, {"success_rate": 1 / 3, "mean_sequences": 508543}, PARTLY),
    ({"success_pct": 78, "mean_sequences": 1043000}, {"success_rate": 0.6, "mean_sequences": 900000}, REPRODUCED),
    (None, {"success_rate": 1.0}, REPRODUCED),
])
def test_the_verdict_weighs_our_success_rate_and_speed_against_the_papers(paper, ours, want):
    assert verdict(paper, ours) == want


def test_derive_keeps_the_gate_bias_spacing_and_grows_it_with_the_blocks():
    base = PRESETS["exp3a_T100_N3"]  # input-gate biases -1, -3, -5
    derived = settings.derive(base, {"blocks": 4, "ig": -2.0})
    assert derived.net.in_gate_bias == (-2.0, -4.0, -6.0, -8.0)
    assert derived.net.out_gate_bias[:4] == (-2.0, -4.0, -6.0, -8.0)
    assert derived.name == "exp3a_T100_N3-modified" and derived.paper is None
    assert settings.derive(base, {"seed": 5, "trials": 2}) is base  # seed and trials do not modify the setting


def test_derive_resizes_the_net_with_the_delay_of_exp_2a():
    derived = settings.derive(PRESETS["classroom_exp2a_p10"], {"p": 20})
    assert (derived.net.n_in, derived.net.n_out, derived.task_options["p"]) == (21, 21, 20)
    rnn = baseline_for(derived)
    assert rnn.model == "rnn_bptt"  # RTRL's O(n^4) cost per step is too slow beyond p = 10
    assert rnn.net.n_in == 21 and rnn.task_options == {"p": 20}


def test_every_preset_has_knobs_whose_defaults_lie_in_their_ranges():
    for p in PRESETS.values():
        for k in settings.knobs(p):
            assert k.default in k.choices if k.widget == "select" else k.lo <= k.default <= k.hi, (p.name, k)
        assert settings.derive(p, settings.defaults(p)) is p


def test_the_baseline_takes_either_reading_of_its_hidden_units_and_names_it():
    lstm = PRESETS[SHIPPED]
    base = baseline_for(lstm)
    assert settings.baseline_hidden_units(base) == "logistic"
    centred = settings.with_hidden_units(base, "h_pm1")
    assert centred.net.hidden_act == "h_pm1" and "centred" in centred.title
    assert (centred.task, centred.task_options, centred.lr, centred.stop) == (base.task, base.task_options, base.lr,
                                                                             base.stop)
    assert centred.name != base.name                      # a run of it is never taken for the default baseline's
    assert settings.with_hidden_units(base, "logistic") is base
    assert settings.with_hidden_units(centred, "logistic").net.hidden_act == "logistic"
    assert settings.baseline_hidden_units(lstm) is None and settings.with_hidden_units(lstm, "h_pm1") is lstm
    with pytest.raises(settings.SettingError, match="Unknown hidden units"):
        settings.with_hidden_units(base, "tanh")


def test_a_plain_rnn_preset_offers_both_readings_of_its_logistic_hidden_units():
    base = PRESETS["exp2a_rtrl_p4_lr1"]
    knob = {k.key: k for k in settings.knobs(base)}["hidden"]
    assert knob.default == "logistic" and set(knob.choices) == {"logistic", "h_pm1"} and knob.widget == "select"
    derived = settings.derive(base, {"hidden": "h_pm1"})
    assert derived.net.hidden_act == "h_pm1" and derived.net.output_act == base.net.output_act
    assert derived.paper is None and "2σ − 1 in [−1, 1]" in derived.deviations[0]
    again = settings.derive(base, {"hidden": "h_pm1", "p": 10})          # resized with the delay, still centred
    assert (again.net.n_in, again.net.hidden_act) == (11, "h_pm1")
    assert all(k.key != "hidden" for k in settings.knobs(PRESETS["exp2a_lstm_p100"]))   # LSTM nets: no such knob
    assert all(any(k.key == "hidden" for k in settings.knobs(p)) for p in PRESETS.values()
               if isinstance(p.net, RNNConfig))


def test_the_animation_reveals_the_forward_pass_then_the_error_flowing_back():
    preset = PRESETS[SHIPPED]
    run = TrialRun(preset, trials=1, seed=0)
    batch = TASKS[preset.task](np.random.default_rng(0), 1, **preset.task_options)
    rec = record_sequence(preset, run.params, batch, 0)
    fig = internals_animation(rec)
    L = int(rec["length"])
    names = [t.name for t in fig.data]
    s_c, e_s = names.index("s_c 1"), names.index("E_s 1")
    first, last_forward, first_back = fig.frames[0], fig.frames[L - 1], fig.frames[L]
    assert np.isnan(np.asarray(first.data[s_c].y, float)[1:]).all()          # step 1 only
    assert not np.isnan(np.asarray(last_forward.data[s_c].y, float)).any()   # all L steps
    assert np.isnan(np.asarray(last_forward.data[e_s].y, float)).all()       # no error yet
    back = np.asarray(first_back.data[e_s].y, float)
    assert not np.isnan(back[-1]) and np.isnan(back[0])                      # the error starts at the end
    table = record_table(rec)
    assert len(table) == L and {"s_c_1", "y_in_1", "E_s_4", "target"} <= set(table.columns)


def test_end_only_outputs_are_drawn_as_markers_with_the_class_the_net_picked():
    rng = np.random.default_rng(1)
    L = 53
    target = np.full((L, 4), np.nan)
    target[-1] = np.eye(4)[2]                        # class S at the last step only (Exp 6a)
    y_k = rng.random((L, 4)) * 0.2
    y_k[-1] = [0.1, 0.9, 0.3, 0.0]                   # the net picks R: wrong
    rec = {"y_in": rng.random((L, 2)), "y_out": rng.random((L, 2)), "s_c": rng.normal(size=(L, 4)),
           "y_c": rng.normal(size=(L, 4)), "y_k": y_k, "target": target, "E_s": rng.normal(size=(L, 4)),
           "length": np.array(L)}
    fig = internals_animation(rec, class_names=("Q", "R", "S", "U"))
    by_name = {t.name: t for t in fig.data}
    for name in ("output of the right symbol", "largest other output"):
        assert "markers" in by_name[name].mode                                   # one point: a visible marker
    picked = by_name["class the net picked"]
    assert "markers" in picked.mode and "text" in picked.mode
    y_last = np.asarray(fig.frames[-1].data[list(by_name).index("class the net picked")].y, float)
    assert picked.text[-1] == "picked R ✗ (right: S)" and np.isclose(y_last[-1], 0.9)
    assert all(t == "" for t in picked.text[:-1])
    y_k[-1] = [0.1, 0.2, 0.95, 0.0]
    fig = internals_animation(rec, class_names=("Q", "R", "S", "U"))
    assert next(t for t in fig.data if t.name == "class the net picked").text[-1] == "picked S ✓"


def test_outputs_with_a_target_at_every_step_stay_lines():
    rng = np.random.default_rng(2)
    L = 30
    rec = {"y_in": rng.random((L, 1)), "y_out": rng.random((L, 1)), "s_c": rng.normal(size=(L, 1)),
           "y_c": rng.normal(size=(L, 1)), "y_k": rng.random((L, 7)), "target": np.eye(7)[rng.integers(0, 7, L)],
           "E_s": rng.normal(size=(L, 1)), "length": np.array(L)}
    names = {t.name: t.mode for t in internals_animation(rec).data}
    assert names["output of the right symbol"] == "lines" and "class the net picked" not in names


def test_the_animation_stays_small_for_the_longest_sequences():
    rng = np.random.default_rng(0)
    L = 1100
    target = np.full((L, 7), np.nan)
    target[-1] = np.eye(7)[2]
    rec = {"y_in": rng.random((L, 8)), "y_out": rng.random((L, 8)), "s_c": rng.normal(size=(L, 32)),
           "y_c": rng.normal(size=(L, 32)), "y_k": rng.random((L, 7)), "target": target,
           "E_s": rng.normal(size=(L, 32)), "length": np.array(L)}
    fig = internals_animation(rec)
    assert len(fig.frames) <= 60
    assert len(fig.to_json()) < 8_000_000
    assert {t.name for t in fig.data} >= {"output of the right symbol", "largest other output"}


def test_a_queued_job_says_its_place_in_the_queue_and_session_end_stops_jobs():
    from dataclasses import replace

    from lab.jobs import Job
    from ui import session_job

    job = Job(PRESETS[SHIPPED], trials=1, seed=0, chunk=10, synchronous=True)
    queued = replace(job.snapshot(), status="queued", queue_position=2)
    assert session_job.describe(queued) == "Waiting for a free worker: position 2 in the queue."
    job.start()
    handle = session_job.Handle(job, "LSTM", job.preset, 0, 1)
    assert handle.poll().progress.sequences == 10 and handle.poll(train=False).status == "running"
    holder = session_job.SessionJobs(handles={"lstm": handle})
    holder.stop_all()  # what the registry does once the session has not looked for its ttl
    assert handle.poll().status == "stopped" and handle.poll().progress.sequences == 10  # no more training
