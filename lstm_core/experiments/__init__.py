"""Named presets: one per row of the paper's Tables 1-9, plus classroom settings and baselines.

A preset (:class:`~lstm_core.experiments.preset.Preset`) is everything needed to rerun a row: the
network (Table 10), the task and its options, the learning rate and update timing, the
stopping rule (Table 11 + text), the number of trials, the paper's reported numbers and
the deviations from (or guesses about) its protocol. :mod:`lstm_core.experiments.train` runs them.

Example
-------
>>> from lstm_core.experiments import get_preset
>>> p = get_preset("exp4_adding_T100")
>>> p.lr, p.stop.kind, p.paper["mean_sequences"]
(0.5, 'st3', 74000)

The rows are written out in :mod:`lstm_core.experiments.paper`; the small "classroom"
variants (``classroom=True``, ``paper=None``, each solving in about a minute) and the
plain-RNN baselines in :mod:`lstm_core.experiments.classroom`.

Left out: table rows of methods this lab does not implement (ELM, RCC, the sequence
chunker, Smith & Zipser's RTRL runs on an easier Reber variant). They are listed with
their numbers in :data:`PAPER_ONLY_ROWS`, so that a results page can still show them.
"""

from __future__ import annotations

import difflib

from lstm_core.experiments.classroom import BASELINE_PRESETS, CLASSROOM_PRESETS
from lstm_core.experiments.paper import PAPER_ONLY_ROWS, PAPER_PRESETS
from lstm_core.experiments.preset import Preset
from lstm_core.nets import lstm, rnn

__all__ = ["PRESETS", "PAPER_ONLY_ROWS", "EXPERIMENT_TITLES", "FAMILIES", "get_preset", "presets_by_experiment",
           "weight_count", "paper_headline", "preset_names"]

EXPERIMENT_TITLES: dict[str, str] = {
    "1": "Embedded Reber grammar",
    "2a": "Noise-free sequences with long time lags",
    "2b": "No local regularities",
    "2c": "Very long time lags, no local regularities",
    "3a": "Noise and signal on the same channel (2-sequence problem)",
    "3b": "2-sequence problem with noisy informative inputs",
    "3c": "2-sequence problem with noisy targets",
    "4": "Adding problem",
    "5": "Multiplication problem",
    "6a": "Temporal order, two relevant symbols (4 classes)",
    "6b": "Temporal order, three relevant symbols (8 classes)",
}

# experiment families of the paper's Section 5 -> their experiment ids
FAMILIES: dict[str, tuple[str, ...]] = {
    "1": ("1",), "2a": ("2a",), "2b": ("2b",), "2c": ("2c",), "3": ("3a", "3b", "3c"),
    "4": ("4",), "5": ("5",), "6": ("6a", "6b"),
}


def _registry(presets: list[Preset]) -> dict[str, Preset]:
    out: dict[str, Preset] = {}
    for p in presets:
        if p.name in out:
            raise ValueError(f"duplicate preset name {p.name!r}")
        if p.experiment not in EXPERIMENT_TITLES:
            raise ValueError(f"preset {p.name!r}: unknown experiment {p.experiment!r}")
        out[p.name] = p
    return out


# paper rows in table order, then the classroom presets, then the baselines
PRESETS: dict[str, Preset] = _registry([*PAPER_PRESETS, *CLASSROOM_PRESETS, *BASELINE_PRESETS])


def preset_names() -> list[str]:
    """All preset names, paper rows first (in table order)."""
    return list(PRESETS)


def get_preset(name: str) -> Preset:
    """The preset called ``name``; a KeyError naming the closest names if there is none."""
    try:
        return PRESETS[name]
    except KeyError:
        close = difflib.get_close_matches(name, PRESETS, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known presets: {', '.join(PRESETS)}"
        raise KeyError(f"unknown preset {name!r}{hint}") from None


def presets_by_experiment() -> dict[str, list[Preset]]:
    """Presets grouped by experiment id, in the paper's order ("1", "2a", ..., "6b").

    Within an experiment: the paper's rows in table order, then the classroom presets.
    """
    groups: dict[str, list[Preset]] = {e: [] for e in EXPERIMENT_TITLES}
    for p in PRESETS.values():
        groups[p.experiment].append(p)
    return {e: sorted(ps, key=lambda p: p.classroom) for e, ps in groups.items() if ps}  # sort is stable


def weight_count(preset: Preset) -> int:
    """Number of trainable weights of the preset's network (the paper's "# weights")."""
    if isinstance(preset.net, lstm.LSTMConfig):
        return lstm.weight_count(preset.net)
    return rnn.weight_count(preset.net)


def paper_headline(paper: dict | None) -> str:
    """The row's main result in a few words, e.g. ``"100% after 39,740"``; "" for classroom presets."""
    if not paper:
        return ""
    parts = []
    if paper.get("success_pct") is not None:
        parts.append(f"{paper['success_pct']}%")
    if "st1_sequences" in paper:
        parts.append(f"ST1 {paper['st1_sequences']:,} / ST2 {paper['st2_sequences']:,}")
    elif str(paper.get("success_after", "")).startswith(">"):
        parts.append(f"(not within {paper['success_after'][1:]})")
    elif paper.get("success_after"):
        parts.append(f"after {paper['success_after']}")
    if paper.get("wrong"):
        parts.append(f"({paper['wrong']} wrong)")
    elif paper.get("fraction_misclassified") is not None:
        parts.append(f"(misclassified {paper['fraction_misclassified']:g})")
    return " ".join(parts)
