"""Tests for utils.seq2seq: id arrays for teacher forcing, prefix-stable batches, the two models' parameter counts
(formula = Keras), the units that match them, and the scores."""

from __future__ import annotations

import numpy as np
import pytest

from utils import dates as D
from utils import seq2seq as S

STOI = {c: i + 1 for i, c in enumerate("abc")}
TGT = {c: i + 3 for i, c in enumerate("0123456789- ")}


def test_sources_and_teacher_forcing_targets():
    x = S.encode_sources(["ab", "c"], STOI, length=3)
    assert x.tolist() == [[1, 2, 0], [3, 0, 0]] and x.dtype == np.int32
    y_in, y_out = S.encode_targets(["12", "3"], TGT, bos=1, eos=2)
    assert y_in.tolist() == [[1, 4, 5], [1, 6, 0]]
    assert y_out.tolist() == [[4, 5, 2], [6, 2, 0]]  # the inputs shifted by one, then the end id
    itos = {i: c for c, i in TGT.items()}
    assert S.decode_ids([4, 5, 2, 9], itos, eos=2) == "12"
    with pytest.raises(ValueError, match="stoi lacks"):
        S.encode_sources(["abz"], STOI)
    with pytest.raises(ValueError, match="shorter"):
        S.encode_sources(["abc"], STOI, length=2)


def test_encode_batch_pads_sources_to_a_multiple():
    x, y_in, y_out = S.encode_batch([{"source": "abc", "target": "1"}], STOI, TGT, 1, 2, pad_to=16)
    assert x.shape == (1, 16) and y_in.shape == y_out.shape == (1, 2)


def test_training_batches_are_prefix_stable_and_of_one_k():
    dates = D.date_window(2000, 2000)
    long = S.training_batches(dates, 5, 4, ks=(1, 3), seed=3)
    assert S.training_batches(dates, 2, 4, ks=(1, 3), seed=3) == long[:2]
    assert all(len({ex["k"] for ex in b}) == 1 and len(b) == 4 for b in long)


def test_training_batches_balance_target_characters_across_k():
    """k is drawn with probability 1/k: every k contributes about as many target characters."""
    dates = D.date_window(2000, 2001)
    batches = S.training_batches(dates, 2000, 1, ks=(1, 2, 4), seed=0)
    counts = np.bincount([b[0]["k"] for b in batches], minlength=5)[[1, 2, 4]]
    np.testing.assert_allclose(counts / counts.sum(), [4 / 7, 2 / 7, 1 / 7], atol=0.03)
    chars = counts * np.array([1, 2, 4])
    assert chars.max() / chars.min() < 1.15
    for bad in ((), (0, 1), (1.5,)):
        with pytest.raises(ValueError, match="ks must be"):
            S.training_batches(dates, 1, 1, ks=bad)


def test_plain_decoder_reads_the_summary_at_every_step():
    """Without attention (Cho et al. 2014) the encoder's summary enters every decoder step: the decoder GRU reads
    [e(y); c] and the output layers [s_t; c]."""
    model = S.build_seq2seq(20, 15, 8, attention=False, embed_dim=4)
    assert model.get_layer("decoder").cell.kernel.shape[0] == 4 + 8  # [e(y); c]
    assert model.get_layer("combine").kernel.shape[0] == 16  # [s_t; c]


@pytest.mark.parametrize("attention", [False, True])
def test_param_count_is_keras_count(attention):
    model = S.build_seq2seq(20, 15, 8, attention=attention, embed_dim=4)
    assert model.count_params() == S.param_count(20, 15, 8, attention, embed_dim=4)
    names = {layer.name for layer in model.layers}
    assert {"encoder", "encoder_last", "decoder", "logits", "combine"} <= names
    assert ({"query", "key", "attention"} <= names) == attention
    x, y_in, _ = S.encode_batch([{"source": "abc", "target": "12"}], STOI, TGT, 1, 2)
    assert tuple(model([x, y_in]).shape) == (1, 3, 15)


def test_matched_units_is_the_closest_count():
    target = S.param_count(70, 15, 64, True)
    u = S.matched_units(70, 15, target)
    gaps = [abs(S.param_count(70, 15, v, False) - target) for v in (u - 2, u, u + 2)]
    assert u % 2 == 0 and gaps[1] == min(gaps) and gaps[1] / target < 0.05  # the issue allows 10 %


def test_odd_units_are_refused():
    with pytest.raises(ValueError, match="units must be even"):
        S.build_seq2seq(20, 15, 7, attention=False, embed_dim=4)


def test_padding_leaves_the_bidirectional_encoder_unchanged():
    """The backward GRU skips the right padding: states and final states equal the unpadded source's."""
    model = S.build_seq2seq(20, 15, 8, attention=True, embed_dim=4)
    layers = [model.get_layer(n) for n in ("src_embedding", "encoder")]

    def run(x):
        h_all, h_fwd, h_bwd = layers[1](layers[0](x))
        return np.asarray(h_all), np.concatenate([h_fwd, h_bwd], -1)

    short, padded = S.encode_sources(["abca"], STOI), S.encode_sources(["abca"], STOI, length=9)
    (h_s, last_s), (h_p, last_p) = run(short), run(padded)
    np.testing.assert_allclose(h_p[:, :4], h_s, atol=1e-6)
    np.testing.assert_allclose(last_p, last_s, atol=1e-6)
    assert not np.allclose(
        h_s[0, 0, 4:], h_s[0, 3, 4:]
    )  # the backward half differs along the source


def test_scores():
    assert S.exact_match(["ab", "ac"], ["ab", "ab"]) == 0.5
    assert S.char_accuracy(["ab", "a", "abcd"], ["ab", "ab", "ab"]) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="equal length"):
        S.exact_match(["a"], [])
