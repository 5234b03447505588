"""Tests for utils.text: vocabulary and lookups, the chronological split, windows, n-gram baselines, the
language model's step-by-step cell, sampling, the context-length probe and the reach rule."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from utils import text as T

TEXT = "to be, or not to be: that is the question.\nwhether 'tis nobler in the mind to suffer\n" * 3


@pytest.fixture(scope="module")
def lookups():
    return T.make_lookups(T.char_vocabulary(TEXT))


def test_units():
    assert T.nats_to_bits(math.log(2)) == pytest.approx(1.0)
    assert T.perplexity(math.log(65)) == pytest.approx(65.0)
    with pytest.raises(ValueError, match="nats"):
        T.perplexity(-1.0)


def test_split_is_chronological_and_checks_its_fraction():
    train, val = T.split_text("abcdefghij", 0.2)
    assert (train, val) == ("abcdefgh", "ij")
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="val_fraction"):
            T.split_text("abcdefghij", bad)
    with pytest.raises(ValueError, match="text"):
        T.split_text("", 0.1)


def test_lookup_round_trip_and_unknown_character(lookups):
    to_ids, to_chars = lookups
    vocab = T.char_vocabulary(TEXT)
    assert vocab == sorted(set(TEXT))
    assert to_ids.vocabulary_size() == len(vocab) + 1
    ids = T.encode(TEXT, to_ids)
    assert ids.dtype == np.int32 and ids.min() >= 1
    assert T.decode(ids, to_chars) == TEXT
    assert T.encode("Z", to_ids).tolist() == [0]  # not in the vocabulary: [UNK]
    assert T.decode([0], to_chars) == "[UNK]"
    with pytest.raises(ValueError, match="repeated"):
        T.make_lookups(["a", "a"])
    with pytest.raises(ValueError, match="single characters"):
        T.make_lookups(["ab"])


def test_lm_dataset_is_teacher_forcing_on_consecutive_chunks():
    ids = np.arange(23, dtype=np.int32)
    batches = list(T.lm_dataset(ids, seq_len=5, batch_size=3))
    x = np.concatenate([b[0].numpy() for b in batches])
    y = np.concatenate([b[1].numpy() for b in batches])
    assert x.shape == (4, 5)  # (23 - 1) // 5 chunks
    np.testing.assert_array_equal(y, x + 1)  # the target is the next character
    np.testing.assert_array_equal(x[:, 0], [0, 5, 10, 15])  # consecutive, non-overlapping
    shuffled = np.concatenate([b[0].numpy() for b in T.lm_dataset(ids, 5, 3, shuffle=True, seed=1)])
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, x))
    with pytest.raises(ValueError, match="seq_len"):
        T.lm_dataset(ids, seq_len=30, batch_size=2)


def brute_force_probability(train, order, vocab, d, history, char):
    """P(char | history) by the recursion in the NGramModel docstring, with Python dicts."""
    if order == 1:
        return (train.count(char) + 1) / (len(train) + vocab)
    lower = brute_force_probability(train, order - 1, vocab, d, history[1:], char)
    h = tuple(history)
    grams = [tuple(train[i : i + order]) for i in range(len(train) - order + 1)]
    follow = [g[-1] for g in grams if g[:-1] == h]
    if not follow:
        return lower
    c = follow.count(char)
    return max(c - d, 0) / len(follow) + d * len(set(follow)) / len(follow) * lower


@pytest.mark.parametrize("order", [1, 2, 3])
def test_ngram_matches_brute_force_and_sums_to_one(order):
    rng = np.random.default_rng(order)
    vocab = 5
    train = rng.integers(0, vocab, 300).tolist()
    model = T.NGramModel(order, vocab, discount=0.75).fit(np.array(train))
    test = rng.integers(0, vocab, 40)
    p = model.probabilities(test)
    for i in range(order - 1, len(test)):
        expected = brute_force_probability(
            train, order, vocab, 0.75, test[i - order + 1 : i].tolist(), test[i]
        )
        assert p[i - order + 1] == pytest.approx(expected)
    for history in ([0, 1], [4, 4], [3, 2]):
        h = history[len(history) - (order - 1) :] if order > 1 else []
        total = sum(model.probabilities(np.array([*h, c]), start=len(h))[0] for c in range(vocab))
        assert total == pytest.approx(1.0)


def test_ngram_orders_improve_on_structured_text(lookups):
    to_ids, _ = lookups
    ids = T.encode(TEXT * 4, to_ids)
    train, val = ids[: len(ids) * 3 // 4], ids[len(ids) * 3 // 4 :]
    v = to_ids.vocabulary_size()
    bits = [T.NGramModel(n, v).fit(train).bits_per_char(val, start=3) for n in (1, 2, 4)]
    assert bits[0] > bits[1] > bits[2]
    with pytest.raises(ValueError, match="outside"):
        T.NGramModel(2, 3).fit(np.array([0, 1, 5]))
    with pytest.raises(ValueError, match="not fitted"):
        T.NGramModel(2, 3).probabilities(np.array([0, 1]))


def test_sampling_with_temperature():
    logits = np.array([1.0, 3.0, 2.0])
    assert T.sample_with_temperature(logits, 0, np.random.default_rng(0)) == 1
    draws = [T.sample_with_temperature(logits, 1.0, np.random.default_rng(s)) for s in range(2000)]
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 2000, p, atol=0.03)
    cold = [T.sample_with_temperature(logits, 0.05, np.random.default_rng(s)) for s in range(200)]
    assert set(cold) == {1}
    with pytest.raises(ValueError, match="temperature"):
        T.sample_with_temperature(logits, -1, np.random.default_rng(0))


@pytest.fixture(scope="module", params=["lstm", "gru"])
def small_model(request, lookups):
    to_ids, _ = lookups
    return T.build_char_lm(
        to_ids.vocabulary_size(), units=8, embed_dim=4, cell=request.param, seed=3
    )


def test_stepwise_cell_equals_the_full_layer(small_model, lookups):
    to_ids, _ = lookups
    ids = T.encode(TEXT[:40], to_ids).reshape(2, 20)
    hidden, logits = T.stepwise_states(small_model, ids)
    full = keras.ops.convert_to_numpy(small_model(ids))
    np.testing.assert_allclose(logits, full, atol=1e-5)
    assert hidden.shape == (2, 20, 8)


def test_generate_is_seeded_and_greedy_is_deterministic(small_model, lookups):
    to_ids, to_chars = lookups
    a = T.generate(small_model, to_ids, to_chars, "to be", 30, temperature=1.0, seed=5)
    b = T.generate(small_model, to_ids, to_chars, "to be", 30, temperature=1.0, seed=5)
    assert a == b and a.startswith("to be") and len(a) == 35 and "[UNK]" not in a
    g = T.generate(small_model, to_ids, to_chars, "to be", 30, temperature=0, seed=1)
    assert g == T.generate(small_model, to_ids, to_chars, "to be", 30, temperature=0, seed=2)
    # greedy generation = argmax of the full layer's logits, step after step
    ids = T.encode(g, to_ids)
    logits = keras.ops.convert_to_numpy(small_model(ids[None, :-1]))[0, 4:, 1:]
    np.testing.assert_array_equal(1 + logits.argmax(axis=1), ids[5:])


def test_context_bpc_matches_a_direct_computation(small_model, lookups):
    to_ids, _ = lookups
    ids = T.encode(TEXT, to_ids)
    bits, targets = T.context_bpc(small_model, ids, [1, 4], n_targets=10, seed=0, batch_size=4)
    assert len(targets) == 10 and targets.min() >= 4
    for k, b in zip([1, 4], bits):
        windows = np.stack([ids[t - k : t] for t in targets])
        logits = keras.ops.convert_to_numpy(small_model(windows))[:, -1, :].astype(np.float64)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        assert b == pytest.approx(-logp[np.arange(10), ids[targets]].mean() / math.log(2), rel=1e-5)
    with pytest.raises(ValueError, match="max"):
        T.context_bpc(small_model, ids[:5], [8], n_targets=3)
    # the same batches as above: another batch size may change float32 logits in their last bits
    again, same_targets, every = T.context_bpc(
        small_model, ids, [1, 4], n_targets=10, seed=0, batch_size=4, per_target=True
    )
    np.testing.assert_array_equal(same_targets, targets)
    assert every.shape == (2, 10)
    np.testing.assert_allclose(every.mean(axis=1), bits, rtol=1e-12)
    np.testing.assert_allclose(again, bits, rtol=1e-12)


def test_measured_reach():
    ks = [1, 2, 4, 8, 16]
    assert T.measured_reach(ks, [4.0, 3.0, 2.5, 2.49, 2.489]) == 4
    assert T.measured_reach(ks, [4.0, 3.0, 2.5, 2.4, 2.3]) == 16  # still improving by > 1 %
    assert T.measured_reach(ks, [4.0, 3.99, 2.0, 1.99, 1.98]) == 4  # a late gain counts
    with pytest.raises(ValueError, match="increasing"):
        T.measured_reach([1, 1], [2.0, 1.0])


def test_paired_standard_error_and_a_reach_that_uses_it():
    rng = np.random.default_rng(0)
    n = 400
    hard = rng.exponential(2.0, size=n)  # per-target difficulty, shared by every k
    per = np.stack([hard + 1.0, hard + 0.5, hard + 0.5 + rng.normal(0, 0.3, n) - 0.02])
    gain, se = T.paired_gain_se(per)
    np.testing.assert_allclose(gain, [(per[0] - per[1]).mean(), (per[1] - per[2]).mean()])
    assert se[0] == pytest.approx(0.0, abs=1e-12)  # the same shift on every target: no noise at all
    assert se[1] == pytest.approx((per[1] - per[2]).std(ddof=1) / np.sqrt(n))
    assert se[1] < hard.std() / np.sqrt(n) / 3  # pairing removes the difficulty shared across k
    ks = [1, 2, 4]
    # a last step of about 1 % that is within 2 SE of zero does not count, so the reach stops at k = 2
    noisy = np.array([4.0, 2.0, 1.978])
    assert T.measured_reach(ks, noisy, tolerance=0.01) == 4
    assert T.measured_reach(ks, noisy, tolerance=0.01, se=[0.01, 0.02]) == 2
    assert T.measured_reach(ks, noisy, tolerance=0.01, se=[0.01, 0.001]) == 4
    with pytest.raises(ValueError, match="se"):
        T.measured_reach(ks, noisy, se=[0.1])
    with pytest.raises(ValueError, match="per_target"):
        T.paired_gain_se(np.zeros(5))
