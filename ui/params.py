"""Settings bound to the URL: every page reads its settings from ``st.query_params``.

One concern at ~360 lines: the only writer of the URL and of URL-bound widget state (the
checkers, readers, widgets and notices share the one store, so they stay together).

A link therefore reproduces what a student sees (seed included), as in the
TensorFlow playground. Anything in a URL is hostile until checked:

* the ``check_*`` functions are pure (no Streamlit): they parse one raw query
  value with a strict ASCII grammar, check its range, and return
  ``(value, notice)``: the parsed value and None, the default and None when the
  parameter is absent, or the default and a readable notice when it is bad;
* ``url_*`` read and check a query parameter and keep its notice (in
  ``st.session_state``) until ``show_url_notices()`` shows it;
* ``url_slider`` and friends are widgets whose first value comes from the URL
  and whose changes are written back to it;
* :func:`set_url` and :func:`clear_url` change settings from code (a button, a
  picker that resets the settings of the old choice, a student question's link);
* ``show_url_notices()`` shows one message listing every corrected parameter.

One store: the URL. This module is the only code that writes ``st.query_params``
or the session state of a URL-bound widget (a test checks it). A widget's value is
written to the URL by its ``on_change``; a change from code goes to the URL and marks
the key, and the widget bound to it takes the URL's value the next time it is drawn
(:func:`_from_url`) — so a widget never shows what the link does not say.

Why not Streamlit's own ``bind="query-params"`` (checked on Streamlit 1.67): it seeds a
widget from the URL with Streamlit's parser before any check of ours can run, and a
first load's URL value wins over a session-state assignment, so a value our grammar
rejects but ``float()`` accepts (``1_000``, ``١٢``) would be used while the notice said it
was reset, and ``?present=1`` (only ``true``/``false`` parse) would be dropped silently;
it makes the widget's key the URL key, so a setting whose default depends on the chosen
preset could not get a fresh widget per preset (:func:`widget_key`); and the URL of a
bound widget is written by the browser, which AppTest has not, so no AppTest could
check what a link holds.

Nothing from the URL is ever evaluated, executed or unpickled: values are
matched against regular expressions and converted with ``int``/``float`` only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

MAX_RAW_LEN = 64  # longest raw number we look at; longer is rejected before parsing
_SHOW_LEN = 24  # a bad value is quoted in the notice up to this many characters
_INT_RE = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_NOTICES_KEY = "_ui_params_notices"
_CHANGED_KEY = "_ui_params_changed"  # URL keys changed from code since their widget was last drawn
_SPACE = " \t\r\n"  # stripped around numbers; Unicode spaces are not

Checked = tuple[Any, "str | None"]


# ----------------------------------------------------------------------------- pure checks


def _shown(raw: str) -> str:
    """The raw value as quoted in a notice: printable, short."""
    text = "".join(ch if ch.isprintable() else "?" for ch in raw[:_SHOW_LEN])
    return repr(text + ("…" if len(raw) > _SHOW_LEN else ""))


def _bad(key: str, raw: str, why: str, default: Any) -> Checked:
    return default, f"{key} = {_shown(raw)} {why}; using the default {default!r}."


def _require(ok: bool, what: str) -> None:
    if not ok:  # a programming error in a page, not bad user input
        raise ValueError(what)


def check_int(key: str, raw: str | None, default: int, lo: int, hi: int) -> Checked:
    """Parse an integer in [lo, hi] from a raw query value (None = absent)."""
    _require(lo <= default <= hi, f"default {default} of {key!r} outside [{lo}, {hi}]")
    if raw is None:
        return default, None
    text = raw.strip(_SPACE)
    if not _INT_RE.fullmatch(text):
        return _bad(key, raw, "is not a whole number", default)
    value = int(text)
    if not lo <= value <= hi:
        return _bad(key, raw, f"is outside [{lo}, {hi}]", default)
    return value, None


def check_float(key: str, raw: str | None, default: float, lo: float, hi: float) -> Checked:
    """Parse a finite float in [lo, hi] from a raw query value (None = absent)."""
    _require(lo <= default <= hi, f"default {default} of {key!r} outside [{lo}, {hi}]")
    if raw is None:
        return float(default), None
    text = raw.strip(_SPACE)
    if len(text) > MAX_RAW_LEN or not _FLOAT_RE.fullmatch(text):
        return _bad(key, raw, "is not a number", float(default))
    value = float(text)  # the grammar above excludes nan, inf and other spellings
    if not math.isfinite(value) or not lo <= value <= hi:
        return _bad(key, raw, f"is outside [{lo:g}, {hi:g}]", float(default))
    return value, None


def check_choice(key: str, raw: str | None, default: str, choices: Sequence[str]) -> Checked:
    """Accept only one of ``choices`` (exact string match)."""
    _require(default in choices, f"default {default!r} of {key!r} not among the choices")
    if raw is None:
        return default, None
    if raw not in choices:
        listed = ", ".join(map(str, choices[:8])) + (", …" if len(choices) > 8 else "")
        return _bad(key, raw, f"is not one of: {listed}", default)
    return raw, None


def check_bool(key: str, raw: str | None, default: bool) -> Checked:
    """Accept 1/0, true/false, yes/no, on/off (any case)."""
    if raw is None:
        return bool(default), None
    text = raw.strip(_SPACE).lower()
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return _bad(key, raw, "is not true/false", bool(default))


def check_str(key: str, raw: str | None, default: str, max_len: int, pattern: str | None = None) -> Checked:
    """Accept a string of at most ``max_len`` printable characters matching ``pattern`` (fullmatch)."""
    _require(len(default) <= max_len, f"default of {key!r} longer than {max_len}")
    _require(pattern is None or re.fullmatch(pattern, default) is not None,
             f"default of {key!r} does not match its pattern")
    if raw is None:
        return default, None
    if len(raw) > max_len:
        return _bad(key, raw, f"is longer than {max_len} characters", default)
    if not raw.isprintable() or (pattern is not None and re.fullmatch(pattern, raw) is None):
        return _bad(key, raw, "is not an accepted text", default)
    return raw, None


_SPAN_RE = re.compile(r"([0-9]{1,9})-([0-9]{1,9})", re.ASCII)


def check_span(key: str, raw: str | None, default: tuple[int, int], lo: int, hi: int) -> Checked:
    """Parse a range of whole numbers ``"a-b"`` with lo ≤ a ≤ b ≤ hi (e.g. the steps Play runs)."""
    _require(lo <= default[0] <= default[1] <= hi, f"default {default} of {key!r} not a range in [{lo}, {hi}]")
    default = tuple(default)
    if raw is None:
        return default, None
    match = _SPAN_RE.fullmatch(raw.strip(_SPACE))
    a, b = (int(match.group(1)), int(match.group(2))) if match else (0, -1)
    if match is None or not lo <= a <= b <= hi:
        why = "is not a range like 3-12" if match is None else f"is not a range within {lo}-{hi}"
        return default, f"{key} = {_shown(raw)} {why}; using the default {to_url(default)}."
    return (a, b), None


def to_url(value: Any) -> str:
    """How a checked value is written back to the URL (parsed again by the checks above)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest string that round-trips
    if isinstance(value, tuple):
        return "-".join(map(str, value))  # a range, as check_span reads it
    return str(value)


