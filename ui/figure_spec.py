"""A Plotly figure turned into its plain-dict specification once, to be drawn many times.

``st.plotly_chart(fig)`` calls ``fig.to_dict()`` on every script run: a deep copy of the
whole figure and, for NumPy arrays, a base64 encoding array by array (for the Experiments
page's animation, ~750 arrays: tens of milliseconds of CPU under the interpreter lock
that all sessions share). A plain dict is no way out: ``st.plotly_chart`` validates a
dict by building a ``go.Figure`` from it, which is slower still. A :class:`FrozenFigure`
is a ``go.Figure`` (so ``st.plotly_chart`` takes it) whose ``to_dict`` returns the
specification computed when it was made, the same object every time, with no copy and no
validation. Made once per setting and kept in ``st.cache_resource``, it is shared by all
sessions; nothing may modify the dict (Streamlit and Plotly only read it; Plotly's
``to_json`` drops trace ``uid`` keys, which these specifications do not have).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


class FrozenFigure(go.Figure):
    """``fig`` as it is now; ``to_dict()`` returns its specification without copying (see the module doc).

    Attribute access (``.data``, ``.layout``) shows an empty figure: read the specification
    with :meth:`to_dict`, or keep the original figure.
    """

    def __init__(self, fig: go.Figure | dict[str, Any]):
        super().__init__()
        self._spec: dict[str, Any] = fig.to_dict() if isinstance(fig, go.Figure) else fig

    def to_dict(self) -> dict[str, Any]:
        return self._spec

    def to_plotly_json(self) -> dict[str, Any]:
        return self._spec

    def __reduce__(self):  # pickles as its specification (go.Figure's own would rebuild an empty figure)
        return FrozenFigure, (self._spec,)


def freeze(fig: go.Figure) -> FrozenFigure:
    """``fig`` serialised once (a :class:`FrozenFigure`)."""
    return fig if isinstance(fig, FrozenFigure) else FrozenFigure(fig)
