"""URL-bound settings (ui/params.py): hostile query values fall back to defaults with a notice."""

from __future__ import annotations

import math
import random
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.params import check_bool, check_choice, check_float, check_int, check_span, check_str, to_url

HOSTILE = [
    "", " ", "abc", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e309",
    "9" * 5000, "-" + "9" * 30, "0x10", "0b101", "0o17", "1_000", "1,5", "１２", "١٢", "1e", "e5",
    "--1", "+-1", "1..2", "5 5", "\x00", "3\x00", "\n", "__import__('os')", "eval('1')",
    "${7*7}", "{{7*7}}", "[1]", "{'a': 1}", "None", "True", "cos(0)", "%00", "%2e", "<script>",
    "a" * 10_000, "\u202e1", "1\u00a0", "💥",
]


# ----------------------------------------------------------------------------- check_int


def test_int_absent_gives_default_without_notice():
    assert check_int("n", None, 5, 1, 10) == (5, None)


@pytest.mark.parametrize("raw, value", [("7", 7), (" 7 ", 7), ("+3", 3), ("010", 10), ("1", 1), ("10", 10)])
def test_int_accepts_plain_decimal_integers_in_range(raw, value):
    assert check_int("n", raw, 5, 1, 10) == (value, None)


@pytest.mark.parametrize("raw", HOSTILE + ["0", "11", "-1", "3.0", "3.5", "1e1", str(2**70)])
def test_int_rejects_hostile_or_out_of_range_values_with_a_notice(raw):
    value, notice = check_int("n", raw, 5, 1, 10)
    assert value == 5 and type(value) is int
    assert notice is not None and notice.startswith("n = ") and "default 5" in notice


def test_int_notice_quotes_long_values_truncated_and_printable():
    _, notice = check_int("n", "\x07" + "9" * 10_000, 5, 1, 10)
    assert len(notice) < 150 and "\x07" not in notice and "…" in notice


def test_int_rejects_a_default_outside_its_own_range():
    with pytest.raises(ValueError):
        check_int("n", None, 0, 1, 10)


# ----------------------------------------------------------------------------- check_float


@pytest.mark.parametrize("raw, value", [("0.5", 0.5), ("1", 1.0), (".25", 0.25), ("1e-2", 0.01),
                                        ("-0.5", -0.5), ("2.", 2.0), ("1E0", 1.0)])
def test_float_accepts_decimal_and_exponent_notation_in_range(raw, value):
    assert check_float("lr", raw, 0.1, -1.0, 2.0) == (value, None)


@pytest.mark.parametrize("raw", HOSTILE + ["2.0001", "-1.5", "1e3", "0.1" + "0" * 100])
def test_float_rejects_hostile_nonfinite_or_out_of_range_values(raw):
    value, notice = check_float("lr", raw, 0.1, -1.0, 2.0)
    assert value == 0.1 and type(value) is float and notice is not None


