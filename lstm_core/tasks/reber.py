"""Experiment 1: the Reber grammar and the embedded Reber grammar (spec §4.1, A5, A7, A29).

The automaton (paper Fig. 3; the standard Cleeremans et al. 1989 table) emits B, then
walks these transitions, each branch with probability ½, and ends with E::

    state 0: T→1 | P→2        state 3: X→2 | S→5
    state 1: S→1 | X→3        state 4: P→3 | V→5
    state 2: T→2 | V→4        state 5: E (end)

The embedded grammar (Fig. 4) wraps one Reber string as ``B O <Reber string> O E`` with
O ∈ {T, P}; both O must match, so predicting the second-to-last symbol needs memory
of the second one.
"""

from __future__ import annotations

import re

import numpy as np

from lstm_core.tasks.batch import Batch, one_hot

REBER_ALPHABET: tuple[str, ...] = ("B", "T", "P", "S", "X", "V", "E")
_INDEX = {s: i for i, s in enumerate(REBER_ALPHABET)}

# state -> ((symbol, next state) for branch 0, for branch 1); state 5 emits E and stops
_TRANSITIONS: dict[int, tuple[tuple[str, int], tuple[str, int]]] = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}


# the legal-successor sets, by their symbols ("": nothing, after the final E); _LEGAL_TABLE[_LEGAL_KIND[s]] is
# the (7,) bool row of set s over the alphabet
_LEGAL_SETS = ["E", "B", "T", "P", *(a + b for (a, _), (b, _) in _TRANSITIONS.values()), ""]
_LEGAL_KIND = {s: i for i, s in enumerate(_LEGAL_SETS)}
_LEGAL_TABLE = np.array([[c in s for c in REBER_ALPHABET] for s in _LEGAL_SETS], dtype=bool)


# state -> the legal successors in it ("TP" in state 0, "E" in the end state 5)
_LEGAL_AFTER = {**{state: a + b for state, ((a, _), (b, _)) in _TRANSITIONS.items()}, 5: "E"}