# ----------------------------------------------------------------------------- st.* wrappers


def _read(key: str, check: Callable[..., Checked], *args: Any) -> Any:
    raw = st.query_params.get(key)  # the last value if the key is repeated; None if absent
    value, notice = check(key, raw, *args)
    if notice is not None:
        st.session_state.setdefault(_NOTICES_KEY, {})[key] = notice
    return value


def url_int(key: str, default: int, lo: int, hi: int) -> int:
    """The integer query parameter ``key`` in [lo, hi], or ``default`` (with a notice)."""
    return _read(key, check_int, default, lo, hi)


def url_float(key: str, default: float, lo: float, hi: float) -> float:
    """The finite float query parameter ``key`` in [lo, hi], or ``default`` (with a notice)."""
    return _read(key, check_float, default, lo, hi)


def url_choice(key: str, default: str, choices: Sequence[str]) -> str:
    """The query parameter ``key`` if it is one of ``choices``, else ``default`` (with a notice)."""
    return _read(key, check_choice, default, list(choices))


def url_bool(key: str, default: bool) -> bool:
    """The boolean query parameter ``key``, or ``default`` (with a notice)."""
    return _read(key, check_bool, default)


def url_str(key: str, default: str, max_len: int = 64, pattern: str | None = None) -> str:
    """The text query parameter ``key`` if short, printable and matching ``pattern``."""
    return _read(key, check_str, default, max_len, pattern)


