"""Reproduce: our results next to the paper's Tables 1-9, row by row."""

import streamlit as st

from lstm_core.runs import RESULTS_DIR, results_table
from ui.nav import ensure_router
from ui.reproduce_table import NOT_YET, PAPER_ONLY, REPRODUCED, comparison_table, summary_counts

ensure_router()  # a deep link on a fresh server must go through app.py

st.title("Reproduce")
st.markdown(
    "Every row of the paper's Tables 1–9, with the paper's own numbers on the left and ours on the right. "
    "Our numbers come from stored runs of `python -m lstm_core reproduce <preset> --json runs/results/<preset>.json`"
    "; a row nobody has run yet says so, and the status says whether our run reproduced the paper's. Method "
    "rows of the paper that this lab does not re-implement are listed with the reason."
)

problems: list = []
table = comparison_table(results_table(RESULTS_DIR, problems=problems))
for path, why in problems:
    st.warning(f"Skipped the stored result `{path.name}`: {why}", icon="⚠️")
counts = summary_counts(table)
cols = st.columns(4)
cols[0].metric("Paper rows run here", counts["run"])
cols[1].metric("… of which reproduced", counts["reproduced"],
               help="Success rate at most 20 points below the paper's and at most twice its mean "
                    "sequences to success (or no success where the paper had none).")
cols[2].metric("Not yet run", counts["not_yet"])
cols[3].metric("Paper only (not re-implemented)", counts["paper_only"])

COLUMNS = {
    "row": st.column_config.TextColumn("Row", width="medium"),
    "status": st.column_config.TextColumn("Status"),
    "paper_trials": st.column_config.NumberColumn("Paper: trials", format="%d"),
    "paper_success_pct": st.column_config.TextColumn("Paper: success %"),
    "paper_success_after": st.column_config.TextColumn("Paper: sequences until success"),
    "paper_min_max": st.column_config.TextColumn("Paper: min–max"),
    "paper_test": st.column_config.TextColumn("Paper: test"),
    "our_trials": st.column_config.NumberColumn("Ours: trials", format="%d"),
    "our_success_pct": st.column_config.NumberColumn("Ours: success %", format="%.0f"),
    "our_mean_sequences": st.column_config.NumberColumn("Ours: mean sequences", format="localized"),
    "our_min_sequences": st.column_config.NumberColumn("Ours: min", format="localized"),
    "our_max_sequences": st.column_config.NumberColumn("Ours: max", format="localized"),
    "our_test": st.column_config.TextColumn("Ours: test"),
    "seed": st.column_config.NumberColumn("Seed", format="%d"),
    "note": st.column_config.TextColumn("Note", width="large"),
}
for group, rows in table.groupby("group", sort=False):
    st.subheader(group)
    shown = rows.drop(columns=["group", "experiment", "seconds"])
    always = ("row", "status", "our_success_pct", "our_mean_sequences")
    filled = [c for c in COLUMNS if c in always or shown[c].replace("", None).notna().any()]
    st.dataframe(shown, hide_index=True, column_config=COLUMNS, width="stretch", column_order=filled)
    missing = int((rows["status"] == NOT_YET).sum())
    only = int((rows["status"] == PAPER_ONLY).sum())
    repro = int((rows["status"] == REPRODUCED).sum())
    st.caption(f"{len(rows)} rows: {len(rows) - missing - only} run here ({repro} reproduced), {missing} not yet "
               f"run, {only} paper only.")

st.download_button("Download the whole table (CSV)", table.to_csv(index=False), file_name="lstm1997_reproduce.csv",
                   mime="text/csv", on_click="ignore")
st.caption("Success % is the share of trials that met the paper's stopping rule before the sequence cap; "
           "\"sequences until success\" is the mean over the successful trials (spec A30). Test columns: the "
           "post-training test set of each row (mean over successful trials).")
