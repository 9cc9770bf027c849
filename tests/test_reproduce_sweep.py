"""``reproduce`` over worker processes and Dask, the resumable sweep, and its command line (issues 11.4, 14.5).

Cheap settings only: a small Exp 2c task whose trials solve within ~2,500 sequences, classroom presets
capped at a few hundred sequences. No test depends on wall-clock speed: the signal tests wait for a
progress line (with a guard against hanging), reset SIGINT for the child and kill it in ``finally``.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lab import files, reproduce, reproduce_plan
from lab.backends import DaskBackend, LocalPool
from lab.cli_reproduce import add_arguments
from lab.combine import MergedRun, combine
from lab.report import annotate
from lab.results import load_results
from lab.runs import save_run
from lab.snapshot import read_snapshot
from lab.stop import Stop
from lab.sweep import run_rows
from lab.trials import Row, TrialTask, run_trial
from lstm_core.__main__ import main as cli
from lstm_core.experiments import PRESETS, get_preset
from lstm_core.experiments.preset import Construction
from lstm_core.experiments.train import TrialRun

REPO = Path(__file__).resolve().parent.parent
GUARD = 120.0        # seconds: a guard against hanging, never a measurement

_2C = get_preset("classroom_exp2c_q10_p10")
# three trials; at seed 0 and a cap of 2,300 two of them solve (ABS + a 100-sequence test), one does not
SOLVES = replace(_2C, name="tiny_2c", trials=3, stop=replace(_2C.stop, window=100, test_size=100, max_sequences=2300))
CAP = 2300


def _files(results) -> list[Path]:
    """What a sweep wrote to ``results`` but the finished rows' trials (``.trials-done``, their weights)."""
    return [p for p in results.iterdir() if p.name != ".trials-done"]


def _only_snapshots_of(trials_dir: Path, preset: str) -> None:
    """``trials_dir`` holds one folder, ``preset``'s, and in it only whole snapshots (lab.snapshot) of trials."""
    (folder,) = trials_dir.iterdir()
    assert folder.name.startswith(f"{preset}-")
    names = sorted(p.name for p in folder.iterdir())
    assert names and set(names) <= {"trial-0.snapshot.npz", "trial-1.snapshot.npz"}, names
    for name in names:
        assert read_snapshot((folder / name).read_bytes(), {"preset": preset})["meta"]["seen"] > 0


def _no_seconds(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "seconds"}


@pytest.fixture(scope="module")
def serial():
    """The serial reference: one K-trial lockstep run, and its saved arrays."""
    run = TrialRun(SOLVES, seed=0, max_sequences=CAP)
    while not run.done():
        run.advance(500)
    return run, run.result()


def test_the_tiny_preset_mixes_solved_and_unsolved_trials(serial):
    _, res = serial
    assert 0 < res["successes"] < res["trials"] == 3           # combine must handle both kinds
    assert res["test"]["trials_tested"] == res["successes"]


def test_combined_single_trial_runs_equal_the_serial_run_summary_and_saved_run(serial, tmp_path):
    run, res = serial
    payloads = [run_trial(TrialTask(SOLVES, 0, k, CAP)) for k in (2, 0, 1)]   # any order
    summary = combine(SOLVES, payloads)
    assert list(summary) == list(res)                          # the same keys, in the same order
    assert _no_seconds(summary) == _no_seconds(res)
    # the run saved for the app is the same too: weights, checkpoints, learning curves
    a = save_run(run, tmp_path / "serial")
    b = save_run(MergedRun(SOLVES, payloads, summary), tmp_path / "merged")
    with np.load(a / "arrays.npz") as za, np.load(b / "arrays.npz") as zb:
        assert sorted(za.files) == sorted(zb.files)
        for name in za.files:
            if name in ("curve_err", "curve_ok"):       # a mean over (K, window) rounds by K: the last bit
                np.testing.assert_allclose(za[name], zb[name], rtol=1e-12, atol=0, err_msg=name)
            else:
                np.testing.assert_array_equal(za[name], zb[name], err_msg=name)
    ca, cb = (json.loads((d / "config.json").read_text()) for d in (a, b))
    assert _no_seconds(ca["summary"]) == _no_seconds(cb["summary"])
    assert {k: v for k, v in ca.items() if k not in ("summary", "created")} == \
        {k: v for k, v in cb.items() if k not in ("summary", "created")}


