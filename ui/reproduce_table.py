"""The Reproduce page's table: the paper's Tables 1-9 row by row, our stored result beside each.

Pure (pandas, no Streamlit). :func:`comparison_table` takes the summaries that
``lab.results.results_table`` reads from ``runs/results/*.json`` and returns one row
per paper row (every paper preset, then the paper-only competitors we do not
re-implement, then any classroom preset that has a stored result), each with a
status: a verdict for rows we ran (:func:`verdict`), "not yet run" or "paper only: not re-implemented".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from lab.report import wall_text
from lstm_core.experiments import EXPERIMENT_TITLES, PAPER_ONLY_ROWS, PRESETS

CLASSROOM_GROUP = "Classroom settings and baselines (not the paper's rows)"
NOT_YET = "not yet run"
REPRODUCED = "reproduced"
PARTLY = "partly: fewer successes or slower"
NOT_REPRODUCED = "run, not reproduced"
TOO_SHORT = "run too short to tell"
RUN_STATUSES = (REPRODUCED, PARTLY, TOO_SHORT, NOT_REPRODUCED)
PAPER_ONLY = "paper only: not re-implemented"
COLUMNS = ["group", "experiment", "row", "preset", "status",
           "paper_trials", "paper_success_pct", "paper_success_after", "paper_min_max", "paper_test",
           "our_trials", "our_success_pct", "our_mean_sequences", "our_cap", "our_min_sequences", "our_max_sequences",
           "our_test", "seed", "seconds", "note"]


def group_label(table: int | None, experiment: str) -> str:
    """"Table 7 · Exp 4: Adding problem"; rows reported only in the text get "§5 text"."""
    where = f"Table {table}" if table else "Reported in the text"
    return f"{where} · Exp {experiment}: {EXPERIMENT_TITLES.get(experiment, '')}"


def _paper_test(paper: Mapping) -> str:
    parts = []
    if paper.get("wrong"):
        parts.append(f"{paper['wrong']} wrong")
    if paper.get("fraction_misclassified") is not None:
        parts.append(f"{100 * paper['fraction_misclassified']:.4g}% misclassified")
    if paper.get("avg_difference_to_mean") is not None:
        parts.append(f"distance to expectation {paper['avg_difference_to_mean']}")
    if paper.get("mse") is not None:
        parts.append(f"MSE {paper['mse']}")
    return "; ".join(parts)


def _our_test(test: Mapping | None) -> str:
    if not test:
        return ""
    n = int(test.get("test_size", 0))
    parts = []
    if "wrong_mean" in test:
        share = f" ({100 * test['wrong_mean'] / n:.3g}%)" if n else ""
        parts.append(f"{test['wrong_mean']:.3g} of {n:,} wrong (mean){share}, max {test.get('wrong_max', 0):.0f}")
    if "mse_mean" in test:
        parts.append(f"MSE {test['mse_mean']:.3g}")
    return "; ".join(parts)


def best_results(results: Iterable[Mapping]) -> dict[str, Mapping]:
    """One stored result per preset: the one with the most trials (the later one on a tie)."""
    best: dict[str, Mapping] = {}
    for r in results:
        name = r.get("preset")
        if name and (name not in best or int(r.get("trials", 0)) >= int(best[name].get("trials", 0))):
            best[name] = r
    return best


def paper_budget(paper: Mapping) -> int | None:
    """The sequences the paper trained a row for without success (">5,000,000" → 5,000,000), else None."""
    after = str(paper.get("success_after") or "").strip()
    if not after.startswith(">"):
        return None
    digits = after[1:].replace(",", "").strip()
    return int(digits) if digits.isdigit() else None


def verdict(paper: Mapping | None, ours: Mapping) -> str:
    """How our stored run compares with the paper's row, given how long our trials were allowed to train.

    "reproduced": our success rate is at most 20 points below the paper's (100 % where the paper
    gives none) and our mean sequences to success at most twice its mean — or, for a row where the
    paper never succeeded, none of ours did either within at least the paper's budget (5,000,000).
    "run too short to tell": not reproduced, but our cap (``max_sequences_cap``) is below twice the
    paper's mean (or below the paper's budget where it never succeeded), so trials that would have
    succeeded as late as the rule allows were cut off. "run, not reproduced": no trial of ours met
    the rule where the paper's did, within a long enough cap. Anything between is "partly". Results
    without a stored cap count as long enough. Classroom runs (no paper row) that solved count as
    reproduced.
    """
    rate = 100.0 * float(ours.get("success_rate") or 0.0)
    if not paper:
        return REPRODUCED if rate > 0 else NOT_REPRODUCED
    cap = ours.get("max_sequences_cap")
    theirs = paper.get("success_pct")
    theirs = 100.0 if theirs is None else float(theirs)
    if theirs == 0:
        if rate > 0:
            return PARTLY
        budget = paper_budget(paper)
        return TOO_SHORT if cap is not None and budget is not None and cap < budget else REPRODUCED
    mean, their_mean = ours.get("mean_sequences"), paper.get("mean_sequences")
    fast_enough = mean is None or not their_mean or mean <= 2 * their_mean
    if rate >= theirs - 20 and fast_enough:
        return REPRODUCED
    if cap is not None and their_mean and cap < 2 * their_mean:
        return TOO_SHORT
    return PARTLY if rate > 0 else NOT_REPRODUCED


def _ours(r: Mapping | None, paper: Mapping | None = None) -> dict:
    if r is None:
        return {"status": NOT_YET}
    rate = r.get("success_rate")
    return {"status": verdict(paper, r), "our_trials": r.get("trials"),
            "our_success_pct": None if rate is None else 100.0 * rate,
            "our_mean_sequences": r.get("mean_sequences"), "our_cap": r.get("max_sequences_cap"),
            "our_min_sequences": r.get("min_sequences"),
            "our_max_sequences": r.get("max_sequences"), "our_test": _our_test(r.get("test")),
            "seed": r.get("seed"), "seconds": r.get("seconds"),
            "note": "interrupted: unfinished trials counted as failures" if r.get("interrupted") else ""}


def _with_readings(note: str, n: int) -> str:
    """``note`` and, if ``n`` > 0, how many readings were tried (the Experiments page lists them)."""
    tried = f"readings: {n} (listed on the Experiments page)" if n else ""
    return "; ".join(t for t in (note, tried) if t)


def comparison_table(results: Iterable[Mapping], readings: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Paper rows (table order) with our best stored result; paper-only rows; classroom results.

    ``readings`` (preset -> count, :func:`lab.readings.reading_counts`) adds "readings: N" to a row's note.
    """
    best = best_results(results)
    rows = []
    for p in PRESETS.values():
        if p.paper is None:
            continue
        pp = p.paper
        lo, hi = pp.get("min_sequences"), pp.get("max_sequences")
        rows.append({"group": group_label(pp.get("table"), p.experiment), "experiment": p.experiment,
                     "row": p.title, "preset": p.name, "paper_trials": pp.get("trials"),
                     "paper_success_pct": pp.get("success_pct"), "paper_success_after": pp.get("success_after", ""),
                     "paper_min_max": f"{lo:,}–{hi:,}" if lo and hi else "", "paper_test": _paper_test(pp),
                     **_ours(best.get(p.name), pp)})
    for extra in PAPER_ONLY_ROWS:
        nums = extra["numbers"]
        rows.append({"group": group_label(extra.get("table"), extra["experiment"]),
                     "experiment": extra["experiment"], "row": extra["method"], "preset": "",
                     "paper_success_pct": nums.get("success_pct"),
                     "paper_success_after": str(nums.get("success_after", "")),
                     "status": PAPER_ONLY, "note": extra["why_not_run"]})
    for name, r in best.items():
        p = PRESETS.get(name)
        if p is not None and p.paper is None:
            rows.append({"group": CLASSROOM_GROUP, "experiment": p.experiment, "row": p.title, "preset": name,
                         **_ours(r)})
    for r in rows:
        r["note"] = _with_readings(r.get("note") or "", (readings or {}).get(r["preset"], 0))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["paper_success_pct"] = df["paper_success_pct"].astype(str).replace({"None": "", "nan": ""})
    order = {g: i for i, g in enumerate(dict.fromkeys(df["group"]))}
    df["_o"] = df["group"].map(order)
    return df.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def summary_counts(df: pd.DataFrame) -> dict[str, int]:
    """Paper rows run here (and of those: reproduced, partly, too short to tell), not yet run, paper only."""
    paper = df[df["group"] != CLASSROOM_GROUP]
    return {"run": int(paper["status"].isin(RUN_STATUSES).sum()),
            "reproduced": int((paper["status"] == REPRODUCED).sum()),
            "partly": int((paper["status"] == PARTLY).sum()),
            "too_short": int((paper["status"] == TOO_SHORT).sum()),
            "not_reproduced": int((paper["status"] == NOT_REPRODUCED).sum()),
            "not_yet": int((paper["status"] == NOT_YET).sum()),
            "paper_only": int((paper["status"] == PAPER_ONLY).sum())}


