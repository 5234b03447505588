"""Notebook 08's encoder-decoders and their plumbing: id arrays, training batches, the two models, scores.

Used by notebook 08 and by ``python -m tools.experiments.seq2seq_model`` (which trains the models the
notebook loads). The lesson (vocabularies, attention in NumPy, greedy and beam decoding) stays in the notebook;
this module turns
strings into padded id arrays and back, draws training batches of one k each (prefix-stable: the first n
batches of a longer run are the batches of a shorter one), builds the two models with named layers, runs the
teacher-forced training loop, and scores decoded strings. Id 0 pads everywhere. Nothing runs on import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "PAD",
    "build_seq2seq",
    "char_accuracy",
    "decode_ids",
    "encode_sources",
    "compile_seq2seq",
    "encode_batch",
    "encode_targets",
    "exact_match",
    "matched_units",
    "param_count",
    "train_steps",
    "training_batches",
]

#: the padding id of both vocabularies
PAD = 0


def encode_sources(
    sources: Sequence[str], stoi: Mapping[str, int], length: int | None = None
) -> np.ndarray:
    """Source strings as an ``int32`` array ``(n, length)`` of ids from ``stoi``, padded with 0 on the right.

    ``length`` defaults to the longest source; a character missing from ``stoi`` raises ``ValueError``.
    """
    length = max(map(len, sources)) if length is None else length
    x = np.zeros((len(sources), length), dtype="int32")
    for i, text in enumerate(sources):
        if len(text) > length:
            raise ValueError(f"length {length} is shorter than source {i} ({len(text)} characters)")
        try:
            x[i, : len(text)] = [stoi[c] for c in text]
        except KeyError as error:
            raise ValueError(f"source {i} has character {error} that stoi lacks") from None
    return x


def encode_targets(
    targets: Sequence[str], stoi: Mapping[str, int], bos: int, eos: int, length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Teacher-forcing arrays for target strings: ``(decoder_inputs, decoder_targets)``, each ``(n, length)``.

    ``decoder_inputs`` is ``[bos, y_1, ..., y_T]`` and ``decoder_targets`` is ``[y_1, ..., y_T, eos]``: the
    same sequence shifted by one step, padded with 0. ``length`` defaults to the longest target plus one.
    """
    length = max(map(len, targets)) + 1 if length is None else length
    inputs = np.zeros((len(targets), length), dtype="int32")
    outputs = np.zeros_like(inputs)
    for i, text in enumerate(targets):
        if len(text) + 1 > length:
            raise ValueError(
                f"length {length} is shorter than target {i} plus its end token ({len(text) + 1})"
            )
        ids = [stoi[c] for c in text]
        inputs[i, : len(ids) + 1] = [bos, *ids]
        outputs[i, : len(ids) + 1] = [*ids, eos]
    return inputs, outputs


def decode_ids(ids: Sequence[int], itos: Mapping[int, str], eos: int) -> str:
    """The string of ``ids`` up to (not including) the first ``eos``; padding (0) is skipped."""
    out = []
    for i in ids:
        i = int(i)
        if i == eos:
            break
        if i != 0:
            out.append(itos.get(i, "?"))
    return "".join(out)