def test_float_fuzz_never_returns_a_nonfinite_or_out_of_range_value():
    rng = random.Random(1997)
    alphabet = string.printable + "∞πé١１\u202e\x00"
    for _ in range(3000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        value, notice = check_float("x", raw, 0.5, 0.0, 1.0)
        assert math.isfinite(value) and 0.0 <= value <= 1.0
        if notice is None:  # accepted: exactly the number that was written
            assert value == float(raw.strip())
        ivalue, _ = check_int("k", raw, 3, 0, 9)
        assert type(ivalue) is int and 0 <= ivalue <= 9


# ----------------------------------------------------------------------------- choice / bool / str


def test_choice_accepts_only_exact_members():
    choices = ["adding", "multiplication", "reber"]
    assert check_choice("task", "reber", "adding", choices) == ("reber", None)
    for raw in HOSTILE + ["Reber", " reber", "reber ", "addin"]:
        value, notice = check_choice("task", raw, "adding", choices)
        assert value == "adding" and notice is not None


@pytest.mark.parametrize("raw, value", [("1", True), ("true", True), ("TRUE", True), ("on", True),
                                        ("0", False), ("false", False), ("No", False), ("off", False)])
def test_bool_accepts_the_usual_spellings(raw, value):
    assert check_bool("b", raw, not value) == (value, None)


@pytest.mark.parametrize("raw", [h for h in HOSTILE if h != "True"] + ["2", "-1", "yes please", "t"])
def test_bool_rejects_anything_else(raw):
    assert check_bool("b", raw, True)[0] is True and check_bool("b", raw, True)[1] is not None


def test_str_enforces_length_printability_and_pattern():
    pat = r"[A-Za-z0-9_]+"
    assert check_str("run", "exp4_adding_T100", "x", 32, pat) == ("exp4_adding_T100", None)
    for raw in ["a" * 33, "bad name", "<b>", "x\n", "\x00", "", "exp4;rm -rf"]:
        value, notice = check_str("run", raw, "x", 32, pat)
        assert value == "x" and notice is not None
    assert check_str("note", "any text, with spaces!", "", 64) == ("any text, with spaces!", None)
    assert check_str("note", "tab\there", "", 64)[1] is not None  # control characters


def test_span_accepts_an_ordered_range_within_bounds_and_writes_back_to_itself():
    assert check_span("loop", "3-12", (1, 60), 1, 60) == ((3, 12), None)
    assert check_span("loop", "7-7", (1, 60), 1, 60) == ((7, 7), None)
    assert check_span("loop", None, (1, 60), 1, 60) == ((1, 60), None)
    assert check_span("loop", to_url((4, 9)), (1, 60), 1, 60) == ((4, 9), None)
    for raw in ["12-3", "0-5", "5-61", "3", "3-", "-3", "3--5", "3-5-7", "3 - 5", "a-b", *HOSTILE]:
        value, notice = check_span("loop", raw, (1, 60), 1, 60)
        assert value == (1, 60) and notice is not None, raw


@pytest.mark.parametrize("value", [0, 17, -3, 0.1, 1e-7, 2.5, True, False, "reber"])
def test_values_written_to_the_url_parse_back_to_themselves(value):
    raw = to_url(value)
    if isinstance(value, bool):
        assert check_bool("k", raw, not value) == (value, None)
    elif isinstance(value, int):
        assert check_int("k", raw, 0, -10, 100) == (value, None)
    elif isinstance(value, float):
        assert check_float("k", raw, 0.0, -10.0, 100.0) == (value, None)
    else:
        assert check_choice("k", raw, "adding", ["adding", "reber"]) == (value, None)


# ----------------------------------------------------------------------------- widgets in AppTest

SCRIPT = '''
import streamlit as st
from ui.params import clear_url, set_url, show_url_notices, url_number_input, url_selectbox, url_slider, url_toggle

st.button("Eight blocks", key="eight", on_click=set_url, args=("blocks", 8))
st.button("Defaults", key="defaults", on_click=clear_url, args=("blocks", "lr"))
n = url_slider("Blocks", "blocks", 2, 1, 8)
lr = url_number_input("Learning rate", "lr", 0.5, 0.001, 10.0)
task = url_selectbox("Task", "task", "adding", ["adding", "multiplication"], resets=("lr",))
fg = url_toggle("Forget gate", "forget", False)
show_url_notices()
st.write(f"values: {n} {lr} {task} {fg}")
'''


@pytest.fixture()
def app(tmp_path: Path) -> AppTest:
    script = tmp_path / "params_app.py"
    script.write_text(SCRIPT)
    return AppTest.from_file(str(script), default_timeout=20)


def test_widgets_take_their_first_value_from_the_url(app):
    for key, raw in {"blocks": "5", "lr": "0.25", "task": "multiplication", "forget": "true"}.items():
        app.query_params[key] = raw
    app.run()
    assert not app.exception and not app.warning
    assert app.markdown[-1].value == "values: 5 0.25 multiplication True"


def test_bad_url_values_fall_back_to_defaults_with_one_notice(app):
    app.query_params["blocks"] = "1e400"
    app.query_params["lr"] = "nan"
    app.query_params["task"] = "[x](javascript:alert(1))"
    app.query_params["forget"] = "maybe"
    app.run()
    assert not app.exception
    assert app.markdown[-1].value == "values: 2 0.5 adding False"
    assert len(app.warning) == 1
    text = app.warning[0].value
    for key in ("blocks", "lr", "task", "forget"):
        assert key in text
    assert "](javascript" not in text  # user text is escaped, so it cannot become a link


def test_changing_a_widget_writes_its_value_to_the_url(app):
    app.query_params["blocks"] = "99"  # out of range: falls back to 2
    app.run()
    assert len(app.warning) == 1
    app.slider(key="url:blocks").set_value(6).run()
    app.toggle(key="url:forget").set_value(True).run()
    assert app.query_params["blocks"] == "6"
    assert app.query_params["forget"] == "true"
    assert "lr" not in app.query_params  # untouched settings stay out of the link
    assert not app.warning  # the corrected parameter no longer needs a notice
    assert app.markdown[-1].value == "values: 6 0.5 adding True"


def test_a_setting_changed_by_code_moves_the_url_and_the_widget_together(app):
    app.run()
    app.number_input(key="url:lr").set_value(0.25).run()
    app.button(key="eight").click().run()
    assert app.query_params["blocks"] == "8" and app.slider(key="url:blocks").value == 8
    app.button(key="defaults").click().run()
    assert "blocks" not in app.query_params and "lr" not in app.query_params
    assert (app.slider(key="url:blocks").value, app.number_input(key="url:lr").value) == (2, 0.5)


def test_a_choice_drops_the_settings_that_belonged_to_the_old_one(app):
    app.run()
    app.number_input(key="url:lr").set_value(0.25).run()
    app.selectbox(key="url:task").set_value("multiplication").run()
    assert app.query_params["task"] == "multiplication" and "lr" not in app.query_params
    assert app.number_input(key="url:lr").value == 0.5


def test_only_ui_params_writes_the_url_or_the_state_of_a_url_bound_widget():
    root = Path(__file__).resolve().parent.parent
    files = [root / "app.py", *root.glob("pages/*.py"), *root.glob("ui/*.py")]
    found = [f"{p.relative_to(root)}: {line.strip()}" for p in files if p.name != "params.py"
             for line in p.read_text(encoding="utf-8").splitlines()
             if re.search(r"query_params\s*[\[.]|[\"']url:", line.split("#")[0])]
    assert not found, "\n".join(found)
