"""Invariants of every task generator of the paper's Section 5 (spec §4, choices of §7)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.tasks import (
    REBER_ALPHABET,
    TASK_INFO,
    TASKS,
    TEMPORAL_ORDER_ALPHABET,
    TEMPORAL_ORDER_POSITIONS,
    adding,
    concat,
    describe_sequence,
    embedded_reber,
    lag_2a,
    lag_2b,
    lag_2c,
    multiplication,
    reber,
    reber_accepts,
    reber_sets,
    temporal_order,
    temporal_order_class,
    temporal_order_label,
    temporal_order_layout,
    two_sequence,
)
from lstm_core.tasks.batch import SymbolRows, join_rows, split_symbols

# small options so that the whole file stays fast
SMALL = {"lag_2a": {"p": 8}, "lag_2b": {"p": 8}, "lag_2c": {"p": 5, "q": 6}, "two_sequence": {"T": 20},
         "adding": {"T": 20}, "multiplication": {"T": 20}}


def rng(seed=0):
    return np.random.default_rng(seed)


def decode(batch, b, array=None):
    """Symbols (alphabet letters) of the real steps of sequence b of a one-hot array."""
    a = batch.x if array is None else array
    return [batch.alphabet[i] for i in a[b, : batch.lengths[b]].argmax(axis=1)]


# ---------------------------------------------------------------------------- the Batch contract


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_pads_with_zeros_and_has_consistent_shapes(name):
    batch = TASKS[name](rng(), 7, **SMALL.get(name, {}))
    B, T = batch.B, batch.T
    assert batch.x.dtype == np.float64 and batch.y.dtype == np.float64
    assert batch.lengths.dtype == np.int64 and batch.has_target.dtype == bool
    assert batch.x.shape[:2] == batch.y.shape[:2] == batch.has_target.shape == (B, T) and B == 7
    assert T == batch.lengths.max()
    pad = np.arange(T)[None, :] >= batch.lengths[:, None]
    assert not batch.x[pad].any() and not batch.y[pad].any() and not batch.has_target[pad].any()
    assert not batch.y[~batch.has_target].any()
    assert batch.has_target[np.arange(B), batch.lengths - 1].all()  # every sequence ends with a target
    if batch.alphabet is not None:
        assert batch.n_in == len(batch.alphabet) and len(batch.strings) == B
        assert (batch.symbols == np.where(pad, -1, batch.x.argmax(axis=2))).all()
        assert (batch.x.sum(axis=2) == ~pad).all()  # exactly one input symbol per real step


@pytest.mark.parametrize("name", sorted(TASKS))
def test_one_seed_gives_one_dataset_and_different_seeds_differ(name):
    a, b, c = (TASKS[name](rng(s), 5, **SMALL.get(name, {})) for s in (3, 3, 4))
    for field in ("x", "y", "has_target", "lengths", "legal", "y_clean", "symbols"):
        fa, fb = getattr(a, field), getattr(b, field)
        assert (fa is None and fb is None) or np.array_equal(fa, fb)
    assert a.strings == b.strings
    differs = a.x.shape != c.x.shape or not np.array_equal(a.x, c.x) or not np.array_equal(a.y, c.y)
    assert differs or name == "lag_2a" and a.strings != c.strings


def test_subset_keeps_the_chosen_rows_trimmed_and_concat_restores_the_batch():
    batch = two_sequence(rng(), 6, T=20)
    idx = np.argsort(batch.lengths)[:2]
    sub = batch.subset(idx)
    assert sub.T == batch.lengths[idx].max() and sub.B == 2
    assert np.array_equal(sub.x, batch.x[idx, : sub.T])
    order = np.argsort(batch.lengths)
    back = concat([batch.subset(order[:3]), batch.subset(order[3:])])
    assert back.T == batch.T
    for field in ("x", "y", "has_target", "lengths"):
        assert np.array_equal(getattr(back, field), getattr(batch, field)[order])


def test_concat_pads_symbols_with_minus_one_and_keeps_strings():
    batch = embedded_reber(rng(), 5)
    order = np.argsort(batch.lengths)
    back = concat([batch.subset(order[:2]), batch.subset(order[2:])])
    assert np.array_equal(back.symbols, batch.symbols[order])
    assert np.array_equal(back.legal, batch.legal[order])
    assert back.strings == tuple(batch.strings[i] for i in order)


SYMBOLIC = ("lag_2a", "lag_2b", "lag_2c", "temporal_order")


@pytest.mark.parametrize("name", SYMBOLIC)
def test_strings_are_joined_only_when_read_and_equal_the_eager_join(name):
    """Training never reads ``strings``: a symbolic generator leaves them as index rows until read."""
    batch = TASKS[name](rng(), 6, **SMALL.get(name, {}))
    lazy = batch.__dict__["_strings"]
    assert isinstance(lazy, SymbolRows)                                  # not joined by the generator
    eager = join_rows(batch.alphabet, lazy.rows, lazy.lengths)
    idx = np.array([4, 1])
    sub = batch.subset(idx)
    assert isinstance(sub.__dict__["_strings"], SymbolRows)               # a subset does not join them either
    assert sub.strings == (eager[4], eager[1])
    assert batch.strings == eager and batch.strings is batch.strings     # joined once, then kept
    for b in range(batch.B):                                             # each string spells the inputs
        shown = split_symbols(batch.alphabet, batch.strings[b])
        assert shown[: batch.lengths[b]] == [batch.alphabet[i] for i in batch.symbols[b, : batch.lengths[b]]]
    assert batch.subset(idx).strings == sub.strings                      # from a joined batch, the same


def test_a_batch_given_tuple_strings_keeps_them():
    batch = embedded_reber(rng(), 3)
    assert isinstance(batch.__dict__["_strings"], tuple) and batch.subset(np.array([2])).strings == (
        batch.strings[2],)
    assert two_sequence(rng(), 2, T=20).strings is None


def test_concat_refuses_batches_of_different_tasks():
    with pytest.raises(ValueError):
        concat([adding(rng(), 2, T=20), two_sequence(rng(), 2, T=20)])


def test_task_info_describes_every_task_and_its_defaults_run():
    assert set(TASK_INFO) == set(TASKS)
    for name, info in TASK_INFO.items():
        assert len(info["description"]) > 40
        if name in ("lag_2a", "lag_2b", "lag_2c"):  # large alphabets: check them with defaults once
            batch = TASKS[name](rng(), 1, **info["defaults"])
            assert batch.alphabet == info["alphabet"]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_describe_sequence_renders_every_task(name):
    batch = TASKS[name](rng(), 2, **SMALL.get(name, {}))
    text = describe_sequence(batch, 1)
    assert isinstance(text, str) and 0 < len(text) < 400
    if batch.strings is not None and len(batch.strings[1]) < 60:
        assert text.startswith(batch.strings[1])


# ---------------------------------------------------------------------------- Exp 1: Reber


def test_reber_checker_accepts_the_known_examples_and_rejects_broken_strings():
    for s in ("BTSSXXTVVE", "BPVVE", "BTXXVPSE", "BPVPXVPXVPXVVE", "BTSXXVPSE", "BTXSE"):
        assert reber_accepts(s, embedded=False)
        assert reber_accepts(f"BT{s}TE") and reber_accepts(f"BP{s}PE")
        assert not reber_accepts(f"BT{s}PE") and not reber_accepts(s)
    for s in ("BTSSXXTVVP", "BPVE", "BTXXE", "BPVVVE", "BTSSE", "TXSE", "BTXS"):
        assert not reber_accepts(s, embedded=False)


def test_every_embedded_reber_string_is_grammatical_with_matching_embedded_symbols():
    batch = embedded_reber(rng(), 400)
    lengths = [len(s) for s in batch.strings]
    assert all(reber_accepts(s) for s in batch.strings)
    assert all(s[1] == s[-2] and s[1] in "TP" for s in batch.strings)
    assert min(lengths) == 9  # the paper's shortest string, "time lags as few as 9"
    assert {s[1] for s in batch.strings} == {"T", "P"}


def test_plain_reber_strings_are_grammatical():
    batch = reber(rng(), 300)
    assert all(reber_accepts(s, embedded=False) for s in batch.strings)
    assert min(len(s) for s in batch.strings) == 5  # BTXSE / BPVVE


@pytest.mark.parametrize("gen", [reber, embedded_reber])
def test_reber_inputs_and_targets_are_the_string_shifted_by_one_at_every_step(gen):
    batch = gen(rng(1), 50)
    for b, s in enumerate(batch.strings):
        assert batch.lengths[b] == len(s) - 1
        assert "".join(decode(batch, b)) == s[:-1] and "".join(decode(batch, b, batch.y)) == s[1:]
        assert batch.has_target[b, : len(s) - 1].all()


@pytest.mark.parametrize("gen", [reber, embedded_reber])
def test_reber_legal_sets_contain_the_actual_next_symbol(gen):
    batch = gen(rng(2), 200)
    real = batch.has_target
    assert (batch.legal[batch.y == 1.0]).all()
    n_legal = batch.legal.sum(axis=2)
    assert ((n_legal[real] >= 1) & (n_legal[real] <= 2)).all() and not n_legal[~real].any()


def test_embedded_reber_legal_sets_match_the_hand_worked_shortest_string():
    batch = embedded_reber(rng(), 200)
    b = batch.strings.index("BTBTXSETE")
    sets = ["".join(np.array(REBER_ALPHABET)[batch.legal[b, t]]) for t in range(8)]
    assert sets == ["TP", "B", "TP", "SX", "SX", "E", "T", "E"]  # alphabet order B,T,P,S,X,V,E


def test_embedded_reber_penultimate_legal_set_is_the_second_symbol_only():
    batch = embedded_reber(rng(3), 200)
    for b, s in enumerate(batch.strings):
        t = len(s) - 3  # input: the inner E; next: the matching T/P
        assert [REBER_ALPHABET[i] for i in np.flatnonzero(batch.legal[b, t])] == [s[1]]


def test_reber_test_set_excludes_training_strings_and_its_own_duplicates():
    train, test = reber_sets(rng(), n_train=256, n_test=256)
    assert train.B == test.B == 256
    assert not set(train.strings) & set(test.strings)
    assert len(set(test.strings)) == 256
    assert len(set(train.strings)) < 256  # the training set keeps its duplicates (A7)
    again = reber_sets(rng(), n_train=256, n_test=256)
    assert again[0].strings == train.strings and again[1].strings == test.strings


@pytest.mark.parametrize("gen", [reber, embedded_reber])
def test_reber_multi_hot_targets_are_the_legal_sets_with_the_same_strings(gen):
    one, multi = gen(rng(4), 60), gen(rng(4), 60, targets="legal")
    assert multi.strings == one.strings and np.array_equal(multi.x, one.x)
    assert np.array_equal(multi.y, multi.legal.astype(float))          # 1 for every legal successor (A5)
    assert (multi.y.sum(-1)[multi.has_target] == multi.legal.sum(-1)[multi.has_target]).all()
    assert (multi.y.sum(-1) > one.y.sum(-1)).any()                       # e.g. T and P after B


def test_reber_sets_pass_the_target_coding_to_both_sets_and_reject_unknown_ones():
    train, test = reber_sets(rng(), n_train=20, n_test=20, targets="legal")
    assert np.array_equal(train.y, train.legal.astype(float)) and np.array_equal(test.y, test.legal.astype(float))
    with pytest.raises(ValueError, match="targets"):
        embedded_reber(rng(), 3, targets="softmax")


# ---------------------------------------------------------------------------- Exp 2


def test_lag_2a_sequences_are_exactly_the_two_fixed_ones():
    batch = lag_2a(rng(), 60, p=6)
    fixed = {"x a1 a2 a3 a4 a5 x", "y a1 a2 a3 a4 a5 y"}
    assert set(batch.strings) == fixed
    assert (batch.lengths == 6).all() and batch.has_target.all()
    for b, s in enumerate(batch.strings):
        assert decode(batch, b) == s.split()[:-1] and decode(batch, b, batch.y) == s.split()[1:]
    assert np.array_equal(batch.legal, batch.y.astype(bool))  # everything is predictable


def test_lag_2b_keeps_first_and_last_equal_with_a_random_middle():
    p = 8
    batch = lag_2b(rng(), 200, p=p)
    distractors = {f"a{i}" for i in range(1, p)}
    middles = set()
    for b, s in enumerate(batch.strings):
        tokens = s.split()
        assert len(tokens) == p + 1 and tokens[0] == tokens[-1] in ("x", "y")
        assert set(tokens[1:-1]) <= distractors
        middles.add(tuple(tokens[1:-1]))
        assert decode(batch, b, batch.y) == tokens[1:]  # one-hot next symbol at every step (A27)
    assert len(middles) > 190
    assert batch.has_target.all()
    assert batch.legal[:, :-1, : p - 1].all() and not batch.legal[:, :-1, p - 1 :].any()
    assert np.array_equal(batch.legal[:, -1], batch.y[:, -1].astype(bool))  # only the end is predictable


def test_lag_2c_target_is_only_at_the_trigger_and_gives_the_second_symbol():
    p, q = 5, 6
    batch = lag_2c(rng(), 300, p=p, q=q)
    assert batch.n_in == p + 4 and batch.n_out == 2
    assert (batch.has_target.sum(axis=1) == 1).all()
    distractors = {f"a{i}" for i in range(1, p + 1)}
    for b, s in enumerate(batch.strings):
        tokens, L = s.split(), batch.lengths[b]
        assert len(tokens) == L + 1 >= q + 4
        assert tokens[0] == "b" and tokens[1] == tokens[-1] in ("x", "y") and tokens[-2] == "e"
        assert set(tokens[2:-2]) <= distractors and len(tokens) - 4 >= q
        assert decode(batch, b) == tokens[:-1]  # the final x/y is not an input (A11)
        assert batch.has_target[b, L - 1]
        assert list(batch.y[b, L - 1]) == ([1.0, 0.0] if tokens[1] == "x" else [0.0, 1.0])


def test_lag_2c_extra_length_has_mean_nine():
    q = 3
    batch = lag_2c(rng(), 4000, p=4, q=q)
    extra = batch.lengths - (q + 3)
    assert extra.min() == 0
    assert abs(extra.mean() - 9.0) < 0.6  # P(k) = 0.1 * 0.9^k; the standard error is ~0.15


# ---------------------------------------------------------------------------- Exp 3


def test_two_sequence_3a_first_elements_give_the_class_and_the_rest_is_noise():
    T, N = 50, 3
    batch = two_sequence(rng(), 600, T=T, N=N, variant="a")
    x, L = batch.x[:, :, 0], batch.lengths
    assert L.min() == T and L.max() == T + T // 10
    sign = x[:, 0]
    assert set(np.unique(x[:, :N])) == {-1.0, 1.0} and (x[:, :N] == sign[:, None]).all()
    end = batch.y[np.arange(600), L - 1, 0]
    assert np.array_equal(end, np.where(sign > 0, 1.0, 0.0))
    noise = x[:, N:][np.arange(N, batch.T)[None, :] < L[:, None]]
    assert abs(noise.std() - np.sqrt(0.2)) < 0.01 and abs(noise.mean()) < 0.01
    assert batch.y_clean is None


def test_two_sequence_3b_adds_the_noise_to_the_informative_elements():
    batch = two_sequence(rng(), 2000, T=20, N=1, variant="b")
    end = batch.y[np.arange(2000), batch.lengths - 1, 0]
    sign = np.where(end == 1.0, 1.0, -1.0)
    dev = batch.x[:, 0, 0] - sign
    assert abs(dev.std() - np.sqrt(0.2)) < 0.03 and abs(dev.mean()) < 0.03


def test_two_sequence_3c_has_noisy_targets_around_point_two_and_point_eight():
    n = 4000
    batch = two_sequence(rng(), n, T=20, N=3, variant="c")
    rows, last = np.arange(n), batch.lengths - 1
    sign = batch.x[:, 0, 0]
    assert (batch.x[:, :3, 0] == sign[:, None]).all()  # like 3a: noise-free informative elements (A13)
    clean = batch.y_clean[rows, last, 0]
    assert np.array_equal(clean, np.where(sign > 0, 0.2, 0.8))
    dev = batch.y[rows, last, 0] - clean
    assert abs(dev.std() - np.sqrt(0.1)) < 0.015 and abs(dev.mean()) < 0.015


# ---------------------------------------------------------------------------- Exps 4 and 5


def check_marked_pairs(batch, T, first_value):
    """Shared invariants of Exps 4/5; returns X1, X2 recomputed from the marked inputs."""
    x1, x2 = [], []
    for b in range(batch.B):
        L = batch.lengths[b]
        value, marker = batch.x[b, :L, 0], batch.x[b, :L, 1]
        marked = np.flatnonzero(marker == 1.0)
        assert len(marked) == 2 and set(np.unique(marker)) <= {-1.0, 0.0, 1.0}
        assert marked[0] < 10 and marked[1] < T // 2 - 1  # 1-based: within 10 and within T/2 − 1
        for t in (0, L - 1):
            assert marker[t] == (1.0 if t in marked else -1.0)
        assert not marker[1 : L - 1][~np.isin(np.arange(1, L - 1), marked)].any()
        if 0 in marked:
            assert value[0] == first_value
        assert np.flatnonzero(batch.has_target[b]).tolist() == [L - 1]
        x1.append(value[marked[0]])
        x2.append(value[marked[1]])
    assert T <= batch.lengths.min() and batch.lengths.max() <= T + T // 10
    return np.array(x1), np.array(x2)


def test_adding_target_is_recomputed_from_the_two_marked_values():
    T = 100
    batch = adding(rng(), 1500, T=T)
    x1, x2 = check_marked_pairs(batch, T, first_value=0.0)
    end = batch.y[np.arange(batch.B), batch.lengths - 1, 0]
    assert np.allclose(end, 0.5 + (x1 + x2) / 4.0, rtol=0, atol=1e-15)
    values = batch.x[:, :, 0][np.arange(batch.T) < batch.lengths[:, None]]
    assert values.min() >= -1.0 and values.max() <= 1.0 and values.min() < -0.99
    assert set(np.unique(batch.lengths)) == set(range(T, T + T // 10 + 1))
    assert (batch.x[:, 0, 1] == 1.0).any()  # the "first pair marked" case does occur (p = 0.1)


def test_adding_marks_are_uniform_over_their_allowed_positions():
    T, n = 100, 6000
    batch = adding(rng(), n, T=T)
    counts = np.bincount(np.flatnonzero(batch.x[:, :, 1].ravel() == 1.0) % batch.T, minlength=batch.T)
    m = T // 2 - 1  # 49 allowed positions for the second mark, one of them taken by the first
    assert not counts[m:].any()
    expect_late, expect_early = n / (m - 1), n / 10 + n / (m - 1)  # second only / first or second
    assert np.all(np.abs(counts[10:m] - expect_late) < 5 * np.sqrt(expect_late))
    assert np.all(np.abs(counts[:10] - expect_early) < 5 * np.sqrt(expect_early))


def test_multiplication_target_is_the_product_of_the_two_marked_values():
    T = 30
    batch = multiplication(rng(), 800, T=T)
    x1, x2 = check_marked_pairs(batch, T, first_value=1.0)
    end = batch.y[np.arange(batch.B), batch.lengths - 1, 0]
    assert np.allclose(end, x1 * x2, rtol=0, atol=1e-15)
    assert batch.x[:, :, 0].min() >= 0.0 and batch.x[:, :, 0].max() <= 1.0


def test_marked_pair_tasks_refuse_too_short_sequences():
    with pytest.raises(ValueError):
        adding(rng(), 1, T=4)


# ---------------------------------------------------------------------------- Exp 6


@pytest.mark.parametrize("n_relevant", [2, 3])
def test_temporal_order_class_is_recomputed_from_the_x_y_pattern(n_relevant):
    batch = temporal_order(rng(), 400, n_relevant=n_relevant)
    assert batch.alphabet == TEMPORAL_ORDER_ALPHABET and batch.n_out == 2**n_relevant
    seen = set()
    for b, s in enumerate(batch.strings):
        L = batch.lengths[b]
        assert 100 <= L <= 110 and len(s) == L and s[0] == "E" and s[-1] == "B"
        assert set(s[1:-1]) <= set("abcdXY")
        where = [t + 1 for t, c in enumerate(s) if c in "XY"]  # 1-based positions
        assert len(where) == n_relevant
        for pos, (lo, hi) in zip(where, TEMPORAL_ORDER_POSITIONS[n_relevant]):
            assert lo <= pos <= hi
        pattern = "".join(s[t - 1] for t in where)
        k = temporal_order_class(pattern)
        seen.add(k)
        assert np.flatnonzero(batch.has_target[b]).tolist() == [L - 1]
        assert batch.y[b, L - 1].tolist() == np.eye(2**n_relevant)[k].tolist()
    assert seen == set(range(2**n_relevant))


@pytest.mark.parametrize("n_relevant, length", [(2, 50), (3, 60), (2, 100)])
def test_a_shorter_temporal_order_task_scales_lengths_and_positions(n_relevant, length):
    (lo, hi), positions = temporal_order_layout(n_relevant, length)
    assert (lo, hi) == (length, length + length // 10)
    if length == 100:
        assert positions == TEMPORAL_ORDER_POSITIONS[n_relevant]
    batch = temporal_order(rng(), 300, n_relevant=n_relevant, length=length)
    for b, s in enumerate(batch.strings):
        assert lo <= batch.lengths[b] <= hi and s[0] == "E" and s[-1] == "B"
        where = [t + 1 for t, c in enumerate(s) if c in "XY"]
        assert len(where) == n_relevant and all(a <= t <= z for t, (a, z) in zip(where, positions))
        assert batch.y[b, batch.lengths[b] - 1].tolist() == np.eye(2**n_relevant)[
            temporal_order_class("".join(s[t - 1] for t in where))].tolist()
    assert positions[-1][1] < lo                               # every relevant symbol comes before the trigger
    with pytest.raises(ValueError):
        temporal_order_layout(2, 5)


def test_temporal_order_class_names_follow_the_paper():
    assert [temporal_order_label(p) for p in ("XX", "XY", "YX", "YY")] == ["Q", "R", "S", "U"]
    assert temporal_order_label("YXY") == "A" and temporal_order_label("YYY") == "C"
    assert temporal_order_class("XYY") == 3
    with pytest.raises(ValueError):
        temporal_order_class("XZ")