def test_combine_refuses_a_row_with_a_missing_trial(serial):
    payloads = [run_trial(TrialTask(SOLVES, 0, k, 200)) for k in (0, 2)]
    with pytest.raises(ValueError, match="0..K-1"):
        combine(SOLVES, payloads)


def test_combine_refuses_trials_of_another_seed_or_preset():
    mixed = [run_trial(TrialTask(SOLVES, seed, k, 200)) for seed, k in ((0, 0), (1, 1))]
    with pytest.raises(ValueError, match="different presets, seeds or caps"):
        combine(SOLVES, mixed)
    row = [run_trial(TrialTask(SOLVES, 0, k, 200)) for k in (0, 1)]
    with pytest.raises(ValueError, match="different presets, seeds or caps"):
        combine(_2C, row)


def test_combine_keeps_when_each_trial_grew_its_cell():
    # sequential construction (Exps 2a/2b, spec A8): the row's summary says when each trial got its cell
    grows = replace(get_preset("classroom_exp2a_p10"), name="tiny_2a_grows", trials=2,
                    construction=Construction(window=100, tolerance=0.3, patience=2))
    run = TrialRun(grows, seed=0, max_sequences=1500)
    while not run.done():
        run.advance(500)
    serial = run.result()
    summary = combine(grows, [run_trial(TrialTask(grows, 0, k, 1500)) for k in (1, 0)])
    assert any(g is not None for g in serial["grown_at"])
    assert _no_seconds(summary) == _no_seconds(serial)


def test_two_worker_processes_give_the_serial_numbers(serial):
    _, res = serial
    with LocalPool(2) as pool:
        outcomes = list(run_rows([Row(SOLVES, 3, 0, CAP)], pool, chunk=400))
    assert len(outcomes) == 1 and not outcomes[0].interrupted
    assert _no_seconds(outcomes[0].summary) == _no_seconds(res)


def test_a_dask_local_cluster_gives_the_serial_numbers(serial):
    distributed = pytest.importorskip("distributed")
    _, res = serial
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, \
            distributed.Client(lc, set_as_default=False) as client:
        backend = DaskBackend(client=client)
        backend.check_workers()                                 # both workers run our code
        reports = []
        outcomes = list(run_rows([Row(SOLVES, 3, 0, CAP)], backend, chunk=400, on_progress=reports.append))
        backend.close()
    assert _no_seconds(outcomes[0].summary) == _no_seconds(res)
    assert reports and reports[-1].finished == 3               # progress came back as Dask events


