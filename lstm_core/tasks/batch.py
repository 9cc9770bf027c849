"""The data contract of every task: :class:`Batch`, :func:`concat` and encoding helpers.

A :class:`Batch` holds B sequences padded to the longest one (T steps). Sequence b
is real for steps ``0 .. lengths[b]-1`` (0-based; the paper's t = 1..L) and all
zeros after. ``has_target[b, t]`` says whether an error is injected at step t;
``y[b, t]`` is then the target of the outputs computed at step t (from the input
``x[b, t]``; spec §1.3 timing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class _Inputs:
    """The ``x`` field of :class:`Batch`: stored dense, or made from ``symbols`` on first read.

    One-hot tasks keep only their symbol indices (Exp 2c at q = 1000 would need 8 MB of dense
    rows a sequence); the compiled kernels read the indices, and whoever reads ``x`` gets the
    one-hot rows, made once and kept.
    """

    def __get__(self, obj, owner=None):
        if obj is None:
            return None                                   # the field's default
        x = obj.__dict__.get("_x")
        if x is None and obj.symbols is not None:
            x = one_hot(obj.symbols, len(obj.alphabet))
            obj.__dict__["_x"] = x
        return x

    def __set__(self, obj, value) -> None:
        obj.__dict__["_x"] = value


class SymbolRows:
    """The ``strings`` of a symbolic batch not made yet: its symbol index rows, joined when first read.

    Training never reads the strings, and joining them was most of the generator's time: an Exp 2c
    sequence at p = 500, q = 1000 took 55 us to make with its string, 23 us without (one run of
    both, this machine). ``Batch.strings`` joins them (:func:`join_rows`) on first read and keeps
    the tuple.

    Parameters
    ----------
    alphabet : tuple of n str, the symbol of each index
    rows : (B, W) int, the index rows (the whole strings, possibly padded)
    lengths : (B,) int or None, row b's string is its first ``lengths[b]`` symbols (all W if None)
    """

    __slots__ = ("alphabet", "rows", "lengths")

    def __init__(self, alphabet: tuple[str, ...], rows: np.ndarray, lengths: np.ndarray | None = None):
        self.alphabet, self.rows, self.lengths = alphabet, rows, lengths

    def join(self) -> tuple[str, ...]:
        return join_rows(self.alphabet, self.rows, self.lengths)

    def subset(self, idx: np.ndarray) -> SymbolRows:
        """Rows ``idx``, still not joined."""
        return SymbolRows(self.alphabet, self.rows[idx], None if self.lengths is None else self.lengths[idx])


class _Strings:
    """The ``strings`` field of :class:`Batch`: a tuple, or :class:`SymbolRows` joined on first read."""

    def __get__(self, obj, owner=None):
        if obj is None:
            return None                                   # the field's default
        s = obj.__dict__.get("_strings")
        if isinstance(s, SymbolRows):
            s = s.join()
            obj.__dict__["_strings"] = s
        return s

    def __set__(self, obj, value) -> None:
        obj.__dict__["_strings"] = value


@dataclass(frozen=True, eq=False, kw_only=True)
class Batch:
    """B sequences of one task, padded to T = ``lengths.max()`` steps.

    Attributes
    ----------
    x : (B, T, n_in) float64
        Inputs; zero after each sequence's length. One-hot tasks may leave it out (None)
        and give ``symbols`` and ``alphabet``: ``x`` is then made from them when first read.
    y : (B, T, O) float64
        Targets; 0 where there is no target.
    has_target : (B, T) bool
        True where an error is injected at this step.
    lengths : (B,) int64
        Real length L_b of each sequence (number of input steps).
    legal : (B, T, O) bool or None
        Legal next symbols (Exp 1 success test, Exps 2a/2b); None for other tasks.
    y_clean : (B, T, O) float64 or None
        Noise-free targets (Exp 3c only), else None.
    strings : tuple of B str, or None
        Symbolic tasks: the whole symbol string of each sequence (inputs plus the
        final predicted symbol). Symbols are concatenated when every symbol is one
        character (``"BTSXSE"``), otherwise joined by single spaces (``"x a1 a2 x"``).
        A generator may give :class:`SymbolRows` instead: the tuple is made when first read.
    alphabet : tuple of n_in str, or None
        Symbolic tasks: the symbol of each input unit, in order.
    symbols : (B, T) int64 or None
        Symbolic tasks: index of the input symbol at each step (−1 after the length),
        so that an engine may look up weight rows instead of multiplying one-hot inputs.
    """

    x: np.ndarray | None = _Inputs()
    y: np.ndarray
    has_target: np.ndarray
    lengths: np.ndarray
    legal: np.ndarray | None = None
    y_clean: np.ndarray | None = None
    strings: tuple[str, ...] | None = _Strings()
    alphabet: tuple[str, ...] | None = None
    symbols: np.ndarray | None = None

    @property
    def B(self) -> int:  # noqa: N802 - the shape letter of the package docstring
        return int(self.x.shape[0])

    @property
    def T(self) -> int:  # noqa: N802
        return int(self.has_target.shape[1])

    @property
    def n_in(self) -> int:
        return len(self.alphabet) if self.by_symbol else int(self.x.shape[2])

    @property
    def by_symbol(self) -> bool:
        """True when the inputs are kept as symbol indices only (no dense rows made yet)."""
        return self.__dict__.get("_x") is None and self.symbols is not None

    @property
    def dense_x(self) -> np.ndarray | None:
        """The dense inputs if they are stored (or were made), else None (no conversion)."""
        return self.__dict__.get("_x")

    @property
    def n_out(self) -> int:
        return int(self.y.shape[2])

    def _strings_of(self, idx: np.ndarray) -> tuple[str, ...] | SymbolRows | None:
        """The strings of rows ``idx``: still not joined if this batch's are not."""
        s = self.__dict__.get("_strings")
        if isinstance(s, SymbolRows):
            return s.subset(idx)
        return None if s is None else tuple(s[i] for i in idx)

    def subset(self, idx) -> Batch:
        """Rows ``idx`` (array of ints) as a new Batch, trimmed to their own max length."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        lengths = self.lengths[idx]
        T = int(lengths.max()) if len(idx) else 0

        def rows(a):
            return None if a is None else a[idx, :T].copy()

        return Batch(
            x=rows(self.dense_x), y=rows(self.y), has_target=rows(self.has_target), lengths=lengths.copy(),
            legal=rows(self.legal), y_clean=rows(self.y_clean),
            strings=self._strings_of(idx),
            alphabet=self.alphabet, symbols=rows(self.symbols),
        )


def _pad(a: np.ndarray, T: int, fill=0) -> np.ndarray:
    """Pad axis 1 of ``a`` to T steps with ``fill``."""
    if a.shape[1] == T:
        return a
    width = [(0, 0)] * a.ndim
    width[1] = (0, T - a.shape[1])
    return np.pad(a, width, constant_values=fill)


def concat(batches: list[Batch]) -> Batch:
    """Stack batches of one task along B, padding every array to the longest T.

    Raises ValueError if the batches disagree on n_in, n_out, alphabet, or on which
    optional fields (legal, y_clean, strings, symbols) they carry.
    """
    if not batches:
        raise ValueError("concat needs at least one batch")
    first = batches[0]
    for b in batches[1:]:
        if (b.n_in, b.n_out, b.alphabet) != (first.n_in, first.n_out, first.alphabet):
            raise ValueError("concat: batches of different tasks (n_in, n_out or alphabet differ)")
        for name in ("legal", "y_clean", "strings", "symbols"):
            if (getattr(b, name) is None) != (getattr(first, name) is None):
                raise ValueError(f"concat: some batches carry {name!r} and some do not")
    T = max(b.T for b in batches)

    def cat(name, fill=0):
        if getattr(first, name) is None:
            return None
        return np.concatenate([_pad(getattr(b, name), T, fill) for b in batches], axis=0)

    by_symbol = all(b.by_symbol for b in batches)
    return Batch(
        x=None if by_symbol else cat("x"), y=cat("y"), has_target=cat("has_target"),
        lengths=np.concatenate([b.lengths for b in batches]).astype(np.int64),
        legal=cat("legal"), y_clean=cat("y_clean"),
        strings=None if first.strings is None else tuple(s for b in batches for s in b.strings),
        alphabet=first.alphabet, symbols=cat("symbols", fill=-1),
    )


# ---------------------------------------------------------------------------------------------
# helpers shared by the generators


def one_hot(idx: np.ndarray, n: int) -> np.ndarray:
    """One-hot code of an index array, with −1 meaning "no symbol" (all zeros).

    Parameters
    ----------
    idx : (B, T) int (or any shape), −1 for padding
    n : number of symbols

    Returns
    -------
    (B, T, n) float64: the shape of idx, plus n
    """
    out = np.zeros(idx.shape + (n,))
    where = np.nonzero(idx >= 0)
    out[where + (idx[where],)] = 1.0
    return out


def join_symbols(alphabet: tuple[str, ...], idx) -> str:
    """Render a sequence of symbol indices as a string (see :attr:`Batch.strings`)."""
    return join_rows(alphabet, [idx])[0]


def join_rows(alphabet: tuple[str, ...], rows, lengths=None) -> tuple[str, ...]:
    """Strings of many index rows at once; row b is cut to ``lengths[b]`` symbols if given."""
    sep = "" if all(len(s) == 1 for s in alphabet) else " "
    out = []
    for b, row in enumerate(rows):
        codes = (row if lengths is None else row[: lengths[b]]).tolist() if hasattr(row, "tolist") else row
        out.append(sep.join([alphabet[i] for i in codes]))
    return tuple(out)


def split_symbols(alphabet: tuple[str, ...], string: str) -> list[str]:
    """Inverse of :func:`join_symbols`: the list of symbols of a string."""
    return list(string) if all(len(s) == 1 for s in alphabet) else string.split(" ")


def end_target_batch(x: np.ndarray | None, lengths: np.ndarray, target: np.ndarray, **extra) -> Batch:
    """A Batch whose only target is at each sequence's last step.

    Parameters
    ----------
    x : (B, T, n_in) float64, already zero after each length; or None for a one-hot task that
        gives ``symbols`` (B, T) and ``alphabet`` in ``extra``
    lengths : (B,) int
    target : (B, O) float64, the target at step L_b − 1 (0-based)
    extra : optional Batch fields; ``y_clean`` may be given as (B, O) end values
    """
    B, T = (x if x is not None else extra["symbols"]).shape[:2]
    rows = np.arange(B)
    last = lengths - 1
    y = np.zeros((B, T, target.shape[1]))
    y[rows, last] = target
    has_target = np.zeros((B, T), dtype=bool)
    has_target[rows, last] = True
    if extra.get("y_clean") is not None:
        y_clean = np.zeros_like(y)
        y_clean[rows, last] = extra["y_clean"]
        extra["y_clean"] = y_clean
    return Batch(x=x, y=y, has_target=has_target, lengths=lengths.astype(np.int64), **extra)


def uniform_ints(u: np.ndarray, count) -> np.ndarray:
    """Uniform integers in 0..count−1 from uniform floats u in [0, 1) (``floor(u · count)``).

    One ``rng.random`` call followed by this is several times cheaper than
    ``rng.integers`` for the few per-sequence draws of a task (bias below count · 2^-53).
    """
    return (u * count).astype(np.int64)


def step_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """(B, T) bool, True for the real steps of each sequence."""
    return np.arange(T)[None, :] < lengths[:, None]
