"""Hostile links: every URL parameter of every page, fed garbage, gives a notice and safe defaults.

Each page runs under Streamlit's AppTest with every one of its parameters set to a hostile
value at once (wrong types, 1e308, 10**400, negative sizes, NaN, inf, 10,000 characters,
Unicode digits and emoji, unknown presets, empty values, repeated keys, code and markup).
A page must then raise nothing, finish within the AppTest timeout, name every bad key in
its one notice, and show the same widget values as a clean link (the defaults). The values
rotate over the keys from round to round, so each key meets several of them without the
full cross product. The last tests check that nothing from a link or a file is ever
evaluated, executed or unpickled anywhere in the code base.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.experiment_settings import PRESET_KEYS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120  # AppTest's guard against a hanging page; never a measurement

# values that no parameter of any page accepts
HOSTILE = [
    "1e308", "-1e308", str(10**400), "nan", "NaN", "inf", "-Infinity", "x" * 10_000, "١٢٣", "７", "é✓🙂", "",
    " ", "1_000", "0x10", "1e-400x", "__import__('os').system('true')", "\x00", "null", "[1, 2]", "{}",
    "no_such_preset", "../../etc/passwd", "<script>alert(1)</script>", "**b** [l](http://x) $x$",
]
NEGATIVE = "-3"  # a negative size
SIZES = {"n", "qmax", "lag", "step", "T", "p", "q", "length", "blocks", "size", "trials", "frame"}

PAGE_KEYS: dict[str, list[str]] = {
    "overview": ["present", "student"],   # the router (app.py) reads them on every page; fuzzed via the overview
    "vanishing_gradient": ["n", "w0", "act", "qmax", "seed", "lag"],
    "memory_cell": ["seq", "wiw", "wix", "bin", "wor", "bout", "wc", "bc", "drift", "values", "step",
                    "loop", "speed"],
    "experiments": ["exp", "preset", "lr", "T", "p", "q", "length", "blocks", "size", "ig", "og", "hidden", "seed",
                    "trials", "ckpt", "rnn", "rnnh", "cell", "frame", "loop", "speed"],
    "reproduce": [],
    "under_the_hood": ["seed"],
}
# values "values" may legally hold (its pattern admits digits, signs, dots, commas, e and spaces)
TEXT_OK = {"", " ", "1e308", "-1e308", str(10**400)}
ALWAYS_READ = {"values"}  # read from the link without a widget of the same key
ROUNDS = {"experiments": 2, "under_the_hood": 2}   # the slowest pages: fewer rounds


def _run(page: str, query: dict[str, str | list[str]]) -> AppTest:
    # the Overview links to the other pages, which needs the router's st.navigation: run it through app.py
    script = ROOT / ("app.py" if page == "overview" else f"pages/{page}.py")
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT_S)
    at.query_params.update(query)
    return at.run()


def _widgets(at: AppTest) -> dict[str, object]:
    """Every URL-bound widget's value, by URL key."""
    out = {}
    for kind in ("slider", "select_slider", "selectbox", "number_input", "toggle", "text_input", "radio"):
        for w in at.get(kind):
            key = getattr(w, "key", None) or ""
            if key.startswith("url:"):
                out[key[4:].split("@")[0]] = w.value  # url:<key> or url:<key>@<scope>
    return out


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


_clean: dict[tuple, dict] = {}


def _clean_widgets(page: str, base: tuple[tuple[str, str], ...] = ()) -> dict[str, object]:
    """Widget values of a link with only the valid settings ``base`` (the defaults otherwise)."""
    if (page, base) not in _clean:
        at = _run(page, dict(base))
        _no_exception(at)
        _clean[page, base] = _widgets(at)
    return _clean[page, base]


def _query(page: str, round_: int) -> dict[str, str]:
    keys = PAGE_KEYS[page]
    query = {}
    for i, key in enumerate(keys):
        value = HOSTILE[(7 * round_ + i) % len(HOSTILE)]
        if key == "values" and value in TEXT_OK:
            value = "abc"
        query[key] = NEGATIVE if (key in SIZES and round_ == 1) else value
    return query


CASES = [(page, r, ()) for page in PAGE_KEYS for r in range(ROUNDS.get(page, 3) if PAGE_KEYS[page] else 1)]
# experiments whose presets have the knobs the default one lacks (p, q; the output-gate bias og; a plain
# RNN's hidden units; the baseline's)
CASES += [("experiments", 2, (("exp", "2c"),)), ("experiments", 3, (("exp", "3a"),)),
          ("experiments", 4, (("exp", "2a"), ("preset", "exp2a_rtrl_p4_lr1"))),
          ("experiments", 5, (("rnn", "true"),))]   # the RNN baseline's hidden units are offered with it


