"""The Experiments page's settings: which knobs a preset has, and the preset they derive.

Pure part (no Streamlit): :func:`knobs` lists the settings that make sense for a preset
(learning rate, the task's lag or length, blocks, block size, fixed gate biases, a plain RNN's
hidden-unit range, seed, trials), each with its default taken from the preset and its allowed range;
:func:`derive` turns chosen values into a new preset with ``dataclasses.replace`` and
labels it "modified from <preset>". What follows from the paper — the layer sizes a task
needs, the plain-RNN competitor of each setting — is asked of :mod:`lstm_core.experiments`
(:func:`~lstm_core.experiments.sizing.sized_net`, :func:`~lstm_core.experiments.baselines.baseline_for`).

Streamlit part: :func:`render_settings` draws the knobs as URL-bound widgets
(:mod:`ui.params`), so a copied link reproduces the exact setting, seed included. The widgets
are keyed by the preset (``url:lr@<preset>``): choosing another preset draws fresh widgets with
its defaults instead of keeping the old preset's values in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from lstm_core.experiments.preset import Preset
from lstm_core.experiments.sizing import sized_net
from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig

# URL keys of the settings that depend on the chosen preset (cleared when the preset changes)
PRESET_KEYS = ("lr", "T", "p", "q", "length", "blocks", "size", "ig", "og", "hidden", "trials", "ckpt", "cell",
               "frame", "loop")
SEED_MAX = 1_000_000
MAX_TRIALS = 30
# a plain RNN's hidden units: the paper calls them "logistic"; σ in [0, 1] is how the presets read it, the
# paper's own centred 2σ − 1 (its h) the other reading (docs/reproduce.md: it turns Exp 2a's trend with α round)
HIDDEN_UNITS = {"logistic": "σ in [0, 1]", "h_pm1": "2σ − 1 in [−1, 1] (centred)"}


class SettingError(ValueError):
    """Chosen values that do not make a valid network or task (shown to the user)."""


@dataclass(frozen=True)
class Knob:
    """One adjustable setting: its URL key, label, default (from the preset) and range (or its ``choices``)."""

    key: str
    label: str
    default: int | float | str
    lo: int | float = 0
    hi: int | float = 0
    step: int | float = 0
    help: str = ""
    widget: str = "slider"  # "slider", "number", or "select" (one of ``choices``, shown as their labels)
    choices: Mapping[str, str] | None = None  # value -> label, for widget "select"


def _first(biases: tuple[float, ...] | None) -> float | None:
    return None if biases is None else float(biases[0])


def knobs(preset: Preset) -> list[Knob]:
    """The settings that apply to ``preset``, defaults taken from it (ranges as in the page brief)."""
    out = [Knob("lr", "Learning rate α", float(preset.lr), 0.001, 10.0, 0.001,
                "Step size of every weight change.", widget="number")]
    opts = preset.task_options
    if "T" in opts:
        out.append(Knob("T", "Sequence length T", int(opts["T"]), 10, 1000, 1,
                        "Each sequence has between T and T + T/10 steps; the lag grows with T."))
    if "length" in opts:
        out.append(Knob("length", "Shortest sequence length", int(opts["length"]), 20, 1000, 1,
                        "Sequences have between this and 10 % more steps; the positions of X and Y scale "
                        "with it (the paper: 100)."))
    if "p" in opts:
        what = "distractor alphabet size p" if preset.task == "lag_2c" else "delay p"
        out.append(Knob("p", what.capitalize(), int(opts["p"]), 2, 1000, 1,
                        "Changes the number of input and output units with it."))
    if "q" in opts:
        out.append(Knob("q", "Minimal lag q", int(opts["q"]), 1, 1000, 1,
                        "At least q distractors between the symbol to remember and the trigger."))
    net = preset.net
    if isinstance(net, LSTMConfig):
        out.append(Knob("blocks", "Memory-cell blocks", net.blocks, 1, 8, 1))
        out.append(Knob("size", "Cells per block", net.block_size, 1, 4, 1))
        if net.in_gate_bias is not None:
            out.append(Knob("ig", "Input-gate bias of block 1", _first(net.in_gate_bias), -10.0, 0.0, 0.5,
                            "The other blocks keep the preset's spacing (e.g. −1, −3, −5)."))
        if net.out_gate_bias is not None and net.output_gate:
            out.append(Knob("og", "Output-gate bias of block 1", _first(net.out_gate_bias), -10.0, 0.0, 0.5,
                            "The other blocks keep the preset's spacing."))
    elif isinstance(net, RNNConfig) and net.hidden_act in HIDDEN_UNITS:
        out.append(Knob("hidden", "Hidden units", net.hidden_act,
                        help="The paper calls its competitors' units logistic. Read as σ in [0, 1] (the presets), "
                             "success in Exp 2a rises with α; read as the paper's centred 2σ − 1 it falls, as in "
                             "the paper (docs/reproduce.md).", widget="select", choices=HIDDEN_UNITS))
    out.append(Knob("seed", "Seed", 0, 0, SEED_MAX, 1, "One seed reproduces the whole run.", widget="number"))
    out.append(Knob("trials", "Trials", min(preset.trials, MAX_TRIALS), 1, MAX_TRIALS, 1,
                    "Independent networks trained side by side (the paper: 10 to 30)."))
    return out


def defaults(preset: Preset) -> dict[str, Any]:
    """Each knob's default value."""
    return {k.key: k.default for k in knobs(preset)}


