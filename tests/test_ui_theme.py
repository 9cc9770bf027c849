"""Colours (ui/theme.py): one per concept, readable in both themes, safe for colour-blind readers."""

import re

import plotly.graph_objects as go

from ui.theme import BACKGROUNDS, COLORS, plotly_layout

REQUIRED = {"rnn_theory", "rnn_measured", "cec", "lstm_truncated", "lstm_full", "input_gate",
            "output_gate", "forget_gate", "cell_state", "cell_output", "target", "output", "paper",
            "ours"}
OKABE_ITO_HUES = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour '#rrggbb'."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_concept_of_the_lab_has_a_colour():
    assert REQUIRED <= COLORS.keys()
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in COLORS.values())


def test_every_colour_has_3_to_1_contrast_on_light_and_dark_backgrounds():
    for name, colour in COLORS.items():
        for theme, background in BACKGROUNDS.items():
            assert _contrast(colour, background) >= 3.0, (name, theme)


def test_things_drawn_together_get_different_colours():
    groups = [
        ["rnn_theory", "rnn_measured", "cec", "lstm_truncated", "lstm_full"],  # error-flow figure
        ["input_gate", "output_gate", "forget_gate", "cell_state", "cell_output"],  # memory-cell figure
        ["target", "output"],
        ["paper", "ours"],
    ]
    for group in groups:
        assert len({COLORS[k] for k in group}) == len(group), group


def test_colours_keep_the_okabe_ito_hues():
    import colorsys

    def hue(c: str) -> float:
        return colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0]

    for colour in set(COLORS.values()) - {"#888888"}:
        assert min(abs(hue(colour) - hue(ref)) for ref in OKABE_ITO_HUES) < 0.01, colour


def test_plotly_layout_is_transparent_and_merges_overrides():
    layout = plotly_layout(title="x", margin={"t": 60})
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "rgba(0,0,0,0)"
    assert layout["margin"] == {"l": 10, "r": 10, "t": 60, "b": 10}
    assert plotly_layout()["margin"]["t"] == 40  # the override did not leak into the default
    go.Figure(layout=layout)  # plotly accepts every key