@pytest.mark.parametrize(("page", "round_", "base"), CASES, ids=[f"{p}-{r}" for p, r, _ in CASES])
def test_every_hostile_url_parameter_gives_a_notice_and_the_defaults_never_an_exception(page, round_, base):
    query = _query(page, round_) or {"junk": "x" * 10_000, "n": "nan"}   # pages without settings ignore them
    query.update(base)
    at = _run(page, query)
    _no_exception(at)
    clean = _clean_widgets(page, base)
    # the keys this page reads with these (reset) settings: a knob the default preset lacks is ignored
    keys = [k for k in PAGE_KEYS[page] if (k in clean or k in ALWAYS_READ) and k not in dict(base)]
    if keys:
        notice = [w.value for w in at.warning if "not usable" in w.value]
        assert len(notice) == 1, [w.value for w in at.warning]
        for key in keys:
            assert re.search(rf"(^|\n)- {re.escape(key)} = ", notice[0]), f"{key} missing from the notice"
    shown = _widgets(at)
    assert {k: shown.get(k) for k in clean} == clean, "a hostile value leaked into a widget"


@pytest.mark.parametrize("page", ["vanishing_gradient", "experiments"])
def test_a_repeated_key_uses_its_last_value_and_a_bad_last_value_is_reset(page):
    clean = _clean_widgets(page)
    at = _run(page, {"seed": ["7", "1e308"]})
    _no_exception(at)
    assert any("seed = " in w.value for w in at.warning)
    assert _widgets(at)["seed"] == clean["seed"]
    at = _run(page, {"seed": ["1e308", "7"]})
    _no_exception(at)
    assert _widgets(at)["seed"] == 7 and not any("seed = " in w.value for w in at.warning)


def test_unknown_presets_and_experiments_fall_back_to_the_default_experiment():
    clean = _clean_widgets("experiments")
    for query in ({"preset": "no_such_preset"}, {"exp": "9z", "preset": "exp4_adding_T100"},
                  {"exp": "4", "preset": "exp1_reber_b3s2"}):
        at = _run("experiments", query)
        _no_exception(at)
        assert any("not usable" in w.value for w in at.warning), query
        assert _widgets(at)["exp"] == clean["exp"]


TYPED = ["1e308, 5", "nan, 1", "inf", "1" * 600, "0.5," * 200, ",,,,", "-", "1e999", "١٢٣", "0x10",
         "1; import os", "", "  ,  "]


def test_a_sequence_typed_by_a_student_is_validated_like_a_link():
    at = _run("memory_cell", {"seq": "typed"})
    _no_exception(at)
    for text in TYPED:
        at.text_input(key="url:values").input(text).run()
        _no_exception(at)
        assert len(at.get("plotly_chart")) >= 1, text           # the page still draws (the first preset)
    at.text_input(key="url:values").input("0.5, 0, -0.25").run()
    _no_exception(at)
    assert not [w for w in at.warning if "Showing the first preset" in w.value]


@pytest.mark.parametrize("values", ["1e308, 5", "9" * 500, "0.5," * 150 + "0.5", ",,,", "-", "1e999"])
def test_a_hostile_typed_sequence_in_the_link_gives_a_warning_not_an_exception(values):
    at = _run("memory_cell", {"seq": "typed", "values": values})
    _no_exception(at)
    assert [w for w in at.warning if "Showing the first preset" in w.value or "not usable" in w.value]


# ----------------------------------------------------------------------------- coverage of the keys


_KEY_FIRST = {"url_int", "url_float", "url_choice", "url_bool", "url_str", "url_raw", "set_url", "clear_url"}
_KEY_SECOND = {"url_slider", "url_number_input", "url_selectbox", "url_select_slider", "url_text_input", "url_toggle",
               "_picker"}


def _url_keys_in_code() -> set[str]:
    """Literal URL keys passed to the url_* helpers (and written to st.query_params) in pages/ and ui/."""
    keys = set(PRESET_KEYS) | {"seed"}
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                pos = 0 if name in _KEY_FIRST else 1 if name in _KEY_SECOND else None
                if pos is not None:
                    args = node.args if name == "clear_url" else node.args[pos:pos + 1]
                    keys.update(a.value for a in args if isinstance(a, ast.Constant))
            elif isinstance(node, ast.Subscript) and "query_params" in ast.unparse(node.value):
                if isinstance(node.slice, ast.Constant):
                    keys.add(node.slice.value)
    return {k for k in keys if isinstance(k, str)}


