"""One figure as every page shows it: the chart with alt text, a caption, and its data as a table.

Accessibility rule of the lab: every figure has alt text and a table view for screen readers
(and a CSV download where the data is worth keeping). Pages call :func:`figure_with_table`
instead of repeating the four Streamlit calls.
"""

from __future__ import annotations

import streamlit as st

from ui.present import is_present, sized_figure


def figure_with_table(fig, *, key: str, alt: str, caption: str, table, csv_name: str | None = None,
                      height: int | None = None) -> None:
    """Draw ``fig`` (a Plotly figure) with ``alt`` text, ``caption`` under it, and ``table`` in an expander.

    ``table`` is anything ``st.dataframe`` takes; with ``csv_name`` (and a DataFrame) a CSV
    download of it is offered too.
    """
    st.plotly_chart(sized_figure(fig, is_present()), width="stretch", key=key, alt=alt)
    st.caption(caption)
    with st.expander("Data table"):
        st.dataframe(table, hide_index=True, width="stretch", key=f"{key}_table",
                     **({"height": height} if height else {}))
        if csv_name is not None:
            st.download_button("Download this table (CSV)", table.to_csv(index=False), file_name=csv_name,
                               mime="text/csv", on_click="ignore", key=f"{key}_csv")