def _shifted(biases: tuple[float, ...], first: float, blocks: int) -> tuple[float, ...]:
    """The preset's bias pattern moved to start at ``first``, extended to ``blocks`` by its last spacing."""
    values = [first + (b - biases[0]) for b in biases]
    step = biases[-1] - biases[-2] if len(biases) > 1 else -1.0
    while len(values) < blocks:
        values.append(values[-1] + step)
    return tuple(values)


def _shown(knob: Knob, value: Any) -> str:
    return knob.choices.get(value, str(value)) if knob.choices else f"{value:g}"


def _changes(base: Preset, values: Mapping[str, Any]) -> list[str]:
    return [f"{k.label.lower() if k.choices else k.key} {_shown(k, k.default)} → {_shown(k, values[k.key])}"
            for k in knobs(base)
            if k.key not in ("seed", "trials") and k.key in values and values[k.key] != k.default]


def is_modified(base: Preset, values: Mapping[str, Any]) -> bool:
    """True if any knob other than seed and trials differs from the preset."""
    return bool(_changes(base, values))


def derive(base: Preset, values: Mapping[str, Any]) -> Preset:
    """The preset ``base`` with ``values`` applied (``dataclasses.replace``), or ``base`` if unchanged.

    Raises
    ------
    SettingError
        If the values do not give a valid network or task.
    """
    changes = _changes(base, values)
    if not changes:
        return base
    v = {**defaults(base), **values}
    opts = dict(base.task_options)
    for key in ("T", "p", "q", "length"):
        if key in opts:
            opts[key] = int(v[key])
    try:
        net = base.net
        if isinstance(net, LSTMConfig):
            blocks = int(v["blocks"])
            fields: dict[str, Any] = {"blocks": blocks, "block_size": int(v["size"])}
            for name, key in (("in_gate_bias", "ig"), ("out_gate_bias", "og"), ("forget_gate_bias", None)):
                biases = getattr(net, name)
                if biases is not None:
                    first = float(v[key]) if key in v else biases[0]
                    fields[name] = _shifted(biases, first, blocks)
            net = replace(net, **fields)
        elif isinstance(net, RNNConfig) and "hidden" in v:
            net = replace(net, hidden_act=str(v["hidden"]))
        net = sized_net(net, base.task, opts)
        note = f"Modified from {base.name}: " + ", ".join(changes) + "."
        return replace(base, name=f"{base.name}-modified", title=f"{base.title} (modified)", net=net,
                       task_options=opts, lr=float(v["lr"]), paper=None,
                       deviations=(note, *base.deviations))
    except (ValueError, TypeError) as exc:
        raise SettingError(f"These settings do not make a valid network: {exc}") from exc


def baseline_hidden_units(baseline: Preset) -> str | None:
    """The hidden-unit reading of the plain-RNN ``baseline`` (a key of :data:`HIDDEN_UNITS`), or None if its
    units are neither reading (then it has no choice)."""
    net = baseline.net
    return net.hidden_act if isinstance(net, RNNConfig) and net.hidden_act in HIDDEN_UNITS else None


def with_hidden_units(baseline: Preset, hidden: str) -> Preset:
    """The plain-RNN ``baseline`` with hidden units ``hidden`` (a key of :data:`HIDDEN_UNITS`); ``baseline`` itself
    if they are its own. The title says the reading, so the curves, the animation and the RNN-vs-CEC figure
    name the net they show."""
    if hidden not in HIDDEN_UNITS:
        raise SettingError(f"Unknown hidden units {hidden!r}: one of {', '.join(HIDDEN_UNITS)}.")
    if baseline_hidden_units(baseline) in (None, hidden):
        return baseline
    short = "centred units" if hidden == "h_pm1" else "units in [0, 1]"
    return replace(baseline, name=f"{baseline.name}-{hidden}", net=replace(baseline.net, hidden_act=hidden),
                   title=f"{baseline.title}, {short}")


# ----------------------------------------------------------------------------- Streamlit part


def render_settings(preset: Preset) -> tuple[dict[str, Any], Preset | None, str | None]:
    """Draw the knobs of ``preset`` (URL-bound); return (values, derived preset or None, error)."""
    from ui.params import url_number_input, url_selectbox, url_slider

    values: dict[str, Any] = {}
    for k in knobs(preset):
        if k.widget == "select":
            values[k.key] = url_selectbox(k.label, k.key, str(k.default), list(k.choices), scope=preset.name,
                                          format_func=k.choices.get, help=k.help or None)
            continue
        widget = url_number_input if k.widget == "number" else url_slider
        extra = {"format": "%.3f"} if isinstance(k.default, float) and k.widget == "number" else {}
        values[k.key] = widget(k.label, k.key, k.default, k.lo, k.hi, step=k.step, help=k.help or None,
                               scope=preset.name, **extra)
    try:
        return values, derive(preset, values), None
    except SettingError as exc:
        return values, None, str(exc)
