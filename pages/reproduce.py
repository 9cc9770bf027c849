"""Reproduce: our results next to the paper's Tables 1-9, row by row."""

import streamlit as st

from lab.readings import READINGS_DIR, reading_counts
from ui import student
from ui.nav import ensure_router
from ui.present import FONT_SCALE, is_present
from ui.reproduce_table import (
    COLUMN_HELP,
    DISPLAY_COLUMNS,
    NOT_YET,
    PAPER_ONLY,
    REPRODUCED,
    comparison_table,
    display_table,
    summary_counts,
    under_way_frame,
)
from ui.stored_runs import stored_runs

ensure_router()  # a deep link on a fresh server must go through app.py

st.title("Reproduce")
st.markdown(
    "Every row of the paper's Tables 1–9, each of our numbers right beside the paper's own. "
    "Our numbers come from stored runs of `python -m lstm_core reproduce <preset> --json runs/results/<preset>.json`"
    "; a row nobody has run yet says so, and the status says whether our run reproduced the paper's. Method "
    "rows of the paper that this lab does not re-implement are listed with the reason."
)

student.show("reproduce")  # guided questions in student mode (?student=1)

runs = stored_runs()
table = comparison_table(runs.results, reading_counts(READINGS_DIR))
for path, why in runs.problems:
    st.warning(f"Skipped the stored result `{path.name}`: {why}", icon="⚠️")
counts = summary_counts(table)
cols = st.columns(5)
cols[0].metric("Rows run", counts["run"], help="Paper rows with a stored run of ours.")
cols[1].metric("Reproduced", counts["reproduced"],
               help="Success rate at most 20 points below the paper's and at most twice its mean "
                    "sequences to success (or no success where the paper had none, within its budget).")
cols[2].metric("Partly", counts["partly"], help="Some trials succeeded, but fewer or slower than the paper's.")
cols[3].metric("Too short", counts["too_short"],
               help="Too short to tell: not reproduced, but our runs stopped before twice the paper's mean "
                    "sequences (or before "
                    "its budget where it never succeeded): a later success was cut off.")
cols[4].metric("Not yet run", counts["not_yet"])
st.caption(f"{counts['not_reproduced']} of the {counts['run']} rows run here did not reproduce the paper's numbers "
           f"within a long enough run; {counts['paper_only']} method rows of the paper are not re-implemented "
           "(listed with the reason).")

kept = runs.kept
if kept:
    with st.container(key="under_way"):
        st.markdown(f"**Under way, in pieces ({len(kept)}).** A long row (up to 20 trials of 5,000,000 sequences) "
                    "runs in pieces: each trial is kept the moment it ends, a running one every few minutes and "
                    "when it is stopped, and the row's command goes on from them. Until a row is finished the table "
                    "below shows its last stored result.")
        st.dataframe(under_way_frame(kept), hide_index=True, width="stretch", column_config={
            "Kept": st.column_config.TextColumn(help="Trials kept of the row's trial count"),
            "Under way": st.column_config.TextColumn(
                help="Trials stopped mid-way: the sequences each had seen; the row's command goes on from there"),
            "Cap": st.column_config.TextColumn(help="Sequences a trial trains at most (the row's cap)"),
            "Core time": st.column_config.TextColumn(help="The kept trials' own times added up (one core's)"),
            "Left": st.column_config.TextColumn(help="About how much core time the trials not kept yet take, at "
                                                        "the kept trials' mean time each (one core's)"),
            "Resumes": st.column_config.TextColumn(help="Whether this checkout's engine goes on from the kept "
                                                   "trials (a changed engine trains the row again)")})
        with st.expander("The commands that go on with them"):
            st.code("\n".join(k.command() for k in kept if k.resumable) or "(none resumes with this engine)",
                    language="bash")

# px where it matters: Row, Status and the four number columns fill a 1024-px screen's 560 px exactly
# (projector mode: its fonts are ~1.25x larger, on a page with no sidebar and ~960 px to fill)
_SCALE = FONT_SCALE if is_present() else 1.0
WIDTHS = {k: round(w * _SCALE) for k, w in {"row": 164, "status": 124, "paper_success_pct": 58, "our_success_pct": 58,
                                           "paper_success_after": 78, "our_mean_sequences": 78}.items()}
WIDTHS["note"] = "large"
for group, rows in table.groupby("group", sort=False):
    st.subheader(group)
    shown = display_table(rows)
    columns = {k: st.column_config.TextColumn(label, width=WIDTHS.get(k, "small"), help=COLUMN_HELP.get(k))
               for k, label in DISPLAY_COLUMNS.items() if k in shown}
    st.dataframe(shown, hide_index=True, column_config=columns, width="stretch", column_order=list(columns))
    missing = int((rows["status"] == NOT_YET).sum())
    only = int((rows["status"] == PAPER_ONLY).sum())
    repro = int((rows["status"] == REPRODUCED).sum())
    st.caption(f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {len(rows) - missing - only} run here "
               f"({repro} reproduced), {missing} not yet run, {only} paper only.")

st.download_button("Download the whole table (CSV)", table.to_csv(index=False), file_name="lstm1997_reproduce.csv",
                   mime="text/csv", on_click="ignore")
st.caption("Success % is the share of trials that met the paper's stopping rule before the sequence cap; "
           "\"sequences until success\" is the mean over the successful trials (spec A30). Test columns: the "
           "post-training test set of each row (mean over successful trials).")