# the columns shown, each of ours right after the paper's, so both fit a 1024-px screen side by side
# (the status second, in a short form: the column a class reads first stays on screen at 1024 px)
DISPLAY_COLUMNS: dict[str, str] = {
    "row": "Row", "status": "Status", "paper_success_pct": "Paper %", "our_success_pct": "Ours %",
    "paper_success_after": "Paper seqs", "our_mean_sequences": "Ours seqs", "our_cap": "Ours cap",
    "paper_min_max": "Paper min–max", "our_min_max": "Ours min–max",
    "paper_test": "Paper test", "our_test": "Ours test", "paper_trials": "Paper trials",
    "our_trials": "Ours trials", "seed": "Seed", "note": "Note",
}
SHORT_STATUS = {REPRODUCED: "✓ reproduced", PARTLY: "◐ partly", TOO_SHORT: "◌ too short",
                NOT_REPRODUCED: "✗ not reproduced", NOT_YET: "· not yet run", PAPER_ONLY: "paper only"}
COLUMN_HELP = {
    "status": ("✓ reproduced: success at most 20 points below the paper's and at most twice its mean sequences "
               "(or no success where the paper had none, within its budget). ◐ partly: fewer successes or "
               "slower. ◌ too short: not reproduced, but our cap stopped before twice the paper's mean (or its "
               "budget). ✗ not reproduced: no success within a long enough cap. Paper only: a method we do not "
               "re-implement (the note says why)."),
    "paper_success_pct": "The paper: % of trials that met the stopping rule.",
    "our_success_pct": "Our stored run: % of trials that met the stopping rule before the sequence cap.",
    "paper_success_after": "The paper: training sequences until success (mean over the successful trials).",
    "our_mean_sequences": "Our stored run: training sequences until success (mean over the successful trials).",
    "our_cap": "Our stored run: the sequences each trial was allowed before it counted as failed (the verdict "
               "needs twice the paper's mean, or its budget, to call a failure 'not reproduced').",
}
ALWAYS_SHOWN = ("row", "status", "paper_success_pct", "our_success_pct", "paper_success_after",
                "our_mean_sequences")