def test_the_command_runs_on_a_dask_scheduler(serial, tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    _, res = serial
    monkeypatch.setitem(PRESETS, SOLVES.name, SOLVES)
    out = tmp_path / "r.json"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp", host="127.0.0.1") as lc:                   # a HOST:PORT address
        rc = cli(["reproduce", SOLVES.name, "--max-sequences", str(CAP), "--scheduler", lc.scheduler_address,
                  "--json", str(out)])
    assert rc == 0, capsys.readouterr().err
    command = ("python -m lstm_core reproduce " + SOLVES.name + f" --max-sequences {CAP} --scheduler "
               + lc.scheduler_address + " --json " + str(out))
    assert _no_seconds(json.loads(out.read_text())) == {**_no_seconds(res), "interrupted": False, "paper": None,
                                                         "classroom": True, "experiment": "2c", "command": command}
    assert "Dask scheduler" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the sweep

CHEAP = ["classroom_exp4_adding_T20", "classroom_exp3a_T20_N3"]


def test_a_sweep_stores_each_row_for_the_reproduce_page_and_a_second_run_skips_them(tmp_path, capsys):
    from tests.test_reproduce_docs import SUMMARY_KEYS
    from ui.reproduce_table import comparison_table

    argv = ["reproduce", *CHEAP, "--trials", "2", "--max-sequences", "200", "--chunk", "100",
            "--results-dir", str(tmp_path), "--workers", "2"]
    assert cli(argv) == 0
    err = capsys.readouterr().err
    assert "[1/2] classroom_exp4_adding_T20: saved" in err and "[2/2] classroom_exp3a_T20_N3: saved" in err
    assert "overall: 2/2 rows" in err
    rows, problems = load_results(tmp_path)
    assert problems == [] and sorted(r["preset"] for r in rows) == sorted(CHEAP)
    for r in rows:
        assert SUMMARY_KEYS <= set(r) and r["trials"] == 2 and r["max_sequences_cap"] == 200
        assert r["interrupted"] is False and r["classroom"] is True
        # each file names the command of its own row, and the sweep's command beside it
        assert r["command"] == ("python -m lstm_core reproduce " + r["preset"] + " --trials 2 --max-sequences 200 "
                                f"--chunk 100 --results-dir {tmp_path} --workers 2")
        assert r["sweep_command"] == "python -m lstm_core reproduce " + " ".join(argv[1:])
    table = comparison_table(rows)
    assert set(CHEAP) <= set(table["preset"])
    assert sorted(p.name for p in _files(tmp_path)) == sorted(f"{n}.json" for n in CHEAP)   # no temp files
    stamps = {p.name: p.stat().st_mtime_ns for p in _files(tmp_path)}
    assert cli(argv) == 0                                       # resumed: nothing left to do
    err = capsys.readouterr().err
    assert err.count("skipped (already stored with the same trials, seed and cap)") == 2
    assert {p.name: p.stat().st_mtime_ns for p in _files(tmp_path)} == stamps


def test_a_stored_row_is_rerun_for_other_settings_and_kept_when_it_has_more(tmp_path):
    row = Row(get_preset("classroom_exp4_adding_T20"), trials=2, seed=0, max_sequences=200)
    same = {"trials": 2, "seed": 0, "max_sequences_cap": 200}
    assert "same" in reproduce.skip_reason(row, same, force=False)
    assert reproduce.skip_reason(row, same, force=True) == ""
    assert reproduce.skip_reason(row, {**same, "seed": 1}, force=False) == ""
    assert reproduce.skip_reason(row, {**same, "trials": 1}, force=False) == ""
    assert "kept" in reproduce.skip_reason(row, {"trials": 10, "seed": 3, "max_sequences_cap": 10**6}, False)
    assert reproduce.skip_reason(row, None, force=False) == ""
    # an interrupted or broken stored file is not a finished row
    f = tmp_path / "classroom_exp4_adding_T20.json"
    good = json.loads((REPO / "runs/results/exp4_adding_T100.json").read_text())
    f.write_text(json.dumps({**good, "preset": f.stem}))
    assert reproduce.stored_row(f)["trials"] == good["trials"]
    f.write_text(json.dumps({**good, "preset": f.stem, "interrupted": True}))
    assert reproduce.stored_row(f) is None
    f.write_text("{not json")
    assert reproduce.stored_row(f) is None


def test_all_means_every_paper_row_at_the_papers_trials_and_cap(tmp_path):
    args = _args(all=True, results_dir=str(tmp_path))
    plan = reproduce_plan.plan_from_args(args)
    names = [r.preset.name for r in plan.rows]
    assert names == [n for n, p in PRESETS.items() if p.paper and not p.classroom]
    assert "exp4_adding_T100" in names and not any(n.startswith("classroom") for n in names)
    assert all(r.trials == r.preset.trials and r.max_sequences == r.preset.stop.max_sequences for r in plan.rows)
    plan = reproduce_plan.plan_from_args(_args(all=True, trials=2, max_sequences=2000, results_dir=str(tmp_path)))
    assert {(r.trials, r.max_sequences) for r in plan.rows} == {(2, 2000)} and plan.sweep


def test_a_sweep_interrupted_after_its_first_row_keeps_that_row_and_resumes(tmp_path, monkeypatch, capfd):
    """The interruption is a real SIGINT to this process, sent the moment the first row is written (the
    handler writes its note straight to file descriptor 2: capfd)."""
    writes = []
    real = files.write_json

    def write_then_interrupt(path, data):
        out = real(path, data)
        writes.append(Path(path).name)
        if len(writes) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(files, "write_json", write_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    argv = ["reproduce", *CHEAP, "--trials", "2", "--max-sequences", "200", "--results-dir", str(tmp_path),
            "--workers", "1"]
    assert cli(argv) == 130
    err = capfd.readouterr().err
    assert "SIGINT: stopping" in err and "run the same command again to resume" in err
    saved = sorted(p.name for p in tmp_path.glob("*.json"))        # the first row, and the second if its
    assert f"{CHEAP[0]}.json" in saved                               # trials had all ended before the stop
    assert not list(tmp_path.rglob("*.tmp"))                         # no half-written file
    first = (tmp_path / f"{CHEAP[0]}.json").read_bytes()
    assert json.loads(first)["interrupted"] is False
    assert signal.getsignal(signal.SIGINT) is before                           # handlers restored
    assert cli(argv) == 0                                                       # resume
    err = capfd.readouterr().err
    for i, name in enumerate(CHEAP):
        assert f"[{i + 1}/2] {name}: {'skipped' if f'{name}.json' in saved else 'saved'}" in err
    assert (tmp_path / f"{CHEAP[0]}.json").read_bytes() == first
    assert sorted(writes) == sorted(f"{name}.json" for name in CHEAP)         # each row written once
    assert not (tmp_path / ".trials").exists()     # each row's kept trials go once its file is written ...
    assert {f.name.rpartition("-")[0] for f in (tmp_path / ".trials-done").iterdir()} == \
        {f.stem for f in tmp_path.glob("*.json")}    # ... to .trials-done, for probes of the finished row


def test_a_sweep_on_a_dask_cluster_keeps_its_finished_row_when_stopped_and_resumes(tmp_path, monkeypatch, capfd):
    distributed = pytest.importorskip("distributed")
    c4 = get_preset("classroom_exp4_adding_T20")
    endless = replace(c4, name="tiny_endless", trials=2, task_options={"T": 10},
                      stop=replace(c4.stop, kind="none", max_sequences=10_000_000))
    monkeypatch.setitem(PRESETS, endless.name, endless)
    monkeypatch.setitem(PRESETS, SOLVES.name, replace(SOLVES, trials=2))
    real = files.write_json

    def write_then_interrupt(path, data):
        out = real(path, data)
        if Path(path).stem == SOLVES.name:
            os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(files, "write_json", write_then_interrupt)
    common = ["--results-dir", str(tmp_path), "--chunk", "200"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp", host="127.0.0.1") as lc:
        dask = ["--scheduler", lc.scheduler_address]
        assert cli(["reproduce", SOLVES.name, endless.name, *common, *dask]) == 130
        err = capfd.readouterr().err
        assert f"{SOLVES.name}: saved" in err and f"{endless.name}: interrupted, not saved" in err
        assert sorted(p.name for p in _files(tmp_path)) == [".trials", f"{SOLVES.name}.json"]
        _only_snapshots_of(tmp_path / ".trials", endless.name)   # the stopped row: where its trials stood
        assert cli(["reproduce", SOLVES.name, CHEAP[0], "--trials", "2", "--max-sequences", str(CAP), *common,
                    *dask]) == 0
    err = capfd.readouterr().err
    assert f"[1/2] {SOLVES.name}: skipped" in err and f"[2/2] {CHEAP[0]}: saved" in err
    assert sorted(p.name for p in _files(tmp_path)) == sorted([".trials", f"{SOLVES.name}.json", f"{CHEAP[0]}.json"])


# ----------------------------------------------------------------------------- signals (child processes)

CHILD = textwrap.dedent("""
    import sys
    from dataclasses import replace
    from lstm_core.__main__ import main
    from lstm_core.experiments import PRESETS
    C4 = PRESETS["classroom_exp4_adding_T20"]
    ENDLESS = replace(C4, name="tiny_endless", trials=2, task_options={"T": 10},      # trains until stopped
                      stop=replace(C4.stop, kind="none", max_sequences=10_000_000))
    PRESETS["tiny_endless"] = ENDLESS
    PRESETS["tiny_short"] = replace(ENDLESS, name="tiny_short", stop=replace(ENDLESS.stop, max_sequences=60))
    sys.exit(main(sys.argv[1:]))
""")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ignored_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(argv, preexec=_default_sigint):
    return subprocess.Popen([sys.executable, "-c", CHILD, *argv], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=preexec)


def _wait_for(proc, *patterns: bytes) -> bytes:
    """Read the child's stderr until every regex matched, one after the other; the child must still be running."""
    seen, deadline = b"", time.monotonic() + GUARD
    at = 0
    for pattern in patterns:
        while (m := re.compile(pattern).search(seen, at)) is None:
            assert time.monotonic() < deadline, f"gave up waiting for {pattern!r}; stderr so far: {seen!r}"
            if not select.select([proc.stderr], [], [], 1.0)[0]:
                continue
            chunk = os.read(proc.stderr.fileno(), 65536)
            assert chunk, f"the command ended early: {seen!r}"
            seen += chunk
        at = m.end()
    return seen


def _finish(proc, seen: bytes) -> tuple[str, str]:
    out, err = proc.communicate(timeout=GUARD)
    return out.decode(), (seen + err).decode()


@pytest.mark.parametrize("sig, workers, preexec", [
    (signal.SIGINT, "1", _default_sigint),
    (signal.SIGINT, "2", _ignored_sigint),        # SIGINT inherited as ignored: the command handles it anyway
    (signal.SIGTERM, "2", _default_sigint),
    (signal.SIGHUP, "1", _default_sigint),
], ids=["sigint-here", "sigint-ignored-by-parent-workers", "sigterm-workers", "sighup-here"])
def test_a_signal_during_a_sweep_keeps_finished_rows_and_writes_nothing_half(tmp_path, sig, workers, preexec):
    proc = _start(["reproduce", "tiny_short", "tiny_endless", "--results-dir", str(tmp_path), "--workers", workers,
                   "--chunk", "20"], preexec)
    try:
        seen = _wait_for(proc, rb"\[1/2\] tiny_short: saved", rb"\[2/2\] tiny_endless: ")
        proc.send_signal(sig)
        _, err = _finish(proc, seen)
        assert proc.returncode == 130, err
        assert f"{signal.Signals(sig).name}: stopping" in err
        assert "[2/2] tiny_endless: interrupted, not saved" in err
        assert sorted(p.name for p in _files(tmp_path)) == [".trials", "tiny_short.json"]
        _only_snapshots_of(tmp_path / ".trials", "tiny_endless")   # where its started trials stood
        saved = json.loads((tmp_path / "tiny_short.json").read_text())
        assert saved["trials"] == 2 and saved["interrupted"] is False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_sigterm_on_one_row_still_reports_and_writes_json_and_run(tmp_path):
    out, run_dir = tmp_path / "r.json", tmp_path / "run"
    proc = _start(["reproduce", "tiny_endless", "--workers", "2", "--chunk", "20", "--json", str(out),
                   "--out", str(run_dir)])
    try:
        seen = _wait_for(proc, rb"[1-9][\d,]* seq/trial")     # a trial has trained
        proc.send_signal(signal.SIGTERM)
        stdout, err = _finish(proc, seen)
        assert proc.returncode == 130, err
        summary = json.loads(out.read_text())
        assert summary["interrupted"] is True and summary["trials"] == 2 and summary["sequences_seen"] > 0
        assert "ours" in stdout and "run saved to" in err
        assert (run_dir / "config.json").is_file() and (run_dir / "arrays.npz").is_file()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


# ----------------------------------------------------------------------------- options checked before work

def _args(**kw) -> argparse.Namespace:
    base = dict(presets=[], all=False, trials=None, seed=0, max_sequences=None, out=None, json=None, chunk=500,
                workers=None, scheduler=None, results_dir=None, force=False)
    return argparse.Namespace(**{**base, **kw})


BAD = {
    "chunk-0": (["--chunk", "0"], "--chunk"),
    "chunk-negative": (["--chunk", "-5"], "--chunk"),
    "seed-negative": (["--seed", "-1"], "--seed"),
    "too-many-trials": (["--trials", "300000", "--max-sequences", "1"], "--trials"),
    "no-trials": (["--trials", "0"], "--trials"),
    "cap-0": (["--max-sequences", "0"], "--max-sequences"),
    "workers-0": (["--workers", "0"], "--workers"),
    "json-empty": (["--json", ""], "--json"),
    "json-directory": (["--json", "{tmp}"], "is a directory"),
    "json-missing-parent": (["--json", "{tmp}/missing/x.json"], "does not exist"),
    "json-device": (["--json", "/dev/full"], "not a regular file"),
    "json-parent-is-a-file": (["--json", "{tmp}/file.txt/x.json"], "not a directory"),
    "out-empty": (["--out", ""], "--out"),
    "out-is-a-file": (["--out", "{tmp}/file.txt"], "not a directory"),
    "out-missing-parent": (["--out", "{tmp}/missing/deeper"], "does not exist"),
    "scheduler-garbage": (["--scheduler", "not an address"], "HOST:PORT"),
    "scheduler-bad-port": (["--scheduler", "host:99999"], "HOST:PORT"),
    "scheduler-and-workers": (["--scheduler", "host:8786", "--workers", "2"], "exclude"),
    "json-in-a-sweep": (["classroom_exp3a_T20_N3", "--json", "{tmp}/x.json"], "--json"),
    "results-dir-is-a-file": (["--results-dir", "{tmp}/file.txt"], "--results-dir"),
    "all-and-a-name": (["--all", "nope"], "not both"),
}


@pytest.mark.parametrize("extra, says", BAD.values(), ids=BAD.keys())
def test_a_bad_option_is_one_clear_line_and_exit_2_before_any_work(extra, says, tmp_path, monkeypatch, capsys):
    (tmp_path / "file.txt").write_text("x")

    def no_work(*a, **k):
        raise AssertionError("work started despite a bad option")

    monkeypatch.setattr(reproduce, "run_rows", no_work)
    monkeypatch.setattr(reproduce, "make_backend", no_work)
    argv = ["reproduce"] + ([] if extra[0] == "--all" else ["classroom_exp4_adding_T20"])
    argv += [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and says in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_no_preset_and_an_unknown_preset_are_clear_errors(capsys):
    assert cli(["reproduce"]) == 2
    assert "name a preset" in capsys.readouterr().err
    assert cli(["reproduce", "exp4_adding_T10"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "exp4_adding_T100" in err         # the closest names


def test_a_failed_json_write_does_not_skip_the_run_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_json", disk_full)
    out, run_dir = tmp_path / "r.json", tmp_path / "run"
    rc = cli(["reproduce", "classroom_exp4_adding_T20", "--trials", "1", "--max-sequences", "50", "--workers", "1",
              "--json", str(out), "--out", str(run_dir)])
    err = capsys.readouterr().err
    assert rc == 1 and "could not write --json" in err and "No space left" in err
    assert not out.exists()
    assert (run_dir / "config.json").is_file()


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    files.write_json(target, {"old": 1})

    def fail(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError):
        files.write_json(target, {"new": 2})
    assert json.loads(target.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_dask_is_imported_only_when_a_scheduler_is_asked_for():
    # (that the engine never imports lab: tests/test_import_hygiene.py)
    code = ("import sys, lab.cli_reproduce, lstm_core.__main__, lab.reproduce, lab.sweep, lab.backends; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('distributed', 'dask')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=GUARD)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_a_stop_before_a_trial_starts_builds_nothing():
    stop = Stop()
    stop.request()
    assert run_trial(TrialTask(SOLVES, 0, 1, CAP), should_stop=lambda: bool(stop)) == \
        {"row": 0, "trial": 1, "started": False}


@pytest.mark.parametrize("argv, name, expected", [
    (["reproduce", "a", "b", "--max-sequences", "5", "--results-dir", "d"], "b",
     ["reproduce", "b", "--max-sequences", "5", "--results-dir", "d"]),
    (["reproduce", "--all", "--max-seq", "5", "--workers=2", "--force"], "x",        # --all goes; a prefix
     ["reproduce", "x", "--max-seq", "5", "--workers=2", "--force"]),                # option keeps its value
    (["reproduce", "a", "b", "--results-dir", "a"], "b",                              # a value spelled like a row
     ["reproduce", "b", "--results-dir", "a"]),
    (["reproduce", "--seed", "3", "a", "b"], "a", ["reproduce", "a", "--seed", "3"]),
])
def test_a_rows_own_command_keeps_the_options_and_drops_the_other_rows(argv, name, expected):
    assert reproduce_plan.row_command(argv, name) == expected


def _plan(argv: list[str]) -> reproduce_plan.Plan:
    """The plan of ``python -m lstm_core`` + argv, as the command line makes it."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(argv[1:])
    args.argv = argv
    return reproduce_plan.plan_from_args(args)


def test_a_sweep_without_results_dir_names_the_default_in_each_rows_command(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce_plan, "RESULTS_DIR", tmp_path)      # the default, not the repository's
    argv = ["reproduce", *CHEAP, "--max-sequences", "5", "--out", str(tmp_path / "runs")]
    plan = _plan(argv)
    # alone, a row is a sweep (files in the results folder, runs in --out/<row>) only with --results-dir
    assert plan.command_for(CHEAP[1]) == ("python -m lstm_core reproduce " + CHEAP[1] + " --max-sequences 5 --out "
                                         f"{tmp_path / 'runs'} --results-dir runs/results")


def test_one_row_keeps_its_command_as_given_and_has_no_sweep_command(tmp_path):
    argv = ["reproduce", "--max-sequences", "5", CHEAP[0], "--results-dir", str(tmp_path)]
    plan = _plan(argv)
    assert plan.command_for(CHEAP[0]) == plan.command == "python -m lstm_core " + " ".join(argv)
    assert "sweep_command" not in annotate({"trials": 1}, plan.rows[0], False, plan.command_for(CHEAP[0]),
                                           plan.command)


def test_a_run_without_numba_says_so_before_it_trains(tmp_path, monkeypatch, capsys):
    """A paper-scale sweep that silently fell back to the NumPy reference would take 20-100x longer."""
    from lstm_core.nets import engine

    plan = _plan(["reproduce", CHEAP[0], "--trials", "1", "--max-sequences", "5", "--workers", "1",
                  "--json", str(tmp_path / "r.json")])
    monkeypatch.delenv("LAB_ENGINE", raising=False)
    monkeypatch.setattr(engine, "numba_available", lambda: True)
    assert reproduce.engine_warning(plan) is None                         # the kernels: nothing to say
    assert reproduce.engine_warning(replace(plan, scheduler="h:1")) is None   # a cluster's workers decide
    monkeypatch.setattr(engine, "numba_available", lambda: False)
    warning = reproduce.engine_warning(plan)
    assert warning.startswith("warning: numba is not installed") and "pip install -r requirements.txt" in warning
    monkeypatch.setenv("LAB_ENGINE", "numpy")
    assert reproduce.engine_warning(plan).startswith("note: LAB_ENGINE=numpy")
    monkeypatch.delenv("LAB_ENGINE")
    assert cli(["reproduce", CHEAP[0], "--trials", "1", "--max-sequences", "5", "--workers", "1",
                "--json", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert err.index("warning: numba is not installed") < err.index(CHEAP[0])   # said before the row starts