def url_span(key: str, default: tuple[int, int], lo: int, hi: int) -> tuple[int, int]:
    """The range query parameter ``key`` (``"a-b"``, lo ≤ a ≤ b ≤ hi), or ``default`` (with a notice)."""
    return _read(key, check_span, default, lo, hi)


def widget_key(key: str, scope: str = "") -> str:
    """The session-state key of the widget bound to URL key ``key``.

    ``scope`` names what the widget's default and range belong to (e.g. the chosen preset).
    Streamlit identifies a keyed widget by its key alone and the browser keeps a widget's
    last value for as long as the widget stays on the page, whatever its new default or
    options: a widget whose meaning changes with another choice needs a key that changes
    with that choice, so the browser draws a fresh widget with the new default.
    """
    return f"url:{key}@{scope}" if scope else f"url:{key}"


def url_raw(key: str) -> str | None:
    """The raw, unchecked text of query parameter ``key`` (the last one if repeated); None if absent."""
    return st.query_params.get(key)


def set_url(key: str, value: Any) -> None:
    """Set URL setting ``key`` from code; the widget bound to it shows the new value when next drawn."""
    st.query_params[key] = to_url(value)
    st.session_state.setdefault(_CHANGED_KEY, set()).add(key)


def clear_url(*keys: str) -> None:
    """Drop URL settings ``keys`` (back to their defaults), and so the values of the widgets bound to them."""
    for key in keys:
        st.query_params.pop(key, None)
    st.session_state.setdefault(_CHANGED_KEY, set()).update(keys)


def _from_url(key: str, wkey: str, value: Any) -> None:
    """Before drawing widget ``wkey``: if code changed URL key ``key``, give the widget the URL's ``value``.

    Writing the widget's session state (not only its default) is what makes the browser show it:
    a browser keeps a widget's value whatever its new default.
    """
    changed = st.session_state.get(_CHANGED_KEY)
    if changed and key in changed:
        st.session_state[wkey] = value
        changed.discard(key)


def _write_back(key: str, wkey: str, resets: tuple[str, ...] = ()) -> None:
    """on_change callback: copy the widget's new value into the URL; drop the settings in ``resets``."""
    value = st.session_state.get(wkey)
    if value is not None:
        st.query_params[key] = to_url(value)
    clear_url(*resets)


def _numeric(key: str, default: float, lo: float, hi: float) -> tuple[Any, Any, Any]:
    """(value, lo, hi) all int if default, lo and hi are ints, else all float."""
    if all(isinstance(x, int) and not isinstance(x, bool) for x in (default, lo, hi)):
        return url_int(key, default, lo, hi), lo, hi
    return url_float(key, default, lo, hi), float(lo), float(hi)