def _walk_reber(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """One plain Reber string as (symbols, legal successors after each symbol)."""
    symbols, legal, state = ["B"], [_LEGAL_AFTER[0]], 0
    while state != 5:
        symbol, state = _TRANSITIONS[state][int(rng.random() < 0.5)]
        symbols.append(symbol)
        legal.append(_LEGAL_AFTER[state])
    symbols.append("E")
    legal.append("")  # nothing follows the final E
    return symbols, legal


def _walk(rng: np.random.Generator, embedded: bool) -> tuple[list[str], list[str]]:
    if not embedded:
        return _walk_reber(rng)
    o = "TP"[int(rng.random() < 0.5)]
    inner, inner_legal = _walk_reber(rng)
    # after the inner E only the matching O is legal: the long-lag prediction
    return ["B", o, *inner, o, "E"], ["TP", "B", *inner_legal[:-1], o, "E", ""]


TARGETS = ("next", "legal")   # A5: one-hot of the actual next symbol, or multi-hot of all legal successors


def _walks_to_batch(walks: list[tuple[list[str], list[str]]], targets: str = "next") -> Batch:
    """Encode walks: inputs are symbols 1..L−1, targets symbols 2..L, error at every step.

    ``targets="next"``: the target is the one-hot code of the actual next symbol (A5, the
    default); ``"legal"``: 1 for every legal successor, 0 for the others (multi-hot).
    """
    if targets not in TARGETS:
        raise ValueError(f"targets must be one of {TARGETS}, not {targets!r}")
    n = len(walks)
    lengths = np.array([len(s) - 1 for s, _ in walks], dtype=np.int64)
    T = int(lengths.max())
    codes = np.array([_INDEX[c] for s, _ in walks for c in s], dtype=np.int64)       # every string, end to end
    kinds = np.array([_LEGAL_KIND[c] for _, ls in walks for c in ls], dtype=np.int64)  # its legal-successor sets
    b = np.repeat(np.arange(n), lengths)                                               # string and step of
    t = np.arange(len(b)) - np.repeat(np.cumsum(lengths) - lengths, lengths)           # every real step,
    at = b + np.arange(len(b))                                                         # and where it is in codes
    sym = np.full((n, T), -1, dtype=np.int64)  # input symbol index per step
    nxt = np.full((n, T), -1, dtype=np.int64)  # target (actual next symbol) index per step
    legal = np.zeros((n, T, len(REBER_ALPHABET)), dtype=bool)
    sym[b, t], nxt[b, t], legal[b, t] = codes[at], codes[at + 1], _LEGAL_TABLE[kinds[at]]
    y = one_hot(nxt, len(REBER_ALPHABET)) if targets == "next" else legal.astype(float)   # A5
    return Batch(
        y=y,                                                          # inputs by symbol (x made on demand)
        has_target=sym >= 0, lengths=lengths, legal=legal,
        strings=tuple("".join(w) for w, _ in walks),
        alphabet=REBER_ALPHABET, symbols=sym,
    )


def reber(rng: np.random.Generator, n: int, targets: str = "next") -> Batch:
    """Plain Reber strings; predict the next symbol at every step.

    Example
    -------
    The string ``BTXSE`` (L = 5) gives 4 steps. Inputs are one-hot B, T, X, S over the
    alphabet (B, T, P, S, X, V, E); targets are one-hot T, X, S, E; the legal successor
    sets are {T, P}, {S, X}, {X, S}, {E}.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of strings B
    targets : "next" (one-hot of the actual next symbol, A5) or "legal" (1 for every legal
        successor: multi-hot, e.g. T and P after B)

    Returns
    -------
    Batch with x, y, legal of shape (B, T, 7), has_target True on all L−1 real steps.
    """
    return _walks_to_batch([_walk(rng, embedded=False) for _ in range(n)], targets)


def embedded_reber(rng: np.random.Generator, n: int, targets: str = "next") -> Batch:
    """Embedded Reber strings (Exp 1); predict the next symbol at every step.

    Example
    -------
    The shortest string ``BTBTXSETE`` (L = 9) gives 8 steps. Inputs are one-hot
    B, T, B, T, X, S, E, T; targets are one-hot T, B, T, X, S, E, T, E. Legal successor
    sets: {T, P}, {B}, {T, P}, {S, X}, {X, S}, {E}, {T}, {E}. The 7th set is {T} because
    the second symbol was T: the time lag the net must bridge.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : number of strings B
    targets : "next" (one-hot of the actual next symbol, A5) or "legal" (1 for every legal
        successor: multi-hot, e.g. T and P after B)

    Returns
    -------
    Batch with x, y, legal of shape (B, T, 7), has_target True on all L−1 real steps.
    """
    return _walks_to_batch([_walk(rng, embedded=True) for _ in range(n)], targets)


def reber_sets(
    rng: np.random.Generator, n_train: int = 256, n_test: int = 256, embedded: bool = True,
    targets: str = "next",
) -> tuple[Batch, Batch]:
    """A training set and a test set of (embedded) Reber strings, Fahlman-style (A7).

    Example
    -------
    ``train, test = reber_sets(np.random.default_rng(0))`` gives 256 random training
    strings (duplicates allowed, e.g. ``BTBPVVETE`` may occur twice) and 256 distinct
    test strings none of which occurs in the training set.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_train, n_test : sizes of the two sets
    embedded : embedded grammar (Exp 1) or plain Reber strings
    targets : "next" (one-hot of the actual next symbol) or "legal" (multi-hot of all legal successors), A5

    Returns
    -------
    (train, test) : two Batches as returned by :func:`embedded_reber` / :func:`reber`.
    """
    train = [_walk(rng, embedded) for _ in range(n_train)]
    seen = {"".join(s) for s, _ in train}
    test: list[tuple[list[str], list[str]]] = []
    for _ in range(1000 * max(n_test, 1)):  # rejection sampling, bounded
        if len(test) == n_test:
            break
        walk = _walk(rng, embedded)
        key = "".join(walk[0])
        if key not in seen:  # not in the training set, not already in the test set
            seen.add(key)
            test.append(walk)
    else:
        raise RuntimeError("reber_sets: could not find enough distinct test strings")
    return _walks_to_batch(train, targets), _walks_to_batch(test, targets)


# An independent check of the grammar: a regular expression derived by hand from the
# transition table (R2 = the strings leading from state 2 to the end), not from the walker.
_R2 = "(?:T*VPX)*T*V(?:V|PS)"
_REBER_RE = f"B(?:TS*X(?:S|X{_R2})|P{_R2})E"
_PLAIN = re.compile(f"^{_REBER_RE}$")
_EMBEDDED = re.compile(f"^B([TP]){_REBER_RE}\\1E$")


def reber_accepts(string: str, embedded: bool = True) -> bool:
    """True if ``string`` (e.g. ``"BTBTXSETE"``) belongs to the (embedded) Reber grammar."""
    return bool((_EMBEDDED if embedded else _PLAIN).match(string))
