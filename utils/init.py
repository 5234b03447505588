"""Initialisers for recurrent layers.

- :func:`chrono_bias`: the LSTM bias vector of *chrono initialisation* (Tallec & Ollivier 2018), in Keras' gate
  order ``i, f, c, o``.
- :class:`ChronoInitializer`: the same vector as a Keras initializer, for ``keras.layers.LSTM(bias_initializer=...,
  unit_forget_bias=False)``.

Chrono initialisation sets the forget-gate bias to ``b_f = log(U(1, T_max − 1))`` per unit, so that the forget
gate ``σ(b_f) = u/(1 + u) = 1 − 1/(1 + u)`` keeps the cell state for about ``1/(1 − σ(b_f)) = 1 + u`` steps
(``u`` drawn between 1 and ``T_max − 1``, so the memory times lie between 2 and ``T_max``),
and the input-gate bias to ``b_i = −b_f``. The candidate and output biases stay 0. Keras' own default,
``unit_forget_bias=True``, sets ``b_f = 1`` for every unit (a memory of about ``1/(1 − σ(1)) ≈ 3.7`` steps).

Nothing runs on import; Keras is imported when the initializer is called.
"""

from __future__ import annotations

import numpy as np


def chrono_bias(units: int, t_max: float, seed: int | None = 0) -> np.ndarray:
    """The chrono-initialised LSTM bias vector, shape ``(4 * units,)``, gate order ``i, f, c, o`` (as Keras).

    Args:
        units: number of LSTM units (at least 1).
        t_max: the longest dependency the layer should be able to keep, in steps (above 2, so that
            ``U(1, t_max − 1)`` is not empty), e.g. the sequence length.
        seed: seed for ``np.random.default_rng``; the same seed gives the same vector.

    Returns:
        float32 array ``[b_i, b_f, b_c, b_o]`` with ``b_f = log(u)``, ``u ~ U(1, t_max − 1)``, ``b_i = −b_f``,
        ``b_c = b_o = 0``.

    Raises:
        ValueError: if ``units`` is not a positive int or ``t_max`` is not a number above 2.
    """
    if isinstance(units, bool) or not isinstance(units, int | np.integer) or units < 1:
        raise ValueError(
            f"units must be a positive int, got {units!r}; pass the LSTM's units, e.g. units=16"
        )
    if (
        isinstance(t_max, bool)
        or not isinstance(t_max, int | float | np.integer | np.floating)
        or not t_max > 2
    ):
        raise ValueError(
            f"t_max must be a number above 2, got {t_max!r}; pass the longest dependency in steps, e.g. t_max=400"
        )
    rng = np.random.default_rng(seed)
    b_f = np.log(rng.uniform(1.0, float(t_max) - 1.0, size=int(units)))
    zeros = np.zeros(int(units))
    return np.concatenate([-b_f, b_f, zeros, zeros]).astype(np.float32)


class ChronoInitializer:
    """Keras initializer for an LSTM's bias: chrono initialisation (see :func:`chrono_bias`).

    Keras accepts any callable ``(shape, dtype=None)`` as an initializer (``keras.initializers.get``), so this
    class needs no Keras import until it is called.

    Use it with ``unit_forget_bias=False`` (otherwise Keras replaces the forget part by ones)::

        keras.layers.LSTM(16, bias_initializer=ChronoInitializer(t_max=400, seed=0), unit_forget_bias=False)

    Args:
        t_max: the longest dependency in steps (above 2).
        seed: seed of the draw; the same seed gives the same bias.
    """

    def __init__(self, t_max: float, seed: int | None = 0) -> None:
        chrono_bias(1, t_max, seed)  # validate the arguments now, not at build time
        self.t_max = float(t_max)
        self.seed = seed

    def __call__(self, shape, dtype=None):
        import keras

        if len(shape) != 1 or shape[0] % 4:
            raise ValueError(
                f"ChronoInitializer is for an LSTM bias of shape (4 * units,), got shape {tuple(shape)}; "
                "pass it as bias_initializer of keras.layers.LSTM"
            )
        bias = chrono_bias(shape[0] // 4, self.t_max, self.seed)
        return keras.ops.convert_to_tensor(bias, dtype=dtype or "float32")

    def get_config(self) -> dict:
        return {"t_max": self.t_max, "seed": self.seed}