def url_slider(label: str, key: str, default: float, lo: float, hi: float,
               step: float | None = None, scope: str = "", **kwargs: Any) -> Any:
    """A slider bound to query parameter ``key`` (int if default, lo, hi are ints, else float)."""
    value, lo, hi = _numeric(key, default, lo, hi)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.slider(label, min_value=lo, max_value=hi, value=value, step=step,
                     key=wkey, on_change=_write_back, args=(key, wkey), **kwargs)


def url_number_input(label: str, key: str, default: float, lo: float, hi: float,
                     step: float | None = None, scope: str = "", **kwargs: Any) -> Any:
    """A number input bound to query parameter ``key`` (int or float like ``url_slider``)."""
    value, lo, hi = _numeric(key, default, lo, hi)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.number_input(label, min_value=lo, max_value=hi, value=value, step=step,
                           key=wkey, on_change=_write_back, args=(key, wkey), **kwargs)


def url_selectbox(label: str, key: str, default: str, choices: Sequence[str], scope: str = "",
                  resets: Sequence[str] = (), **kwargs: Any) -> str:
    """A selectbox over string ``choices`` bound to query parameter ``key``.

    ``resets``: URL keys of settings that belong to the current choice, dropped when it changes
    (their widgets are keyed by the choice, see :func:`widget_key`, so they are drawn afresh).
    """
    options = list(choices)
    value = url_choice(key, default, options)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.selectbox(label, options, index=options.index(value),
                        key=wkey, on_change=_write_back, args=(key, wkey, tuple(resets)), **kwargs)


def url_select_slider(label: str, key: str, default: str, choices: Sequence[str], scope: str = "",
                      **kwargs: Any) -> str:
    """A select slider over string ``choices`` bound to query parameter ``key``."""
    options = list(choices)
    value = url_choice(key, default, options)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.select_slider(label, options, value=value, key=wkey, on_change=_write_back, args=(key, wkey),
                            **kwargs)


def url_span_slider(label: str, key: str, labels: Sequence[str], scope: str = "", **kwargs: Any) -> tuple[int, int]:
    """A range slider over the positions 1 … len(``labels``) (shown as the labels), bound to the range
    query parameter ``key`` (``"a-b"``, see :func:`check_span`); the whole range by default."""
    n = len(labels)
    value = url_span(key, (1, n), 1, n)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.select_slider(label, list(range(1, n + 1)), value=value, key=wkey, on_change=_write_back,
                            args=(key, wkey), format_func=lambda k: labels[k - 1], **kwargs)


def url_text_input(label: str, key: str, default: str, max_len: int = 64, pattern: str | None = None,
                   scope: str = "", **kwargs: Any) -> str:
    """A text input bound to the text query parameter ``key`` (checked as :func:`url_str` checks it)."""
    value = url_str(key, default, max_len, pattern)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.text_input(label, value=value, key=wkey, on_change=_write_back, args=(key, wkey), **kwargs)


def url_toggle(label: str, key: str, default: bool, scope: str = "", **kwargs: Any) -> bool:
    """A toggle bound to the boolean query parameter ``key``."""
    value = url_bool(key, default)
    wkey = widget_key(key, scope)
    _from_url(key, wkey, value)
    return st.toggle(label, value=value, key=wkey, on_change=_write_back, args=(key, wkey), **kwargs)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def _md_escape(text: str) -> str:
    """Make user-supplied text inert in Markdown (no links, images, HTML or LaTeX)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def show_url_notices(container: Any = None) -> None:
    """One warning listing every URL parameter that was read in this run and reset.

    Call it once per page run, after the page has read its settings (it then
    forgets the notices; the next run reads the URL again); pass ``st.empty()``
    created at the top of the page as ``container`` to show the message there.
    """
    notices = st.session_state.pop(_NOTICES_KEY, None)
    if not notices:
        return
    lines = "\n".join(f"- {_md_escape(text)}" for text in notices.values())
    (container or st).warning(f"Some settings in the link were not usable and were reset:\n\n{lines}",
                              icon="⚠️")