def exact_match(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """Share of predictions equal to their target, whole string."""
    if len(predictions) != len(targets) or not targets:
        raise ValueError("predictions and targets must be non-empty and of equal length")
    return float(np.mean([p == t for p, t in zip(predictions, targets)]))


def char_accuracy(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """Share of target characters predicted at their position (a missing character counts as wrong; characters
    beyond the target's length are not counted)."""
    if len(predictions) != len(targets) or not targets:
        raise ValueError("predictions and targets must be non-empty and of equal length")
    right = sum(sum(a == b for a, b in zip(p, t)) for p, t in zip(predictions, targets))
    return right / sum(map(len, targets))


def training_batches(
    dates: Sequence, n_batches: int, batch_size: int, ks: Sequence[int], seed: int = 0
) -> list[list[dict[str, object]]]:
    """``n_batches`` lists of ``batch_size`` examples (``utils.dates.make_examples``), all of one k per batch,
    k drawn from ``ks`` with probability proportional to 1/k, so that every k gives about the same number of target
    characters (drawn uniformly, k = 8 would give eight times the characters of k = 1, and the loss would be
    mostly about long inputs). Prefix-stable: the first m batches do not depend on ``n_batches``."""
    from utils import dates as D

    if n_batches < 0 or batch_size < 1:
        raise ValueError(
            f"n_batches must be >= 0 and batch_size >= 1, got {n_batches}, {batch_size}"
        )
    if not ks or any(not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise ValueError(f"ks must be a non-empty list of ints >= 1, got {ks!r}")
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.asarray(ks, dtype=float)
    batches = []
    for _ in range(n_batches):
        k = int(ks[rng.choice(len(ks), p=weights / weights.sum())])
        batches.append(D.make_examples(dates, batch_size, (k,), seed=int(rng.integers(2**31))))
    return batches


def build_seq2seq(
    src_vocab: int, tgt_vocab: int, units: int, attention: bool, embed_dim: int = 32, seed: int = 0
):
    r"""A GRU encoder-decoder trained with teacher forcing: inputs ``[source_ids, decoder_input_ids]``, output
    logits ``(batch, target_time, tgt_vocab)``.

    Encoder: ``Embedding(mask_zero) -> Bidirectional(GRU)`` (layers ``src_embedding``, ``encoder``) with
    ``units // 2`` units each way (Bahdanau et al. 2015): the state at position $j$ is
    $h_j = [\overrightarrow{h}_j; \overleftarrow{h}_j]$, ``units`` wide, the forward GRU having read $x_1 \dots x_j$
    and the backward one $x_j \dots x_L$. The two final states, concatenated (``encoder_last``), start the
    decoder: ``Embedding -> GRU`` with ``units`` units (``tgt_embedding``, ``decoder``). Without attention, as in
    Cho et al. 2014, that summary $c$ is also read at every step, by the GRU (its input is $[e(y_{t-1}); c]$,
    ``dec_in``) and by the output layers (``concat`` of $[s_t; c]$, then ``Dense(units, tanh)``, ``combine``, and
    ``Dense(tgt_vocab)``, ``logits``): the encoder's final states are all the decoder gets. With attention, each decoder state $s_t$ is the query of
    additive (Bahdanau) attention over the encoder states $h_j$: scores $v^\top \tanh(W_q s_t + W_k h_j)$
    (``query``, ``key`` without bias; $v$ is the ``scale`` of ``attention``, a ``keras.layers.AdditiveAttention``),
    padding masked, softmax over $j$, context $c_t = \sum_j a_{tj} h_j$; then ``combine`` reads ``[s_t, c_t]``.
    ``units`` must be even.
    """
    import keras

    for name, value in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab), ("units", units)):
        if not isinstance(value, int) or value < 2:
            raise ValueError(f"{name} must be an int >= 2, got {value!r}")
    if units % 2:
        raise ValueError(f"units must be even (half each way in the encoder), got {units}")
    init = keras.initializers.GlorotUniform
    src = keras.Input((None,), dtype="int32", name="source")
    tgt = keras.Input((None,), dtype="int32", name="decoder_input")
    emb = keras.layers.Embedding(
        src_vocab,
        embed_dim,
        mask_zero=True,
        name="src_embedding",
        embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed),
    )
    half = units // 2
    forward = keras.layers.GRU(
        half,
        return_sequences=True,
        return_state=True,
        name="forward",
        kernel_initializer=init(seed=seed + 1),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 2),
    )
    backward = keras.layers.GRU(
        half,
        return_sequences=True,
        return_state=True,
        go_backwards=True,
        name="backward",
        kernel_initializer=init(seed=seed + 10),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 11),
    )
    enc = keras.layers.Bidirectional(forward, backward_layer=backward, name="encoder")
    h_all, h_fwd, h_bwd = enc(emb(src))
    h_last = keras.layers.Concatenate(name="encoder_last")([h_fwd, h_bwd])
    t_emb = keras.layers.Embedding(
        tgt_vocab,
        embed_dim,
        name="tgt_embedding",
        embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed + 3),
    )
    dec = keras.layers.GRU(
        units,
        return_sequences=True,
        name="decoder",
        kernel_initializer=init(seed=seed + 4),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 5),
    )
    y_emb = t_emb(tgt)
    # without attention (Cho et al. 2014) the summary c is read at every step, by the GRU and the output layers
    if not attention:
        summary = keras.ops.expand_dims(h_last, 1) + keras.ops.zeros_like(y_emb[..., :1])
        y_emb = keras.layers.Concatenate(name="dec_in")([y_emb, summary])
    s = dec(y_emb, initial_state=h_last)
    if not attention:
        s = keras.layers.Concatenate(name="concat")([s, summary])
    if attention:
        q = keras.layers.Dense(
            units, use_bias=False, name="query", kernel_initializer=init(seed=seed + 6)
        )(s)
        k = keras.layers.Dense(
            units, use_bias=False, name="key", kernel_initializer=init(seed=seed + 7)
        )(h_all)
        context = keras.layers.AdditiveAttention(use_scale=True, name="attention")(
            [q, h_all, k], mask=[None, keras.ops.not_equal(src, PAD)]
        )
        s = keras.layers.Concatenate(name="concat")([s, context])
    s = keras.layers.Dense(
        units, activation="tanh", name="combine", kernel_initializer=init(seed=seed + 8)
    )(s)
    logits = keras.layers.Dense(tgt_vocab, name="logits", kernel_initializer=init(seed=seed + 9))(s)
    model = keras.Model([src, tgt], logits, name="attention" if attention else "baseline")
    return model