def test_every_url_key_the_code_reads_is_fuzzed():
    fuzzed = {k for keys in PAGE_KEYS.values() for k in keys}
    assert _url_keys_in_code() - fuzzed == set()


def test_every_page_is_fuzzed():
    assert {p.stem for p in ROOT.glob("pages/*.py")} == set(PAGE_KEYS)


# ----------------------------------------------------------------------------- nothing is executed


_DANGER = [
    (re.compile(r"(?<![\w.])eval\s*\("), "eval("),
    (re.compile(r"(?<![\w.])exec\s*\("), "exec("),
    (re.compile(r"\bpickle\b"), "pickle"),
    (re.compile(r"\bmarshal\.loads?\b"), "marshal.load"),
    (re.compile(r"\bshelve\b"), "shelve"),
    (re.compile(r"allow_pickle\s*=\s*True"), "allow_pickle=True"),
    (re.compile(r"\byaml\.(unsafe_)?load\s*\("), "yaml.load"),
    (re.compile(r"__import__\s*\("), "__import__("),
    (re.compile(r"\bcompile\s*\([^)]*['\"]exec['\"]"), "compile(..., 'exec')"),
    (re.compile(r"shell\s*=\s*True"), "shell=True"),
]


def _code_lines():
    skip = {"tests", ".git", "runs", "docs", ".venv", "node_modules"}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in skip:
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            yield rel, no, code


# The one allowed use: a training job and the server's thread that watches it talk by pickles over the
# pipes of a child process the server itself started (lab/job_worker.py). Nothing in that stream
# comes from a URL or a file: the job is built from validated settings before the child starts.
_ALLOWED = {("lab/job_worker.py", "pickle")}


def test_no_code_outside_the_tests_evaluates_executes_or_unpickles_anything():
    found = [f"{rel}:{no}: {what}" for rel, no, code in _code_lines() for rx, what in _DANGER
             if rx.search(code) and not _in_docstring_or_string(code, rx) and (rel.as_posix(), what) not in _ALLOWED]
    assert not found, "\n".join(found)


def test_the_job_worker_unpickles_only_from_its_own_child_process_pipes():
    src = (ROOT / "lab" / "job_worker.py").read_text(encoding="utf-8")
    loads = re.findall(r"pickle\.loads?\((.*?)\)", src)
    # the two ends of the channel: the child's stdin (the one Start message), the server's pipe from its child
    assert sorted(arg.strip() for arg in loads) == ["inp", "self.proc.stdout"], loads
    assert re.search(r"subprocess\.Popen\(\[sys\.executable, \"-c\", _BOOT\], stdin=subprocess\.PIPE,\s*"
                     r"stdout=subprocess\.PIPE", src)                 # that pipe is the child's own stdout
    assert not re.search(r"(?<![\w.])open\(|urlopen|np\.load", src)        # no file is read
    # the server unpickles nothing else, and keeps as trained state only what its child's records carried
    for name in ("jobs.py", "job_queue.py"):
        assert "pickle" not in (ROOT / "lab" / name).read_text(encoding="utf-8"), name
    jobs = (ROOT / "lab" / "jobs.py").read_text(encoding="utf-8")
    assigned = re.findall(r"self\._trained(?:: [^=]+)? = (.+)", jobs)
    assert assigned and all(a.strip() == "None" or (a.startswith("TrainedRun(") and "up.state" in a)
                            for a in assigned), assigned


def _in_docstring_or_string(code: str, rx: re.Pattern) -> bool:
    """True if every match sits inside a string literal on that line (prose such as "never unpickled")."""
    spans = [m.span() for m in re.finditer(r"\"[^\"]*\"|'[^']*'", code)]
    return all(any(a <= m.start() < b for a, b in spans) for m in rx.finditer(code))


def test_every_np_load_refuses_pickles():
    calls = [(rel, no, code) for rel, no, code in _code_lines()
             if re.search(r"\bnp\.load\s*\(|\bread_array\s*\(", code)]       # np.load, np.lib.format.read_array
    assert calls, "the run loader should be found by this test"
    assert all("allow_pickle=False" in code for _, _, code in calls), calls
