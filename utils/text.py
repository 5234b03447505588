"""Character-level language modelling: vocabulary, windows, n-gram baselines, a Keras LM and its probes.

Used by notebook 07 and by ``python -m tools.experiments.text_model``. Everything takes its data as arguments; nothing runs on
import. Token ids come from :func:`make_lookups` (``keras.layers.StringLookup``): id 0 is the out-of-vocabulary
token ``[UNK]``, ids ``1..len(vocabulary)`` are the characters in sorted order.

Units: Keras losses are in nats (natural logarithm). Bits per character (bpc) = nats / ln 2, and
perplexity = exp(nats) = 2 ** bpc.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "LN2",
    "NGramModel",
    "build_char_lm",
    "char_vocabulary",
    "context_bpc",
    "decode",
    "encode",
    "generate",
    "lm_dataset",
    "make_lookups",
    "measured_reach",
    "nats_to_bits",
    "perplexity",
    "sample_with_temperature",
    "split_text",
    "stepwise_states",
]

LN2 = math.log(2.0)


# ---------------------------------------------------------------------------------------- units
def nats_to_bits(nats: float) -> float:
    """Convert a cross-entropy in nats (Keras's unit) to bits: divide by ln 2."""
    return float(nats) / LN2


def perplexity(nats: float) -> float:
    """Perplexity of a model with mean cross-entropy ``nats`` per token: ``exp(nats)``."""
    if not np.isfinite(nats) or nats < 0:
        raise ValueError(f"nats must be a finite, non-negative cross-entropy, got {nats!r}")
    return float(math.exp(nats))


# ------------------------------------------------------------------------------------ vocabulary
def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split ``text`` chronologically: the first ``1 - val_fraction`` is training text, the rest validation.

    Windows are cut inside each part afterwards, so no validation character ever appears in a training window
    (a random split of overlapping windows would leak them).
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(
            f"val_fraction must be strictly between 0 and 1, got {val_fraction!r}; e.g. 0.1"
        )
    cut = int(round(len(text) * (1.0 - val_fraction)))
    if cut < 1 or cut >= len(text):
        raise ValueError(
            f"text of {len(text)} characters is too short for val_fraction={val_fraction}"
        )
    return text[:cut], text[cut:]


def char_vocabulary(text: str) -> list[str]:
    """The sorted list of distinct characters of ``text`` (build it from the training text only)."""
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    return sorted(set(text))


def make_lookups(vocabulary: Sequence[str]):
    """``(chars_to_ids, ids_to_chars)``: a ``keras.layers.StringLookup`` and its inverse for ``vocabulary``.

    Id 0 is ``[UNK]`` (any character not in the vocabulary); the vocabulary size seen by a model is
    ``chars_to_ids.vocabulary_size()`` = ``len(vocabulary) + 1``.
    """
    import keras

    vocabulary = list(vocabulary)
    if not vocabulary or any(not isinstance(c, str) or len(c) != 1 for c in vocabulary):
        raise ValueError(
            "vocabulary must be a non-empty sequence of single characters; use char_vocabulary(text)"
        )
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError("vocabulary has repeated characters; use char_vocabulary(text)")
    to_ids = keras.layers.StringLookup(vocabulary=vocabulary, mask_token=None)
    to_chars = keras.layers.StringLookup(vocabulary=vocabulary, mask_token=None, invert=True)
    return to_ids, to_chars


def encode(text: str, chars_to_ids) -> np.ndarray:
    """Map ``text`` to an int32 array of ids with the ``StringLookup`` from :func:`make_lookups`."""
    import tensorflow as tf

    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    chars = tf.strings.unicode_split(text, "UTF-8")
    return np.asarray(chars_to_ids(chars), dtype=np.int32)


def decode(ids: Sequence[int] | np.ndarray, ids_to_chars) -> str:
    """Map ids back to a string with the inverse ``StringLookup`` (``[UNK]`` for id 0)."""
    import tensorflow as tf

    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if ids.size == 0:
        return ""
    return tf.strings.reduce_join(ids_to_chars(ids)).numpy().decode("utf-8")


# -------------------------------------------------------------------------------------- windows
def lm_dataset(
    ids: np.ndarray, seq_len: int, batch_size: int, shuffle: bool = False, seed: int = 0
):
    """A ``tf.data.Dataset`` of teacher-forcing pairs ``(x, y)`` with ``y = x`` shifted by one character.

    ``ids`` is cut into consecutive chunks of ``seq_len + 1`` ids that overlap by one id (the last id of one chunk
    is the first of the next), so that their inputs do not overlap: ``x = chunk[:-1]`` and ``y = chunk[1:]``, and the
    inputs ``x`` of successive chunks follow each other without gap or overlap. An incomplete final chunk is dropped.
    ``shuffle`` reshuffles the chunks every epoch with ``seed``; incomplete final batches are kept.
    """
    import tensorflow as tf

    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    if not isinstance(seq_len, int) or seq_len < 1:
        raise ValueError(f"seq_len must be a positive int, got {seq_len!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    n_chunks = (len(ids) - 1) // seq_len
    if n_chunks < 1:
        raise ValueError(
            f"ids has {len(ids)} tokens, fewer than seq_len + 1 = {seq_len + 1}; lower seq_len"
        )
    starts = np.arange(n_chunks) * seq_len
    idx = starts[:, None] + np.arange(seq_len + 1)[None, :]
    chunks = ids[idx]
    ds = tf.data.Dataset.from_tensor_slices((chunks[:, :-1], chunks[:, 1:]))
    if shuffle:
        ds = ds.shuffle(n_chunks, seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


# ------------------------------------------------------------------------------------- n-grams
class NGramModel:
    """A character n-gram model with interpolated absolute discounting down to an add-one unigram.

    This is not Kneser–Ney smoothing: Kneser–Ney's defining element is that the lower orders use *continuation*
    counts (in how many distinct contexts a character appears), where this model uses plain counts at every order.

    ``P_n(c | h) = max(C(h c) - d, 0) / C(h) + d * N(h) / C(h) * P_{n-1}(c | h')`` where ``h`` is the last
    ``n - 1`` characters, ``h'`` the last ``n - 2``, ``C`` a count in the training ids and ``N(h)`` the number
    of distinct characters seen after ``h``. A context never seen falls back to ``P_{n-1}``. The unigram is
    add-one smoothed over ``vocab_size`` ids, so every character has a non-zero probability.

    Args:
        order: n (1 = unigram, 2 = bigram, ...).
        vocab_size: number of ids (all ids must be in ``[0, vocab_size)``).
        discount: the absolute discount ``d`` in ``(0, 1)``.
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75) -> None:
        if not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be a positive int, got {order!r}")
        if not isinstance(vocab_size, int) or vocab_size < 2:
            raise ValueError(f"vocab_size must be an int >= 2, got {vocab_size!r}")
        if not 0.0 < discount < 1.0:
            raise ValueError(f"discount must be in (0, 1), got {discount!r}")
        if vocab_size**order >= 2**62:
            raise ValueError(
                f"vocab_size ** order is too large for int64 keys; lower order (got {order})"
            )
        self.order, self.vocab_size, self.discount = order, vocab_size, discount
        self._tables: list[dict[str, np.ndarray]] = []

    def _check_ids(self, ids: np.ndarray, name: str) -> np.ndarray:
        ids = np.asarray(ids).reshape(-1).astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(
                f"{name} has ids outside [0, {self.vocab_size}); pass ids from the same lookup"
            )
        return ids

    def _keys(self, ids: np.ndarray, n: int, start: int) -> np.ndarray:
        """Integer key of the n-gram ending at each position ``i >= start`` (``ids[i-n+1 .. i]``)."""
        keys = np.zeros(len(ids) - start, dtype=np.int64)
        for j in range(n):
            keys = keys * self.vocab_size + ids[start - n + 1 + j : len(ids) - n + 1 + j]
        return keys

    def fit(self, ids: np.ndarray) -> NGramModel:
        """Count every n-gram of order 1..``order`` in ``ids``; returns ``self``."""
        ids = self._check_ids(ids, "ids")
        if len(ids) < self.order:
            raise ValueError(f"ids has {len(ids)} tokens, fewer than order = {self.order}")
        self._tables = []
        for n in range(1, self.order + 1):
            grams, counts = np.unique(self._keys(ids, n, n - 1), return_counts=True)
            ctx = grams // self.vocab_size
            ctxs, first = np.unique(ctx, return_index=True)
            totals = np.add.reduceat(counts, first)
            followers = np.diff(np.append(first, len(grams)))
            self._tables.append(
                {
                    "grams": grams,
                    "counts": counts,
                    "ctxs": ctxs,
                    "totals": totals,
                    "followers": followers,
                }
            )
        return self

    @staticmethod
    def _lookup(sorted_keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(sorted_keys, queries), 0, len(sorted_keys) - 1)
        return np.where(sorted_keys[pos] == queries, values[pos], 0)

    def probabilities(self, ids: np.ndarray, start: int | None = None) -> np.ndarray:
        """P(``ids[i]`` | the ``order - 1`` ids before it) for every ``i >= start`` (default ``order - 1``)."""
        if not self._tables:
            raise ValueError("the model is not fitted; call fit(train_ids) first")
        ids = self._check_ids(ids, "ids")
        start = self.order - 1 if start is None else start
        if start < self.order - 1 or start >= len(ids):
            raise ValueError(f"start must be in [{self.order - 1}, {len(ids)}), got {start}")
        t = self._tables[0]
        uni = self._lookup(t["grams"], t["counts"], ids[start:])
        p = (uni + 1.0) / (t["totals"][0] + self.vocab_size)
        d = self.discount
        for n in range(2, self.order + 1):
            t = self._tables[n - 1]
            grams = self._keys(ids, n, start)
            ctx = grams // self.vocab_size
            c_gram = self._lookup(t["grams"], t["counts"], grams)
            c_ctx = self._lookup(t["ctxs"], t["totals"], ctx)
            n_fol = self._lookup(t["ctxs"], t["followers"], ctx)
            safe = np.maximum(c_ctx, 1)
            interp = np.maximum(c_gram - d, 0.0) / safe + d * n_fol / safe * p
            p = np.where(c_ctx > 0, interp, p)
        return p

    def bits_per_char(self, ids: np.ndarray, start: int | None = None) -> float:
        """Mean cross-entropy in bits of ``ids[start:]`` (see :meth:`probabilities`)."""
        return float(-np.mean(np.log2(self.probabilities(ids, start))))


# ---------------------------------------------------------------------------------------- model
def build_char_lm(
    vocab_size: int, units: int = 256, embed_dim: int = 64, cell: str = "lstm", seed: int = 0
):
    """A character language model: ``Embedding -> LSTM/GRU (return_sequences) -> Dense`` logits per step.

    Input: int ids of shape ``(batch, time)``; output: logits ``(batch, time, vocab_size)``. Train it with
    ``SparseCategoricalCrossentropy(from_logits=True)`` on the pairs of :func:`lm_dataset` (teacher forcing).
    The recurrent layer is named ``"rnn"`` and the output layer ``"logits"``.
    """
    import keras

    if not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an int >= 2, got {vocab_size!r}")
    if cell not in ("lstm", "gru"):
        raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
    for name, value in (("units", units), ("embed_dim", embed_dim)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    layer = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    init = keras.initializers.GlorotUniform
    inputs = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(
        vocab_size,
        embed_dim,
        embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed),
        name="embedding",
    )(inputs)
    x = layer(
        units,
        return_sequences=True,
        kernel_initializer=init(seed=seed + 1),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 2),
        name="rnn",
    )(x)
    logits = keras.layers.Dense(vocab_size, kernel_initializer=init(seed=seed + 3), name="logits")(
        x
    )
    return keras.Model(inputs, logits, name=f"char_{cell}_{units}")


# ----------------------------------------------------------------------------------- generation
def sample_with_temperature(
    logits: np.ndarray, temperature: float, rng: np.random.Generator
) -> int:
    """Draw one id from ``softmax(logits / temperature)``; ``temperature == 0`` returns the argmax.

    Low temperatures sharpen the distribution toward the most likely id, high ones flatten it toward uniform.
    """
    logits = np.asarray(logits, dtype=np.float64).reshape(-1)
    if logits.size == 0 or not np.all(np.isfinite(logits)):
        raise ValueError("logits must be a non-empty vector of finite numbers")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature!r}")
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    return int(rng.choice(len(p), p=p))


def _rnn_parts(model):
    layers = {layer.name: layer for layer in model.layers}
    missing = {"embedding", "rnn", "logits"} - set(layers)
    if missing:
        raise ValueError(f"model lacks layers {sorted(missing)}; build it with build_char_lm")
    return layers["embedding"], layers["rnn"], layers["logits"]


def _zero_states(rnn, batch: int):
    import keras

    n_states = 2 if isinstance(rnn, keras.layers.LSTM) else 1  # LSTM: [h, c]; GRU: [h]
    return [keras.ops.zeros((batch, rnn.units)) for _ in range(n_states)]


def stepwise_states(model, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run the model's recurrent cell one step at a time, carrying its state explicitly.

    Args:
        model: a model from :func:`build_char_lm`.
        ids: int ids of shape ``(batch, time)``.

    Returns:
        ``(hidden, logits)``: the hidden state after every step ``(batch, time, units)`` and the logits
        ``(batch, time, vocab)``; they equal what the full layer computes over the whole sequence.
    """
    import keras

    embedding, rnn, dense = _rnn_parts(model)
    ids = np.asarray(ids, dtype=np.int32)
    if ids.ndim != 2 or ids.shape[1] < 1:
        raise ValueError(f"ids must have shape (batch, time) with time >= 1, got {ids.shape}")
    x = embedding(ids)
    states = _zero_states(rnn, ids.shape[0])
    hidden = []
    for t in range(ids.shape[1]):
        h, states = rnn.cell(x[:, t, :], states)
        hidden.append(keras.ops.convert_to_numpy(h))
    hidden = np.stack(hidden, axis=1)
    return hidden, keras.ops.convert_to_numpy(dense(hidden))


def generate(
    model, chars_to_ids, ids_to_chars, prompt: str, length: int, temperature: float, seed: int = 0
) -> str:
    """Continue ``prompt`` by ``length`` characters, one step of the recurrent cell at a time.

    The state is carried explicitly from step to step (no re-reading of the text), so each new character
    costs one cell step. Sampling uses :func:`sample_with_temperature` with ``np.random.default_rng(seed)``.
    """
    import keras

    if not isinstance(length, int) or length < 0:
        raise ValueError(f"length must be a non-negative int, got {length!r}")
    embedding, rnn, dense = _rnn_parts(model)
    rng = np.random.default_rng(seed)
    ids = encode(prompt, chars_to_ids)
    states = _zero_states(rnn, 1)
    h = None
    for i in ids:  # read the prompt
        h, states = rnn.cell(embedding(np.array([i], dtype=np.int32)), states)
    out = []
    for _ in range(length):
        logits = keras.ops.convert_to_numpy(dense(h))[0].astype(np.float64)
        # id 0 ([UNK]) is never emitted
        nxt = 1 + sample_with_temperature(logits[1:], temperature, rng)
        out.append(nxt)
        h, states = rnn.cell(embedding(np.array([nxt], dtype=np.int32)), states)
    return prompt + decode(np.array(out, dtype=np.int64), ids_to_chars)


# ------------------------------------------------------------------------------ context length
def context_bpc(
    model,
    ids: np.ndarray,
    ks: Sequence[int],
    n_targets: int,
    seed: int = 0,
    batch_size: int = 256,
    per_target: bool = False,
) -> tuple[np.ndarray, ...]:
    """Per-character loss (bits) when the model may read only the last ``k`` characters, for each ``k``.

    ``n_targets`` target positions ``t >= max(ks)`` are drawn once (``seed``) from ``ids``; for every ``k`` the
    model starts from a zero state, reads ``ids[t-k:t]`` and is scored on ``ids[t]``. All ``k`` share the same
    targets, so the curve differs only by how much context the model may see, and two ``k`` can be compared
    target by target (a *paired* comparison, see :func:`paired_gain_se`).

    Returns:
        ``(bits, targets)``: mean bits per character for each ``k``, and the target positions used; with
        ``per_target=True`` also a ``(len(ks), len(targets))`` array of every target's bits at every ``k``.
    """
    import keras

    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be positive context lengths, got {ks}")
    if not isinstance(n_targets, int) or n_targets < 1:
        raise ValueError(f"n_targets must be a positive int, got {n_targets!r}")
    k_max = max(ks)
    if len(ids) <= k_max:
        raise ValueError(f"ids has {len(ids)} tokens; it needs more than max(ks) = {k_max}")
    import tensorflow as tf

    # one graph for every window length and batch size (calling the model eagerly is many times slower)
    forward = tf.function(
        lambda x: model(x, training=False), input_signature=[tf.TensorSpec((None, None), tf.int32)]
    )
    rng = np.random.default_rng(seed)
    pool = np.arange(k_max, len(ids))
    targets = np.sort(rng.choice(pool, size=min(n_targets, len(pool)), replace=False))
    every = np.zeros((len(ks), len(targets)))
    for row, k in enumerate(ks):
        windows = ids[targets[:, None] - k + np.arange(k)[None, :]]
        for b in range(0, len(targets), batch_size):
            logits = keras.ops.convert_to_numpy(forward(windows[b : b + batch_size]))[:, -1, :]
            logits = logits.astype(np.float64)
            m = logits.max(axis=1, keepdims=True)
            logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
            every[row, b : b + batch_size] = (
                -logp[np.arange(len(logp)), ids[targets[b : b + batch_size]]] / LN2
            )
    bits = every.mean(axis=1)
    return (bits, targets, every) if per_target else (bits, targets)


def paired_gain_se(per_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The gain of each step to the next context length, and its paired standard error.

    Args:
        per_target: a ``(n_ks, n_targets)`` array of every target's loss at every context length (the third
            value :func:`context_bpc` returns with ``per_target=True``); the same targets in every row.

    Returns:
        ``(gain, se)``, each of length ``n_ks - 1``: ``gain[i]`` is the mean over targets of
        ``per_target[i] - per_target[i + 1]`` (the loss saved by the longer context), ``se[i]`` the standard
        error of that mean, ``std(differences, ddof=1) / sqrt(n_targets)``. Pairing removes the variation
        between targets (some characters are hard at every ``k``), so ``se`` is much smaller than an unpaired one.
    """
    per_target = np.asarray(per_target, dtype=np.float64)
    if per_target.ndim != 2 or per_target.shape[0] < 2 or per_target.shape[1] < 2:
        raise ValueError(
            f"per_target must be a (n_ks >= 2, n_targets >= 2) array, got shape {per_target.shape}"
        )
    diffs = per_target[:-1] - per_target[1:]
    return diffs.mean(axis=1), diffs.std(axis=1, ddof=1) / np.sqrt(per_target.shape[1])


def measured_reach(
    ks: Sequence[int],
    bits: Sequence[float],
    tolerance: float = 0.01,
    se: Sequence[float] | None = None,
    z: float = 2.0,
) -> int:
    """The context length beyond which more context improves the loss by less than ``tolerance`` (relative).

    Walking up the (increasing) ``ks``, the reach is the first ``k`` from which no later step *improves* the
    loss. Without ``se``, a step improves when ``(bits[i] - bits[i+1]) / bits[i] >= tolerance``. With ``se``
    (the paired standard errors of the gains, :func:`paired_gain_se`), a step improves only when its gain is
    also distinguishable from noise: ``bits[i] - bits[i+1] > z * se[i]``. A gain that is large but within
    ``z`` standard errors of zero then does not extend the reach.
    """
    ks = [int(k) for k in ks]
    bits = np.asarray(bits, dtype=np.float64)
    if len(ks) != len(bits) or len(ks) < 2:
        raise ValueError("ks and bits must have the same length, at least 2")
    if any(b <= a for a, b in zip(ks, ks[1:])):
        raise ValueError(f"ks must be strictly increasing, got {ks}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance!r}")
    gains = (bits[:-1] - bits[1:]) / bits[:-1]
    improves = gains >= tolerance
    if se is not None:
        se = np.asarray(se, dtype=np.float64)
        if se.shape != (len(ks) - 1,) or np.any(se < 0):
            raise ValueError(
                f"se must hold {len(ks) - 1} non-negative standard errors (one per step), got {se!r}"
            )
        improves &= (bits[:-1] - bits[1:]) > z * se
    reach = ks[-1]
    for i in range(len(gains) - 1, -1, -1):
        if not improves[i]:
            reach = ks[i]
        else:
            break
    return reach