def param_count(
    src_vocab: int, tgt_vocab: int, units: int, attention: bool, embed_dim: int = 32
) -> int:
    """The number of parameters of :func:`build_seq2seq` (a GRU of ``u`` units on ``n`` inputs, with
    ``reset_after``, has ``3 (u (n + u) + 2 u)``; the encoder is two of ``units // 2``; without attention the
    decoder GRU also reads the ``units``-wide summary; both models' ``combine`` reads ``2 units``)."""

    def gru(u: int, n: int) -> int:
        return 3 * (u * (n + u) + 2 * u)

    n = (
        (src_vocab + tgt_vocab) * embed_dim
        + 2 * gru(units // 2, embed_dim)
        + gru(units, embed_dim + units)
        + 2 * units * units
        + units
        + units * tgt_vocab
        + tgt_vocab
    )
    if attention:
        # query, key and v; the decoder GRU reads no summary
        n += 2 * units * units + units - 3 * units * units
    return n


def matched_units(src_vocab: int, tgt_vocab: int, target_params: int, embed_dim: int = 32) -> int:
    """The (even) units of the model without attention whose parameter count is closest to ``target_params``."""
    return min(
        range(2, 2049, 2),
        key=lambda u: abs(param_count(src_vocab, tgt_vocab, u, False, embed_dim) - target_params),
    )


def train_steps(model, batches: Sequence[tuple], log_every: int = 0) -> list[float]:
    """One ``train_on_batch`` per ``(source_ids, decoder_inputs, decoder_targets)`` batch, in order (teacher
    forcing: the decoder reads the true previous character). Returns the mean loss of every ``log_every``
    batches (every batch when 0)."""
    losses, window = [], []
    for x, y_in, y_out in batches:
        window.append(float(model.train_on_batch([x, y_in], y_out)))
        if log_every <= 1 or len(window) == log_every:
            losses.append(float(np.mean(window)))
            window = []
    if window:
        losses.append(float(np.mean(window)))
    return losses


def compile_seq2seq(model, steps: int, learning_rate: float = 3e-3, final_rate: float = 1e-4):
    """Compile ``model`` with Adam (gradient norm clipped at 1), a cosine decay of the learning rate from
    ``learning_rate`` to ``final_rate`` over ``steps`` updates, and the cross-entropy that skips padding."""
    import keras

    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, steps, alpha=final_rate / learning_rate
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD),
    )
    return model


def encode_batch(
    examples: Sequence[Mapping[str, object]],
    stoi: Mapping[str, int],
    tgt_stoi: Mapping[str, int],
    bos: int,
    eos: int,
    pad_to: int = 16,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(source_ids, decoder_inputs, decoder_targets)`` for examples with ``source`` and ``target`` strings; the
    source length is rounded up to a multiple of ``pad_to`` (fewer shapes, fewer traced graphs)."""
    longest = max(len(str(ex["source"])) for ex in examples)
    x = encode_sources([str(ex["source"]) for ex in examples], stoi, -(-longest // pad_to) * pad_to)
    y_in, y_out = encode_targets([str(ex["target"]) for ex in examples], tgt_stoi, bos, eos)
    return x, y_in, y_out
