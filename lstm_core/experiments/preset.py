"""What a named experiment setting is: model, task, learning rule, stopping rule, the paper's numbers.

:mod:`lstm_core.experiments` holds the registry of named presets (one per row of the
paper's Tables 1-9 plus classroom presets); :mod:`lstm_core.experiments.train` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstm_core.nets import NETS
from lstm_core.nets.lstm import LSTMConfig
from lstm_core.nets.rnn import RNNConfig

MODELS = tuple(NETS)
STOP_KINDS = ("reber", "abs", "st12", "st3", "nseq", "none")


@dataclass(frozen=True)
class StopRule:
    """The paper's stopping / success rule of an experiment (spec §4, Table 11, A6, A9, A14, A17).

    kind
        ``"reber"`` (Exp 1): every ``eval_every`` sequences, every symbol of the training and
        test sets is predicted (the k legal successors are the k most active outputs).
        ``"abs"`` (Exp 2): ABS(beta) — max |error| of all outputs at every target step
        (``abs_at_end_only``: only at the sequence end) below ``beta`` for ``window`` successive
        training sequences; then confirmed on ``test_size`` fresh sequences with frozen weights.
        With ``abs_frozen`` (A9's "after training"): no running streak; every ``eval_every``
        sequences the weights are frozen and the trial succeeds when ``st_test_size`` fresh
        sequences all meet ABS(beta); "success after" is that sequence count.
        ``"st12"`` (Exp 3): every ``eval_every`` sequences, on a fixed test set of ``st_test_size``
        (A14; with ``st_test_fresh`` a fresh one at every check, the other reading of the paper's
        "randomly chosen test set"): ST1 = at most ``st1_max_wrong`` misclassified, ST2 = ST1 and
        mean |error| < ``st2_mae``. Success = ST2.
        ``"st3"`` (Exp 4, 6): ST3(beta) — mean |error| of the last ``window`` training sequences
        < ``beta`` and all of them correct (|error| < ``tolerance``).
        ``"nseq"`` (Exp 5): fewer than ``n_seq`` of the last ``window`` have |error| > ``tolerance``.
        ``"none"``: train for ``max_sequences`` (baselines that never succeed).
    """

    kind: str
    beta: float = 0.0                 # ABS(β), ST3(β)
    tolerance: float = 0.0            # |error| < tolerance counts a sequence as correct
    window: int = 2000                # successive / most recent training sequences
    n_seq: int = 0                    # Exp 5
    eval_every: int = 100             # sequences between test-set evaluations (A6)
    st_test_size: int = 256           # Exp 3 stopping test set (A14)
    st1_max_wrong: int = 0            # Exp 3a: 0, Exp 3b: 5 ("fewer than 6")
    st2_mae: float = 0.01             # Exp 3a 0.01, 3b 0.04, 3c 0.015
    st_test_fresh: bool = False       # Exp 3: a fresh stopping test set at every check, not one fixed set (A14)
    abs_at_end_only: bool = False     # Exp 2b, 2c: only the final prediction matters
    abs_frozen: bool = False          # ABS judged on frozen weights every eval_every sequences (A9)
    use_clean_target: bool = False    # Exp 3c: judge against the noise-free target
    test_size: int = 2560             # post-training test set (Exp 2: 10,000)
    max_sequences: int = 5_000_000    # the paper's cap

    def __post_init__(self) -> None:
        if self.kind not in STOP_KINDS:
            raise ValueError(f"unknown stop rule {self.kind!r}; choose from {STOP_KINDS}")
        if self.abs_frozen and (self.kind != "abs" or self.eval_every < 1 or self.st_test_size < 1):
            raise ValueError("abs_frozen needs kind 'abs', eval_every >= 1 and st_test_size >= 1")
        if self.st_test_fresh and self.kind != "st12":
            raise ValueError("st_test_fresh is an option of the Exp 3 rule (kind 'st12')")


CONSTRUCTION_INITS = ("drawn", "zero")


@dataclass(frozen=True)
class Construction:
    """Sequential construction (Exps 2a/2b, spec A8): the memory cell is added once the error stops decreasing.

    Until then the net is the direct input->output layer: the cell's and gates' weights and the
    cell->output weights are held at 0 (their masks are 0). Every ``window`` training sequences the
    trial's mean error over those sequences (the stopping rule's per-sequence error, the one the learning
    curve shows) is compared with its best so far: a drop of more than ``tolerance`` (relative) is
    progress; ``patience`` windows in a row without progress is the plateau (:meth:`step`). Then the
    cell and its input gate are added: their weights and the cell->output weights start as ``init``
    says — ``"drawn"``: the values drawn at initialisation (uniform in the net's init range, e.g.
    [-0.2, 0.2]) or ``"zero"`` — and, with ``freeze``, the trained direct weights (input->output,
    output biases) are held fixed from then on (cascade-correlation style).
    """

    window: int = 100                  # training sequences per error window (a multiple of 100)
    tolerance: float = 0.01            # a relative drop of more than this counts as "still decreasing"
    patience: int = 5                  # windows without such a drop = the plateau
    init: str = "drawn"                # the new weights: "drawn" (initial draw) or "zero"
    freeze: bool = False               # hold the trained input->output weights once the cell is added

    def __post_init__(self) -> None:
        if self.init not in CONSTRUCTION_INITS:
            raise ValueError(f"construction.init must be one of {CONSTRUCTION_INITS}, not {self.init!r}")
        if self.window < 100 or self.window % 100 or self.patience < 1 or not 0 <= self.tolerance < 1:
            raise ValueError("construction: window a multiple of 100, patience >= 1, 0 <= tolerance < 1")

    def step(self, best: float, since: int, value: float) -> tuple[float, int, bool]:
        """One window's mean error ``value`` against the best so far: the new (best, since, plateau).

        ``since`` counts the windows in a row without a relative drop of more than ``tolerance``.
        """
        if value < best * (1.0 - self.tolerance):
            return value, 0, False
        since += 1
        return min(best, value), since, since >= self.patience


@dataclass(frozen=True)
class Preset:
    """One named, runnable setting: a row of the paper's tables, or a classroom variant."""

    name: str                          # e.g. "exp4_adding_T100"
    experiment: str                    # "1", "2a", "2b", "2c", "3a", "3b", "3c", "4", "5", "6a", "6b"
    title: str                         # short label for menus
    description: str                   # two or three sentences for students
    model: str                         # "lstm" | "rnn_bptt" | "rnn_rtrl"
    net: LSTMConfig | RNNConfig
    task: str                          # key of lstm_core.tasks.TASKS
    task_options: dict = field(default_factory=dict)
    lr: float = 0.1                    # learning rate α
    update: str = "sequence"           # "step": apply Δw at every target step; "sequence": once per sequence
    gradient: str = "truncated"        # LSTM only: "truncated" (the paper) or "full" (BPTT)
    stop: StopRule = field(default_factory=lambda: StopRule("none"))
    trials: int = 10                   # the paper's number of trials
    classroom: bool = False            # True: a small setting for class, not the paper's
    section: str = ""                  # "§5.4, Table 7"
    paper: dict | None = None          # the paper's reported numbers for this row (None for classroom)
    deviations: tuple[str, ...] = ()   # where we differ from (or had to guess) the paper's setup
    train_set_size: int = 0            # Exp 1: training set of this many strings ("t1"); 0 = online
    construction: Construction | None = None   # Exps 2a/2b: add the cell after the plateau (spec A8)
    lr_factor: float = 1.0             # A3: the weights change by lr_factor * lr * e * source; 2.0 is the
    #                                    reading of eqs 16-18 (E without 1/2: dE/dw = -2 e source), 1.0 eq 19's

    @property
    def effective_lr(self) -> float:
        """The step size the learner uses: ``lr_factor * lr`` (spec A3)."""
        return self.lr_factor * self.lr

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose from {MODELS}")
        if not isinstance(self.net, NETS[self.model].config):
            raise ValueError(f"preset {self.name}: model {self.model!r} does not match {type(self.net).__name__}")
        if self.update not in ("step", "sequence") or self.gradient not in ("truncated", "full"):
            raise ValueError(f"preset {self.name}: bad update {self.update!r} or gradient {self.gradient!r}")
        if self.construction is not None:
            if not NETS[self.model].has_cells or self.gradient != "truncated":
                raise ValueError(f"preset {self.name}: sequential construction needs the LSTM's truncated rule")
            if self.construction.window > self.stop.window:
                raise ValueError(f"preset {self.name}: construction.window must be <= stop.window")
        if not self.lr_factor > 0:
            raise ValueError(f"preset {self.name}: lr_factor must be > 0")