def cell_text(value: object, fmt: str = "{:,.0f}") -> str:
    """A cell as text: "" for a missing value (never "None" or "nan"), numbers formatted with ``fmt``."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt.format(value)
    text = str(value)
    return "" if text in ("None", "nan", "NaN", "<NA>") else text


def display_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of one table as shown: text cells ("" where nothing is known), ours beside the paper's.

    Columns are ``DISPLAY_COLUMNS`` in that order (plus ``preset``, kept for look-ups), without the
    optional ones that are empty in every row.
    """
    out = pd.DataFrame(index=rows.index)
    for key in DISPLAY_COLUMNS:
        if key == "our_min_max":
            lo, hi = rows["our_min_sequences"], rows["our_max_sequences"]
            out[key] = [f"{cell_text(a)}–{cell_text(b)}" if cell_text(a) and cell_text(b) else ""
                        for a, b in zip(lo, hi)]
        elif key == "status":
            out[key] = [SHORT_STATUS.get(v, cell_text(v)) for v in rows[key]]
        elif key == "seed":
            out[key] = [cell_text(v, "{:d}") if isinstance(v, int) else cell_text(v) for v in rows[key]]
        else:
            out[key] = [cell_text(v) for v in rows[key]]
    keep = [k for k in DISPLAY_COLUMNS if k in ALWAYS_SHOWN or (out[k] != "").any()]
    out = out[keep]
    out["preset"] = rows["preset"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


_PAPER_LABELS = {
    "table": "Table", "method": "Method", "hidden": "Hidden units", "weights": "Weights", "lr": "Learning rate",
    "delay_p": "Delay p", "q": "Minimal lag q", "p": "Alphabet size p", "T": "Length T", "N": "Informative inputs N",
    "min_lag": "Minimal lag", "n_seq": "Stopping n_seq", "trials": "Trials", "success_pct": "Success (%)",
    "success_after": "Sequences until success", "min_sequences": "Fewest sequences (a trial)",
    "max_sequences": "Most sequences (a trial)", "st1_sequences": "Sequences until ST1",
    "st2_sequences": "Sequences until ST2", "fraction_misclassified": "Fraction misclassified",
    "avg_difference_to_mean": "Distance to the expectation", "wrong": "Wrong on the test set",
    "mse": "Test MSE", "avg_test_error": "Average test error", "notes": "Notes",
}
_SKIP = {"mean_sequences", "wrong_count", "test_size", "q_over_p"}


_TEST_KEYS = ("wrong", "fraction_misclassified", "mse", "avg_test_error", "avg_difference_to_mean")


def _our_values(paper: Mapping, ours: Mapping) -> dict[str, str]:
    """Our stored result under the paper's keys it answers (trials, success, sequences, the test)."""
    rate = ours.get("success_rate")
    values = {"trials": cell_text(ours.get("trials")), "success_pct": "" if rate is None else f"{100 * rate:.3g}",
              "success_after": cell_text(ours.get("mean_sequences")),
              "min_sequences": cell_text(ours.get("min_sequences")),
              "max_sequences": cell_text(ours.get("max_sequences"))}
    test = next((k for k in _TEST_KEYS if k in paper), "wrong")
    values[test] = _our_test(ours.get("test"))
    return values


def paper_numbers(paper: Mapping, ours: Mapping | None = None, weights: int | None = None) -> pd.DataFrame:
    """A preset's ``paper`` dict as a table (what the paper reports), in a readable order.

    With ``ours`` (a stored result, see :func:`best_results`) a third column "Ours" holds our
    number beside each of the paper's that it answers ("" elsewhere); those rows come first.
    ``weights``: our net's weight count, shown beside the paper's (Exps 2c, 3 and 4 differ:
    stated deviations).
    """
    keys = [k for k in _PAPER_LABELS if k in paper] + [k for k in paper if k not in _PAPER_LABELS]
    rows = [(_PAPER_LABELS.get(k, k), cell_text(paper[k], "{:,}")) for k in keys if k not in _SKIP]   # 370,000
    if ours is None:
        return pd.DataFrame(rows, columns=["Quantity", "Paper"])
    mine = _our_values(paper, ours)
    if weights is not None:
        mine["weights"] = f"{weights:,}"
    kept = [k for k in keys if k not in _SKIP]
    rows = [(label, theirs, mine.get(k, "")) for (label, theirs), k in zip(rows, kept)]
    rows += [(_PAPER_LABELS[k], "", v) for k, v in mine.items() if k not in paper and v]
    rows.sort(key=lambda r: r[2] == "")               # the quantities we can compare first (a stable sort)
    return pd.DataFrame(rows, columns=["Quantity", "Paper", "Ours"])


def computing_text(ours: Mapping) -> str:
    """What a stored row's computing took: "39 min of computing"; for a row finished from trials kept by
    earlier runs (``trials_resumed``) its last run's wall time is not the row's, so it says so, with the
    trials' own time in all where the file has it (``trial_seconds``). "" when under a minute or unknown."""
    seconds, resumed, K = ours.get("seconds"), ours.get("trials_resumed"), ours.get("trials")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return ""
    if not (isinstance(resumed, int) and resumed > 0):
        return f"{wall_text(seconds)} of computing" if seconds >= 60 else ""
    total = ours.get("trial_seconds")
    total = (f"; its trials took {wall_text(total)} of one core's time in all"
             if isinstance(total, (int, float)) and not isinstance(total, bool) and total >= 60 else "")
    return (f"run in pieces: {resumed} of its {K} trials were kept from earlier runs of the row, "
            f"its last run took {wall_text(seconds)}{total}")


def under_way_note(kept) -> str:
    """One Markdown sentence on a row under way in pieces (a :class:`lab.trial_store.KeptRow`): how many of its
    trials are kept, to which cap, how many solved, and whether this checkout's engine resumes them."""
    folder = f"runs/results/.trials/{kept.folder.name}/"     # where the command (:meth:`KeptRow.command`) keeps them
    took = f", {wall_text(kept.seconds)} of one core's time" if kept.seconds >= 60 else ""
    if kept.seconds_left >= 60:
        took += f" (the other {kept.trials - len(kept.done)} trials: about {wall_text(kept.seconds_left)} more)"
    running = (f"; {kept.running_text()} {'is' if len(kept.running) == 1 else 'are'} kept where "
               f"{'it' if len(kept.running) == 1 else 'they'} stood, to go on from" if kept.running else "")
    n = len(kept.done)
    text = (f"**Under way, in pieces:** {n} of its {kept.trials} trials {'has' if n == 1 else 'have'} ended (each "
            f"trains up to {kept.cap:,} sequences), {kept.solved} of them solved{took}{running}. They are kept in "
            f"`{folder}`")
    if not kept.resumable:
        return (text + ", but by a different version of the engine: this checkout would train the row again "
                "from its first trial.")
    return text + "; this command goes on from them (not with `--force`, which empties them):"


def under_way_frame(kept_rows: Iterable) -> pd.DataFrame:
    """The Reproduce page's table of rows under way in pieces (one line per :class:`lab.trial_store.KeptRow`)."""
    lines = [{"Row": PRESETS[k.preset].title, "Kept": f"{len(k.done)} of {k.trials}", "Solved": str(k.solved),
              "Under way": ", ".join(f"{seen:,} (trial {t})" for t, seen in k.running) or "-",
              "Cap": f"{k.cap:,}", "Core time": wall_text(k.seconds) if k.seconds >= 1 else "-",
              "Left": f"≈ {wall_text(k.seconds_left)}" if k.seconds_left >= 1 else "-",
              "Resumes": "yes" if k.resumable else "no: other engine"}
             for k in kept_rows]
    return pd.DataFrame(lines, columns=["Row", "Kept", "Solved", "Under way", "Cap", "Core time", "Left", "Resumes"])


def stored_result_note(paper: Mapping | None, ours: Mapping | None, preset: str) -> str:
    """One Markdown sentence on our stored result of ``preset``: its verdict, trials and cap, or "not yet run"."""
    if ours is None:
        return (f"**Our stored result: {NOT_YET}.** Make it with `python -m lstm_core reproduce {preset} "
                f"--json runs/results/{preset}.json`.")
    cap = ours.get("max_sequences_cap")
    each = f", each up to {cap:,} sequences" if isinstance(cap, int) else ""
    took = computing_text(ours)
    took = f", {took}" if took else ""
    stopped = " Interrupted: unfinished trials count as failures." if ours.get("interrupted") else ""
    return (f"**Our stored result: {verdict(paper, ours)}** — {ours.get('successes', 0)} of {ours['trials']} "
            f"trials met the stopping rule (seed {ours.get('seed')}{each}{took}).{stopped}")


def _row_label(name: str) -> str:
    """A preset's title without its experiment ("Exp 2c · q=1000, p=500" → "q=1000, p=500")."""
    return PRESETS[name].title.partition(" · ")[2] or PRESETS[name].title


def here_note(names: Iterable[str], best: Mapping[str, Mapping], kept: Iterable = (),
              see: str = "the Reproduce page") -> str:
    """Markdown on our stored runs of the rows ``names``, one bullet a row (student mode's "Here" beside the paper).

    ``best`` is :func:`best_results` of the stored files; ``kept`` the rows under way in pieces
    (:class:`lab.trial_store.KeptRow`). Each row says how many of its trials solved, after how many sequences
    on average and to which cap; a row being run (again) in pieces says how far it got. Read at every show, so
    the answer follows the stored files instead of going stale in its text. ``see``: where all rows are
    (on the Reproduce page itself, "the table below"). "" for no rows.
    """
    under_way = {k.preset: k for k in kept}
    lines = []
    for name in names:
        r, k = best.get(name), under_way.get(name)
        text = f"{_row_label(name)}: "
        if r is not None:
            solved, cap, mean = r.get("successes", 0), r.get("max_sequences_cap"), r.get("mean_sequences")
            text += f"{solved} of {r.get('trials')} trials solved"
            if solved and isinstance(mean, (int, float)):
                text += f", after {mean:,.0f} sequences on average"
            if isinstance(cap, int):
                text += f" (each trial up to {cap:,})"
        if k is not None:
            run = (f"{len(k.done)} of {k.trials} trials ended so far (each up to {k.cap:,}), "
                   f"{'none' if k.solved == 0 else k.solved} solved")
            text += f"; being run again in pieces: {run}" if r is not None else f"under way in pieces, {run}"
        elif r is None:
            text += NOT_YET
        lines.append(f"- {text}")
    if not lines:
        return ""
    return f"**Here** (our stored runs; {see} has them all):\n\n" + "\n".join(lines)
