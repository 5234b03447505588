"""Exercise design of notebooks 01, 02, 02b and 03 (issue 24): lazy answers earn at most the public share, each
listed plausible mistake fails a public case with a message that says what was expected, and the student set-up
cell's self-check fails an answer that uses a lesson-only name, also in a renamed copy of the notebook.

The cases run in this process (tests/exercise_design_support.py replays the trusted grader's cells without the
sandbox); tests/test_grading.py grades the masters through the real sandbox.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap

import nbformat
import pytest

from tests import exercise_design_support as support
from tools.grading import grade as grading

NOTEBOOKS = [
    "01_rnn_unrolling",
    "02_vanishing_exploding_gradients",
    "02b_backprop_through_time",
    "03_lstm_gates",
]
LAZY_LIMIT = grading.PUBLIC_SHARE  # a lazy answer earns at most the public share of a question


def given(stem: str, question: str, answer: str) -> str:
    """The code the question gives before the answer function ``answer`` (02b's forward steps), or ''."""
    source = support.questions(support.master(stem))[question]["answers"][0]
    head = source.split(f"def {answer}(")[0]
    return head if head.strip() else ""


def src(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


# --- lazy answers: the course's (or Keras's) implementation, or a lesson cell, in place of the answer ----------
LAZY = {
    "01_rnn_unrolling": {
        "q1_param_count": [
            src("""
                def param_count(units, features):
                    m = keras.Sequential([keras.Input((None, features)), keras.layers.SimpleRNN(units)])
                    return m.count_params()
            """),
            src("""
                param_count = simple_rnn_param_count  # the lesson's function: not run by the grader
            """),
        ],
        "q2_rnn_step": [
            src("""
                from utils import cells

                def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):
                    return cells.rnn_step(x_t, h_prev, W_x, W_h, b).h
            """),
            src("""
                def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):
                    return rnn_cell_step(x_t, h_prev, W_x, W_h, b)  # a lesson cell's function
            """),
        ],
        "q3_mult_count": [
            src("""
                def mult_count(batch, time, features, units):
                    layer = keras.layers.SimpleRNN(units, return_sequences=True)
                    return int(np.prod(layer(np.zeros((batch, time, features), dtype="float32")).shape))
            """),
        ],
        "q4_memory": [
            src("""
                from utils import cells

                def final_state(xs, w_x, w_h, bound):
                    x = np.asarray(xs, dtype=float).reshape(1, -1, 1)
                    return float(cells.rnn_forward(x, np.array([[w_x]]), np.array([[w_h]]), np.zeros(1))[1][0, 0])
            """),
            src("""
                def final_state(xs, w_x, w_h, bound):  # Keras's hard_tanh clips to [-1, 1] only
                    layer = keras.layers.SimpleRNN(1, activation="hard_tanh", use_bias=False)
                    layer.build((None, None, 1))
                    layer.set_weights([np.array([[w_x]], "float32"), np.array([[w_h]], "float32")])
                    return float(layer(np.asarray(xs, dtype="float32").reshape(1, -1, 1))[0, 0])
            """),
        ],
    },
    "02_vanishing_exploding_gradients": {
        "q2_explode_or_vanish": [
            src("""
                def explode_or_vanish(W, h):
                    rho = spectral_radius(W)
                    return "explode" if rho > 1 + 1e-9 else "vanish" if rho < 1 - 1e-9 else "neither"
            """),
        ],
        "q3_step_gradient_norms": [
            "MASTER_TINY_RNN\n"
            + src("""
                def step_gradient_norms(layer, x):
                    return state_input_gradient_norms(layer, x)
            """),
        ],
        "q4_adaptive_clip": [
            src("""
                def adaptive_clip(grads, weights, clip, eps=1e-3):
                    clipped, _ = tf.clip_by_global_norm([tf.constant(g, tf.float64) for g in grads], clip)
                    return [c.numpy() for c in clipped]
            """),
        ],
    },
    "02b_backprop_through_time": {
        "q1_relu_step_backward": [
            "GIVEN\n"
            + src("""
                def relu_step_backward(dh, cache):
                    x_t, h_prev, W_x, W_h, a = cache
                    return tuple(bptt.rnn_step_backward(dh, x_t, h_prev, np.maximum(0, a), W_x, W_h))
            """),
            "GIVEN\n"
            + src("""
                def relu_step_backward(dh, cache):  # the plain ReLU cell's pass: the direct path is missing
                    x_t, h_prev, W_x, W_h, a = cache
                    seq = cells.RNNCache(x_t[:, None], h_prev, np.maximum(0, a)[:, None], W_x, W_h, np.zeros(len(a.T)))
                    g = bptt.rnn_backward_variant((dh * (a > 0))[:, None], seq, tanh_prime=False)
                    return g.dx[:, 0], g.dh0, g.dkernel, g.drecurrent_kernel, g.dbias
            """),
        ],
        "q2_gradient_check": [
            src("""
                def gradient_check(forward, backward, params, seed=0, eps=1e-6):
                    rng = np.random.default_rng(seed)
                    out = forward(**params, return_cache=True)
                    up = rng.normal(size=np.shape(out[0]))
                    mine, ref = backward(up, out[-1]), bptt.rnn_backward(up, out[-1])
                    errs = [np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)
                            for a, b in zip(mine, ref)]
                    return float(max(errs))
            """),
            src("""
                def gradient_check(forward, backward, params, seed=0, eps=1e-6):
                    up = np.random.default_rng(seed).normal(size=np.shape(forward(**params)[0]))
                    loss = lambda p: float(np.sum(up * forward(**p)[0]))
                    numerical = numerical_gradients(loss, params)  # the lesson's function
                    grads = backward(up, forward(**params, return_cache=True)[-1])
                    return max(rel_error(getattr(grads, "d" + k), v) for k, v in numerical.items())
            """),
        ],
        "q4_cifg_step_backward": [
            "GIVEN\n"
            + src("""
                def cifg_step_backward(dh, dc, cache):
                    x_t, h_prev, c_prev, kernel, recurrent_kernel, f, g, o, c = cache
                    step = cells.LSTMStep(h=o * np.tanh(c), c=c, i=1 - f, f=f, g=g, o=o)
                    return tuple(bptt.lstm_step_backward(dh, dc, x_t, h_prev, c_prev, step, kernel,
                                                          recurrent_kernel))
            """),
        ],
    },
    "03_lstm_gates": {
        "q1_nog_lstm_step": [
            src("""
                def nog_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
                    step = cells.lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
                    return step.h, step.c
            """),
        ],
        "q2_nog_lstm_params": [
            src("""
                def nog_lstm_params(units, features):
                    return cells.gru_param_count(units, features)  # reset_after=True: a second bias row

                nog_over_lstm = cells.gru_param_count(100, 20) / cells.lstm_param_count(100, 20)
            """),
            src("""
                def nog_lstm_params(units, features):  # three blocks with one bias each, no peepholes
                    m = keras.layers.GRU(units, reset_after=False)
                    m.build((None, None, features))
                    return m.count_params()

                nog_over_lstm = 0.75
            """),
            src("""
                nog_lstm_params = cells.lstm_param_count
                nog_over_lstm = 1
            """),
            src("""
                def nog_lstm_params(units, features):
                    m = keras.layers.LSTM(units)
                    m.build((None, None, features))
                    return m.count_params()

                nog_over_lstm = 4
            """),
        ],
    },
}

# --- answers that call a library function doing the question's core step once the student has the question's own
# quantities (the clip bound of 01 q4, the sum loss of 02 q3, the limit of 02 q4); no natural variation of the
# question escapes it, so the question's rule case (utils.exercise.check_not_calling) refuses it and the question
# scores 0. The exercise text must name them.
FORBIDDEN_ONLY = {
    "01_rnn_unrolling": {
        "q4_memory": (
            0.0,
            "SimpleRNN",
            src("""
            def final_state(xs, w_x, w_h, bound):  # a Keras layer with a custom activation
                layer = keras.layers.SimpleRNN(1, activation=lambda z: keras.ops.clip(z, -bound, bound),
                                               use_bias=False, dtype="float64")
                layer.build((None, None, 1))
                layer.set_weights([np.array([[w_x]]), np.array([[w_h]])])
                return float(layer(np.asarray(xs, dtype="float64").reshape(1, -1, 1))[0, 0])
        """),
        ),
    },
    "02_vanishing_exploding_gradients": {
        "q3_step_gradient_norms": (
            0.0,
            "loss_input_gradient_norms",
            "MASTER_TINY_RNN\n"
            + src("""
            from utils import gradients

            def step_gradient_norms(layer, x):
                return gradients.loss_input_gradient_norms(layer, x, np.zeros((1, 1)),
                                                           lambda yt, yp: tf.reduce_sum(yp, -1))
        """),
        ),
        "q4_adaptive_clip": (
            0.0,
            "tf.clip_by_norm",
            src("""
            def adaptive_clip(grads, weights, clip, eps=1e-3):
                return [tf.clip_by_norm(tf.constant(g, tf.float64), clip * max(np.linalg.norm(w), eps)).numpy()
                        for g, w in zip(grads, weights)]
        """),
        ),
    },
}


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_answers_calling_a_library_function_that_does_it_score_0(stem):
    qs = support.questions(support.master(stem))
    cells_ = support.master(stem).cells
    start = next(
        i
        for i, c in enumerate(cells_)
        if c.cell_type == "markdown" and c.source.startswith("## Exercises")
    )
    statements = "".join(c.source for c in cells_[start:] if c.cell_type == "markdown")
    for question, (expected, named, source) in FORBIDDEN_ONLY.get(stem, {}).items():
        assert named in statements, f"{stem} {question}: the exercise text does not forbid {named}"
        results = support.run_cases(
            env(stem), [expand(stem, question, source)], qs[question]["cases"]
        )
        assert abs(support.score(results) - expected) < 1e-9, (
            question,
            support.score(results),
            results,
        )


# --- plausible mistakes: each must fail a public case with an "expected ..." message ----------------------------
MISTAKES = {
    "01_rnn_unrolling": {
        "q1_param_count": {
            "bias forgotten": "def param_count(units, features):\n    return units * features + units\n",
            "full W_h (the SimpleRNN count)": "def param_count(units, features):\n    return units * (units + features) + units\n",
        },
        "q2_rnn_step": {
            "h_prev @ W_h.T": "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return (1 - alpha) * h_prev + alpha * np.tanh(x_t @ W_x + h_prev @ W_h.T + b)\n",
            "leak weights swapped": "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return alpha * h_prev + (1 - alpha) * np.tanh(x_t @ W_x + h_prev @ W_h + b)\n",
            "bias forgotten": "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return (1 - alpha) * h_prev + alpha * np.tanh(x_t @ W_x + h_prev @ W_h)\n",
            "no leak (the plain SimpleRNN step)": "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return np.tanh(x_t @ W_x + h_prev @ W_h + b)\n",
        },
        "q3_mult_count": {
            "batch forgotten": "def mult_count(batch, time, features, units):\n    return time * units * (features + units)\n",
            "recurrent product skipped at the first step": "def mult_count(batch, time, features, units):\n"
            "    return batch * (time * features * units + (time - 1) * units * units)\n",
            "recurrent product forgotten": "def mult_count(batch, time, features, units):\n"
            "    return batch * time * features * units\n",
        },
        "q4_memory": {
            "loop from index 1": "def final_state(xs, w_x, w_h, bound):\n    h = 0.0\n    for x_t in xs[1:]:\n"
            "        h = float(np.clip(w_x * x_t + w_h * h, -bound, bound))\n    return h\n",
            "tanh instead of clip": "def final_state(xs, w_x, w_h, bound):\n    h = 0.0\n    for x_t in xs:\n"
            "        h = float(np.tanh(w_x * x_t + w_h * h))\n    return h\n",
            "no clipping": "def final_state(xs, w_x, w_h, bound):\n    h = 0.0\n    for x_t in xs:\n"
            "        h = float(w_x * x_t + w_h * h)\n    return h\n",
            "bound ignored (clip to [-1, 1])": "def final_state(xs, w_x, w_h, bound):\n    h = 0.0\n    for x_t in xs:\n"
            "        h = float(np.clip(w_x * x_t + w_h * h, -1, 1))\n    return h\n",
        },
    },
    "02_vanishing_exploding_gradients": {
        "q1_steps_to_vanish": {
            "w without abs": "def steps_to_vanish(w, threshold):\n    n = 1\n    while w ** n >= threshold and n < 10**4:\n"
            "        n += 1\n    return n\n",
            "counts from 0": "def steps_to_vanish(w, threshold):\n    n = 0\n    while abs(w) ** (n + 1) >= threshold:\n"
            "        n += 1\n    return n\n",
        },
        "q2_explode_or_vanish": {
            "largest entry instead of eigenvalues": "def explode_or_vanish(W, h):\n"
            "    m = np.max(np.abs(np.diag(1 - np.asarray(h) ** 2) @ np.asarray(W).T))\n"
            "    return 'explode' if m > 1 + 1e-9 else 'vanish' if m < 1 - 1e-9 else 'neither'\n",
            "tanh factor forgotten": "def explode_or_vanish(W, h):\n    m = np.max(np.abs(np.linalg.eigvals(W)))\n"
            "    return 'explode' if m > 1 + 1e-9 else 'vanish' if m < 1 - 1e-9 else 'neither'\n",
            "1 - |h| instead of 1 - h²": "def explode_or_vanish(W, h):\n"
            "    J = np.diag(1 - np.abs(np.asarray(h))) @ np.asarray(W).T\n    m = np.max(np.abs(np.linalg.eigvals(J)))\n"
            "    return 'explode' if m > 1 + 1e-9 else 'vanish' if m < 1 - 1e-9 else 'neither'\n",
            "tanh' applied to the state (1 - tanh²(h))": "def explode_or_vanish(W, h):\n"
            "    J = np.diag(1 - np.tanh(np.asarray(h)) ** 2) @ np.asarray(W).T\n"
            "    m = np.max(np.abs(np.linalg.eigvals(J)))\n"
            "    return 'explode' if m > 1 + 1e-9 else 'vanish' if m < 1 - 1e-9 else 'neither'\n",
        },
        "q3_step_gradient_norms": {
            "order reversed (by distance, not by t)": "MASTER_TINY_RNN\n"
            "def step_gradient_norms(layer, x):\n    x = tf.constant(np.asarray(x, dtype='float32'))\n"
            "    with tf.GradientTape() as tape:\n        tape.watch(x)\n        h = layer(x)\n"
            "    return np.linalg.norm(tape.gradient(h, x).numpy()[0], axis=-1)[::-1]\n",
            "Jacobian norm (units do not cancel)": "MASTER_TINY_RNN\n"
            "def step_gradient_norms(layer, x):\n    x = tf.constant(np.asarray(x, dtype='float32'))\n"
            "    with tf.GradientTape(persistent=True) as tape:\n        tape.watch(x)\n        h = layer(x)\n"
            "        parts = [h[:, u] for u in range(h.shape[-1])]\n"
            "    g = np.stack([tape.gradient(p, x).numpy()[0] for p in parts])\n"
            "    return np.sqrt((g ** 2).sum(axis=(0, 2)))\n",
        },
        "q4_adaptive_clip": {
            "global-norm clipping": "def adaptive_clip(grads, weights, clip, eps=1e-3):\n"
            "    total = np.sqrt(sum(np.sum(np.square(g)) for g in grads))\n"
            "    return [np.asarray(g, float) * min(1.0, clip / total) for g in grads]\n",
            "limit divided by the weight norm": "def adaptive_clip(grads, weights, clip, eps=1e-3):\n    out = []\n"
            "    for g, w in zip(grads, weights):\n        limit = clip / max(np.linalg.norm(w), eps)\n"
            "        n = np.linalg.norm(g)\n        out.append(g * limit / n if n > limit else g)\n    return out\n",
        },
    },
    "02b_backprop_through_time": {
        "q1_relu_step_backward": {
            "da @ W_h without the transpose": "GIVEN\ndef relu_step_backward(dh, cache):\n"
            "    x_t, h_prev, W_x, W_h, a = cache\n    da = dh * (a > 0)\n"
            "    return da @ W_x.T, dh + da @ W_h, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
            "direct path forgotten (the plain ReLU cell)": "GIVEN\ndef relu_step_backward(dh, cache):\n"
            "    x_t, h_prev, W_x, W_h, a = cache\n    da = dh * (a > 0)\n"
            "    return da @ W_x.T, da @ W_h.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
            "tanh' instead of ReLU'": "GIVEN\ndef relu_step_backward(dh, cache):\n"
            "    x_t, h_prev, W_x, W_h, a = cache\n    da = dh * (1 - np.tanh(a) ** 2)\n"
            "    return da @ W_x.T, dh + da @ W_h.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
            "dW_h from h_t instead of h_prev": "GIVEN\ndef relu_step_backward(dh, cache):\n"
            "    x_t, h_prev, W_x, W_h, a = cache\n    da = dh * (a > 0)\n"
            "    return da @ W_x.T, dh + da @ W_h.T, x_t.T @ da, (h_prev + np.maximum(0, a)).T @ da, da.sum(axis=0)\n",
            "db not summed over the batch": "GIVEN\ndef relu_step_backward(dh, cache):\n"
            "    x_t, h_prev, W_x, W_h, a = cache\n    da = dh * (a > 0)\n"
            "    return da @ W_x.T, dh + da @ W_h.T, x_t.T @ da, h_prev.T @ da, da\n",
        },
        "q2_gradient_check": {
            "returns 0 (checks nothing)": "def gradient_check(forward, backward, params, seed=0, eps=1e-6):\n"
            "    return 0.0\n",
        },
        "q3_decay_per_step": {
            "rho * (1 - h_abs) without the square": "def decay_per_step(rho, h_abs):\n    return rho * (1 - h_abs)\n\n\n"
            "def steps_until(rho, h_abs, threshold=1e-3):\n    f, n = decay_per_step(rho, h_abs), 1\n"
            "    while f**n >= threshold:\n        n += 1\n    return n\n",
        },
        "q4_cifg_step_backward": {
            "cell-state gradient without the path through h": "GIVEN\ndef cifg_step_backward(dh, dc, cache):\n"
            "    x_t, h_prev, c_prev, kernel, recurrent_kernel, f, g, o, c = cache\n    t = np.tanh(c)\n"
            "    dct = dc\n    dz = np.concatenate([dct * (c_prev - g) * f * (1 - f), dct * (1 - f) * (1 - g**2),\n"
            "                         dh * t * o * (1 - o)], axis=-1)\n"
            "    return dz @ kernel.T, dz @ recurrent_kernel.T, dct * f, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)\n",
            "forget gate as in the four-gate LSTM (coupling forgotten)": "GIVEN\ndef cifg_step_backward(dh, dc, cache):\n"
            "    x_t, h_prev, c_prev, kernel, recurrent_kernel, f, g, o, c = cache\n    t = np.tanh(c)\n"
            "    dct = dc + dh * o * (1 - t**2)\n"
            "    dz = np.concatenate([dct * c_prev * f * (1 - f), dct * (1 - f) * (1 - g**2),\n"
            "                         dh * t * o * (1 - o)], axis=-1)\n"
            "    return dz @ kernel.T, dz @ recurrent_kernel.T, dct * f, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)\n",
        },
    },
    "03_lstm_gates": {
        "q1_nog_lstm_step": {
            "blocks read as f, i, c": "def nog_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
            "    zf, zi, zc = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 3, axis=-1)\n"
            "    s = lambda v: 1 / (1 + np.exp(-v))\n    c = s(zf) * c_prev + s(zi) * np.tanh(zc)\n"
            "    return np.tanh(c), c\n",
            "sigmoid candidate": "def nog_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
            "    zi, zf, zc = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 3, axis=-1)\n"
            "    s = lambda v: 1 / (1 + np.exp(-v))\n    c = s(zf) * c_prev + s(zi) * s(zc)\n"
            "    return np.tanh(c), c\n",
            "h = c (no tanh)": "def nog_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
            "    zi, zf, zc = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 3, axis=-1)\n"
            "    s = lambda v: 1 / (1 + np.exp(-v))\n    c = s(zf) * c_prev + s(zi) * np.tanh(zc)\n    return c, c\n",
        },
        "q2_nog_lstm_params": {
            "biases forgotten": "def nog_lstm_params(units, features):\n    return 3 * units * (units + features) + 2 * units\n",
            "four blocks": "def nog_lstm_params(units, features):\n"
            "    return 4 * (units * (units + features) + units) + 2 * units\n",
            "peepholes forgotten": "def nog_lstm_params(units, features):\n"
            "    return 3 * (units * (units + features) + units)\n",
            "peepholes as full matrices": "def nog_lstm_params(units, features):\n"
            "    return 3 * (units * (units + features) + units) + 2 * units * units\n",
            "three peepholes (o's kept)": "def nog_lstm_params(units, features):\n"
            "    return 3 * (units * (units + features) + units) + 3 * units\n",
        },
        "q3_stuck_forget_gate": {
            "write scaled by 1 - f": "def cell_states(c0, writes, f):\n    out, c = [], c0\n    for w in writes:\n"
            "        c = f * c + (1 - f) * w\n        out.append(c)\n    return np.array(out)\n\n\n"
            "stuck_at_zero = 'b'\nstuck_at_one = 'a'\n",
            "c0 included": "def cell_states(c0, writes, f):\n    out, c = [c0], c0\n    for w in writes:\n"
            "        c = f * c + w\n        out.append(c)\n    return np.array(out)\n\n\n"
            "stuck_at_zero = 'b'\nstuck_at_one = 'a'\n",
            "letters as sentences": "def cell_states(c0, writes, f):\n    out, c = [], c0\n    for w in writes:\n"
            "        c = f * c + w\n        out.append(c)\n    return np.array(out)\n\n\n"
            "stuck_at_zero = 'option b'\nstuck_at_one = 'option a'\n",
        },
    },
}

_ENV: dict[str, dict] = {}


def env(stem: str) -> dict:
    """The trusted namespace of a master, built once per session."""
    if stem not in _ENV:
        _ENV[stem] = support.base_namespace(support.master(stem))
    return _ENV[stem]


def expand(stem: str, question: str, source: str) -> str:
    """Fill the placeholders GIVEN (the question's given code) and MASTER_TINY_RNN (02 q3's first function)."""
    if "GIVEN" in source:
        answer = re.search(r"def (\w+)\(", source.split("GIVEN", 1)[1]).group(1)
        source = source.replace("GIVEN\n", given(stem, question, answer))
    if "MASTER_TINY_RNN" in source:
        master_src = support.questions(support.master(stem))[question]["answers"][0]
        tiny = master_src.split("\n\n\ndef step_gradient_norms")[0]
        source = source.replace("MASTER_TINY_RNN\n", tiny + "\n\n\n")
    return source


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_masters_pass_every_case(stem):
    nb = support.master(stem)
    for question, entry in support.questions(nb).items():
        results = support.run_cases(env(stem), entry["answers"], entry["cases"])
        assert all(passed for _, passed, _ in results), (question, results)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_lazy_answers_score_at_most_the_public_share(stem):
    nb = support.master(stem)
    qs = support.questions(nb)
    points = grading.question_points(support.ROOT / "notebooks" / f"{stem}.ipynb")
    worst = {}
    for question, sources in LAZY.get(stem, {}).items():
        for source in sources:
            results = support.run_cases(
                env(stem), [expand(stem, question, source)], qs[question]["cases"]
            )
            share = support.score(results)
            assert share <= LAZY_LIMIT + 1e-9, (question, share, source, results)
            worst[question] = max(worst.get(question, 0.0), share)
    lazy_total = sum(points[q] * worst.get(q, 0.0) for q in points)
    print(f"{stem}: lazy answers score {lazy_total:.2f} of {sum(points.values()):.2f} points")
    assert lazy_total <= 0.15 * sum(points.values())


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_each_listed_mistake_fails_a_public_case_with_an_expected_message(stem):
    qs = support.questions(support.master(stem))
    for question, mistakes in MISTAKES[stem].items():
        for label, source in mistakes.items():
            messages = support.public_messages(
                env(stem), [expand(stem, question, source)], qs[question]["cases"]
            )
            assert messages, f"{stem} {question}: the mistake '{label}' passes every public case"
            assert any("expected" in m for m in messages), (question, label, messages)


def test_formats_of_03_q3_are_normalised_and_scored_apart():
    stem, question = "03_lstm_gates", "q3_stuck_forget_gate"
    cases = support.questions(support.master(stem))[question]["cases"]
    body = MISTAKES[stem][question]["letters as sentences"].split("stuck_at_zero")[0]
    upper = support.run_cases(
        env(stem), [body + "stuck_at_zero = '(B)'\nstuck_at_one = ' A '\n"], cases
    )
    assert support.score(upper) == 1.0, upper
    swapped = support.run_cases(
        env(stem), [body + "stuck_at_zero = 'a'\nstuck_at_one = 'b'\n"], cases
    )
    # the letters cost their own case, not the function's
    assert 0.5 < support.score(swapped) < 1.0, swapped


def test_02b_q3_and_02_q1_hidden_cases_probe_the_strict_boundary():
    non_strict_02b = (
        "def decay_per_step(rho, h_abs):\n    return rho * (1 - h_abs**2)\n\n\n"
        "def steps_until(rho, h_abs, threshold=1e-3):\n    f = decay_per_step(rho, h_abs)\n"
        "    if f >= 1:\n        raise ValueError('never')\n"
        "    return max(1, int(np.ceil(np.log(threshold) / np.log(f))))\n"
    )
    stem = "02b_backprop_through_time"
    cases = support.questions(support.master(stem))["q3_decay_per_step"]["cases"]
    results = support.run_cases(env(stem), [non_strict_02b], cases)
    assert all(p for h, p, _ in results if not h) and not all(p for h, p, _ in results if h), (
        results
    )
    non_strict_02 = (
        "def steps_to_vanish(w, threshold):\n    if abs(w) >= 1:\n        raise ValueError('never')\n"
        "    n = 1\n    while abs(w) ** n > threshold:\n        n += 1\n    return n\n"
    )
    stem = "02_vanishing_exploding_gradients"
    cases = support.questions(support.master(stem))["q1_steps_to_vanish"]["cases"]
    results = support.run_cases(env(stem), [non_strict_02], cases)
    assert all(p for h, p, _ in results if not h) and not all(p for h, p, _ in results if h), (
        results
    )


def _shell_run(shell, source: str):
    result = shell.run_cell(source, store_history=True)
    if result.error_before_exec or result.error_in_exec:
        raise RuntimeError(
            f"cell failed: {result.error_before_exec or result.error_in_exec}\n{source[:300]}"
        )
    return result.result


def test_self_check_fails_lesson_names_and_works_in_a_renamed_copy(tmp_path, monkeypatch):
    """IPython runs a lesson cell, the otter set-up cell and answers, in a folder holding 'Copy of 01_....ipynb'."""
    from IPython.core.interactiveshell import InteractiveShell

    from tools.authoring import student

    stem = "01_rnn_unrolling"
    out = tmp_path / "build"
    student.build_one(support.ROOT / "notebooks" / f"{stem}.ipynb", out / "student", out / "dist")
    nb = nbformat.read(out / "student" / f"{stem}.ipynb", as_version=4)
    work = tmp_path / "work"
    shutil.copytree(out / "student" / "tests" / stem, work / "tests" / stem)
    # Colab's Drive copy: the original name is gone
    nbformat.write(nb, work / f"Copy of {stem}.ipynb")
    monkeypatch.chdir(work)
    lesson = next(
        c.source for c in nb.cells if c.cell_type == "code" and "def rnn_cell_step" in c.source
    )
    init = next(c.source for c in nb.cells if student.INIT_TAG in c.metadata.get("tags", []))
    shell = InteractiveShell.instance()
    try:
        _shell_run(
            shell,
            f"import sys\nimport numpy as np\nimport keras\nfrom pathlib import Path\n"
            f"ROOT = Path({str(support.ROOT)!r})\nsys.path.insert(0, str(ROOT))",
        )
        _shell_run(shell, lesson)
        _shell_run(shell, "units = 16  # a lesson value")
        _shell_run(shell, init)
        _shell_run(
            shell,
            "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return (1 - alpha) * h_prev + alpha * rnn_cell_step(x_t, h_prev, W_x, W_h, b)",
        )
        failed = repr(_shell_run(shell, 'grader.check("q2_rnn_step")'))
        assert "FAILED" in failed and "rnn_cell_step" in failed and "lesson cell" in failed, failed
        # reads the lesson's units
        _shell_run(shell, "def param_count(u, d):\n    return units * d + 2 * units")
        failed = repr(_shell_run(shell, 'grader.check("q1_param_count")'))
        assert "FAILED" in failed and "`units`" in failed, failed
        _shell_run(shell, "units = 16  # the same value, bound again in an exercise cell")
        rebound = repr(_shell_run(shell, 'grader.check("q1_param_count")'))
        assert "lesson cell" not in rebound, rebound
        _shell_run(shell, "param_count = simple_rnn_param_count = lambda u, d: u * d + 2 * u")
        assert "passed" in repr(_shell_run(shell, 'grader.check("q1_param_count")')).lower()
        _shell_run(
            shell,
            "def rnn_cell_step(x_t, h_prev, W_x, W_h, b):\n    return np.tanh(x_t @ W_x + h_prev @ W_h + b)",
        )  # redefined in an exercise cell
        passed = repr(_shell_run(shell, 'grader.check("q2_rnn_step")'))
        assert "passed" in passed.lower() and "FAILED" not in passed, passed
        _shell_run(
            shell,
            "def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):\n"
            "    return np.tanh(x_t @ W_x + h_prev @ W_h + b)",
        )  # wrong, but only its tests say so
        wrong = repr(_shell_run(shell, 'grader.check("q2_rnn_step")'))
        assert "expected" in wrong and "lesson cell" not in wrong, wrong
    finally:
        InteractiveShell.clear_instance()
        os.chdir(support.ROOT)


def test_02b_lazy_answers_through_the_real_grader(tmp_path):
    """One grading call (sandbox, proxies, wire): 02b's lazy answers, where q2's hidden cases hand the student's
    gradient check course functions and parameter dictionaries across the wire."""
    from grading_support import built, grade

    stem = "02b_backprop_through_time"
    student_dir, dist = built()
    blank = nbformat.read(student_dir / f"{stem}.ipynb", as_version=4)

    def submission(name: str, replacements: dict[str, str]):
        nb = nbformat.from_dict(blank)
        for cell in nb.cells:
            for marker, (question, source) in replacements.items():
                if (
                    cell.cell_type == "code"
                    and f"def {marker}(" in cell.source
                    and "grader" not in cell.source
                ):
                    cell.source = expand(stem, question, source)
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        return path

    lazy = LAZY[stem]
    subs = [
        submission(
            "course_functions",
            {
                "relu_step_backward": ("q1_relu_step_backward", lazy["q1_relu_step_backward"][0]),
                "gradient_check": ("q2_gradient_check", lazy["q2_gradient_check"][0]),
                "cifg_step_backward": ("q4_cifg_step_backward", lazy["q4_cifg_step_backward"][0]),
            },
        ),
        submission(
            "lesson_functions",
            {"gradient_check": ("q2_gradient_check", lazy["q2_gradient_check"][1])},
        ),
    ]
    rows = grade(tmp_path, dist, stem, subs)
    points = grading.question_points(support.ROOT / "notebooks" / f"{stem}.ipynb")
    for name, row in rows.items():
        print(name, {q: row[q] for q in points}, row["total"], row["status"][:200])
        for question, full in points.items():
            assert float(row[question]) <= LAZY_LIMIT * full + 1e-9, (name, question, row)


def test_set_up_cell_explains_a_failed_download_and_a_missing_selfcheck(
    tmp_path, monkeypatch, capsys
):
    """The otter set-up cell: no local tests and no network gives one sentence; no utils.selfcheck says what it costs."""
    import sys

    from tools.authoring import student

    stem = "01_rnn_unrolling"
    nb = support.master(stem)
    questions = student.question_names(nb)
    init = student.init_cell_source(stem, questions, "http://127.0.0.1:9/none", nb)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNN_COURSE_TESTS_URL", raising=False)
    with pytest.raises(
        RuntimeError, match=r"could not download the public tests from http://127\.0\.0\.1:9/none"
    ):
        exec(compile(init, "<init>", "exec"), {"ROOT": tmp_path})
    # now the tests are next to the notebook, and utils.selfcheck cannot be imported
    for q in questions:
        (tmp_path / "tests" / stem / f"{q}.py").write_text(
            "OK_FORMAT = False\ntest = {'name': '" + q + "'}\n"
        )
    monkeypatch.setitem(sys.modules, "utils.selfcheck", None)
    exec(compile(init, "<init>", "exec"), {"ROOT": tmp_path})
    assert "may pass here and score 0 in grading" in capsys.readouterr().out
