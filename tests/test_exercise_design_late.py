"""Exercise design of notebooks 04-08, 06b included (issue 24; 08: issue 28): a lazy answer that calls the course's own implementation earns
at most the public share, and each plausible mistake fails a public case.

Cheap checks run each question's cases in a namespace built like the grader's trusted side (the master's set-up,
imports and parameters cells, then the exercise cells of no question), with the answer cell replaced, no sandbox:
- the master's answer passes every public and hidden case;
- each listed mistake fails at least one public case (and each public case it fails says expected / got);
- each lazy answer fails every hidden case, so it scores at most the public share.
One grading call per notebook (the real grader, sandbox and all) then confirms the lazy answers' scores.
"""

from __future__ import annotations

import ast
import copy
import functools
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "04": "04_gru_gates",
    "05": "05_long_dependencies",
    "06": "06_weather_forecast_lab",
    "06b": "06b_weather_extensions",
    "07": "07_text_language_model",
    "08": "08_seq2seq_attention",
}
#: cases that train models under the grading budget (minutes on a shared CPU): left to the grading test
SLOW = {("06", "q5_build_my_model", "hidden")}


@functools.cache
def _parsed(nb_id: str) -> tuple[list[str], dict[str, dict]]:
    """(context cell sources, {question: {"answer": [...], "public": [...], "hidden": [...], "points": p}})."""
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOKS[nb_id]}.ipynb", as_version=4)
    context, questions, current, in_tests, exercises, imports_next = (
        [],
        {},
        None,
        False,
        False,
        False,
    )
    for cell in nb.cells:
        first = cell.source.strip().split("\n", 1)[0].strip()
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises"):
            exercises = True
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Summary"):
            exercises = False
        if cell.cell_type == "raw" and first == "# BEGIN QUESTION":
            config = yaml.safe_load(cell.source.strip().split("\n", 1)[1])
            current = config["name"]
            questions[current] = {
                "answer": [],
                "public": [],
                "hidden": [],
                "points": config["points"],
            }
        elif cell.cell_type == "raw" and first == "# END QUESTION":
            current = None
        elif cell.cell_type == "raw" and first in ("# BEGIN TESTS", "# END TESTS"):
            in_tests = first == "# BEGIN TESTS"
        if cell.cell_type != "code":
            continue
        if tags & {"setup", "parameters"} or imports_next:
            context.append(cell.source)
            imports_next = "setup" in tags
        elif exercises and current is None:
            context.append(cell.source)
        elif current is not None:
            kind = ("hidden" if first == "# HIDDEN" else "public") if in_tests else "answer"
            questions[current][kind].append(cell.source)
    return context, questions


@functools.cache
def _base(nb_id: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    for source in _parsed(nb_id)[0]:
        exec(compile(source, f"<{nb_id} context>", "exec"), namespace)
    return namespace


def _outcomes(nb_id: str, question: str, answer: str | None, kind: str) -> list[str | None]:
    """For each case of ``kind``: None if it passed, else the error it raised (type and message)."""
    cases = _parsed(nb_id)[1][question]
    results = []
    for case in cases[kind]:
        namespace = dict(_base(nb_id))
        exec(
            compile(
                answer if answer is not None else "\n".join(cases["answer"]), "<answer>", "exec"
            ),
            namespace,
        )
        try:
            exec(compile(case, f"<{question} {kind}>", "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - any failure of a case is a failed case
            results.append(f"{type(error).__name__}: {error}")
        else:
            results.append(None)
    return results


def _question_points(nb_id: str) -> dict[str, float]:
    return {name: float(q["points"]) for name, q in _parsed(nb_id)[1].items()}


# --------------------------------------------------------------------------------------------- answers
#: (notebook, question, what the student did, answer cell source): the lazy answers of issue 24, adapted to the
#: signatures of today's questions, and the other routes to the course's implementation
LAZY = [
    (
        "04",
        "q1_gru_step",
        "cells.gru_step on the transposed PyTorch weights",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return cells.gru_step(x_t, h_prev, weight_ih.T, weight_hh.T, np.stack([bias_ih, bias_hh])).h
""",
    ),
    (
        "04",
        "q2_gru_params",
        "cells.gru_param_count",
        """
def gru_params(units, features, reset_after=True, use_bias=True):
    return cells.gru_param_count(units, features, reset_after)
""",
    ),
    (
        "04",
        "q2_gru_params",
        "a built Keras GRU's count_params()",
        """
def gru_params(units, features, reset_after=True, use_bias=True):
    layer = keras.layers.GRU(units, reset_after=reset_after, use_bias=use_bias)
    layer.build((None, None, features))
    return layer.count_params()
""",
    ),
    (
        "04",
        "q3_update_gate",
        "the lesson's z_init ** (SEQ_LEN - 1)",
        """
def kept_fraction(z, mirror=False):
    return float(cells.sigmoid(0.0)) ** (SEQ_LEN - 1)
""",
    ),
    (
        "05",
        "q1_adding_generator",
        "utils.tasks.adding_problem",
        """
def make_adding(n, T, k, seed):
    return adding_problem(n, T, seed=seed)
""",
    ),
    (
        "05",
        "q3_reach",
        "utils.long_deps.reach on a table of the runs",
        """
def reach(solved_by_T, min_share):
    rows = [{"cell": "c", "T": t, "seed": i, "solved": s} for t, runs in solved_by_T.items() for i, s in enumerate(runs)]
    return cell_reach(pd.DataFrame(rows), "c")
""",
    ),
    (
        "05",
        "q4_chrono_bias",
        "utils.init.chrono_bias",
        """
def chrono_gru_bias(units, t_max, seed):
    return chrono_bias(units, t_max, seed)
""",
    ),
    (
        "06",
        "q1_persistence_mae",
        "mae(*persistence_forecast(...))",
        """
def persistence_mae(temps, sequence_length, horizon):
    return mae(*persistence_forecast(temps, sequence_length, horizon))
""",
    ),
    (
        "06",
        "q2_chronological_split",
        "chronological_split",
        """
def split_in_time(df, train=0.5, val=0.25, gap=0):
    return chronological_split(df, (train, val, 1 - train - val))
""",
    ),
    (
        "06",
        "q3_normalise_with_train",
        "normalize(...)[0]",
        """
def normalise_with_train(train_df, *others):
    return normalize(train_df, *others)[0]
""",
    ),
    (
        "06",
        "q4_wind_vector",
        "utils.forecast.wind_vector",
        """
def wind_xy(speed, from_deg):
    from utils.forecast import wind_vector

    return wind_vector(speed, from_deg)
""",
    ),
    (
        "06b",
        "q1_same_hour_mean",
        "multistep_baseline's repeat_last_day (one day only)",
        """
def same_hour_mean(temps, sequence_length, steps, days):
    return multistep_baseline(temps, sequence_length, steps, "repeat_last_day")[0]
""",
    ),
    (
        "06",
        "q5_build_my_model",
        "utils.forecast_grading.reference_gru recompiled on the MAE",
        """
def build_my_model(n_features):
    from utils.forecast_grading import reference_gru

    model = reference_gru(n_features)
    model.compile(keras.optimizers.Adam(1e-3), loss="mae")
    return model
""",
    ),
    (
        "06",
        "q5_build_my_model",
        "the plain GRU's two layers rebuilt on keras.Input((None, n))",
        """
def build_my_model(n_features):
    inputs = keras.Input((None, n_features))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(16)(inputs)))
""",
    ),
    (
        "07",
        "q2_temperature_sample",
        "utils.text.sample_with_temperature",
        """
def sample_next(logits, temperature, seed, top_k=None):
    from utils.text import sample_with_temperature

    return sample_with_temperature(logits, temperature, np.random.default_rng(seed))
""",
    ),
    (
        "07",
        "q3_perplexity",
        "nats_to_bits and perplexity (imported by the notebook) on the input",
        """
def loss_report(p_true):
    return p_true, nats_to_bits(p_true), perplexity(p_true)
""",
    ),
    (
        "08",
        "q1_luong_attention",
        "keras.layers.Attention in float32",
        """
def luong_attention(s, H, mask):
    c, a = keras.layers.Attention()(
        [np.asarray(s, "float32")[None, None], np.asarray(H, "float32")[None]],
        mask=[None, np.asarray(mask, bool)[None]], return_attention_scores=True)
    return np.asarray(a)[0, 0], np.asarray(c)[0, 0]
""",
    ),
    (
        "08",
        "q3_padded_scores",
        "S.exact_match and S.char_accuracy on the rows without their zeros",
        """
def padded_scores(predicted, target):
    text = lambda row: "".join(chr(65 + int(i)) for i in row if i != 0)
    p, t = [text(r) for r in predicted], [text(r) for r in target]
    return S.exact_match(p, t), S.char_accuracy(p, t)
""",
    ),
]

#: (notebook, question, the mistake, answer cell source): each must fail a public case
MISTAKES = [
    (
        "04",
        "q1_gru_step",
        "the mirror mix (1 - z) h + z h~",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    xr, xz, xn = np.split(x_t @ weight_ih.T + bias_ih, 3, axis=-1)
    hr, hz, hn = np.split(h_prev @ weight_hh.T + bias_hh, 3, axis=-1)
    r, z = cells.sigmoid(xr + hr), cells.sigmoid(xz + hz)
    return (1 - z) * h_prev + z * np.tanh(xn + r * hn)
""",
    ),
    (
        "04",
        "q1_gru_step",
        "Keras's gate order z, r",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    xz, xr, xn = np.split(x_t @ weight_ih.T + bias_ih, 3, axis=-1)
    hz, hr, hn = np.split(h_prev @ weight_hh.T + bias_hh, 3, axis=-1)
    r, z = cells.sigmoid(xr + hr), cells.sigmoid(xz + hz)
    return z * h_prev + (1 - z) * np.tanh(xn + r * hn)
""",
    ),
    (
        "04",
        "q1_gru_step",
        "the reset_after=False candidate (reset, then multiply)",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    u = h_prev.shape[-1]
    xr, xz, xn = np.split(x_t @ weight_ih.T + bias_ih, 3, axis=-1)
    hr, hz, _ = np.split(h_prev @ weight_hh.T + bias_hh, 3, axis=-1)
    r, z = cells.sigmoid(xr + hr), cells.sigmoid(xz + hz)
    return z * h_prev + (1 - z) * np.tanh(xn + (r * h_prev) @ weight_hh[2 * u :].T + bias_hh[2 * u :])
""",
    ),
    (
        "04",
        "q1_gru_step",
        "no transpose",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    xr, xz, xn = np.split(x_t @ weight_ih + bias_ih, 3, axis=-1)
    hr, hz, hn = np.split(h_prev @ weight_hh + bias_hh, 3, axis=-1)
    r, z = cells.sigmoid(xr + hr), cells.sigmoid(xz + hz)
    return z * h_prev + (1 - z) * np.tanh(xn + r * hn)
""",
    ),
    (
        "04",
        "q2_gru_params",
        "the second bias row forgotten",
        """
def gru_params(units, features, reset_after=True, use_bias=True):
    return 3 * (units * (units + features) + units) if use_bias else 3 * units * (units + features)
""",
    ),
    (
        "04",
        "q2_gru_params",
        "biases counted without use_bias",
        """
def gru_params(units, features, reset_after=True, use_bias=True):
    return 3 * (units * (units + features) + units) + (3 * units if reset_after else 0)
""",
    ),
    (
        "04",
        "q3_update_gate",
        "(1 - z) kept in Keras's form",
        """
def kept_fraction(z, mirror=False):
    z = np.asarray(z)
    return np.prod(z if mirror else 1 - z, axis=0)
""",
    ),
    (
        "04",
        "q3_update_gate",
        "one gate value to the power T",
        """
def kept_fraction(z, mirror=False):
    z = np.asarray(z)
    return (1 - z[0] if mirror else z[0]) ** len(z)
""",
    ),
    (
        "04",
        "q3_update_gate",
        "the product over units instead of steps",
        """
def kept_fraction(z, mirror=False):
    z = np.asarray(z)
    return np.prod(1 - z if mirror else z, axis=1)
""",
    ),
    (
        "05",
        "q1_adding_generator",
        "markers that may coincide",
        """
def make_adding(n, T, k, seed):
    rng = np.random.default_rng(seed)
    values = rng.random((n, T)).astype("float32")
    markers = np.zeros((n, T), dtype="float32")
    markers[np.arange(n)[:, None], rng.integers(0, T, size=(n, k))] = 1.0
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=1, keepdims=True)
""",
    ),
    (
        "05",
        "q1_adding_generator",
        "float64",
        """
def make_adding(n, T, k, seed):
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    markers = np.zeros((n, T))
    np.put_along_axis(markers, np.argsort(rng.random((n, T)), axis=1)[:, :k], 1.0, axis=1)
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=1, keepdims=True)
""",
    ),
    (
        "05",
        "q2_chance_mse",
        "(b - a) / 6: the width, not its square",
        """
def chance_mse_uniform(a, b):
    return (b - a) / 6
""",
    ),
    (
        "05",
        "q2_chance_mse",
        "(b² - a²) / 6: E[x²] differences, not the variance",
        """
def chance_mse_uniform(a, b):
    return (b**2 - a**2) / 6
""",
    ),
    (
        "05",
        "q3_reach",
        "the largest T that passes, ignoring a shorter T that fails",
        """
def reach(solved_by_T, min_share):
    passing = [t for t in solved_by_T if np.mean(solved_by_T[t]) >= min_share]
    return max(passing) if passing else None
""",
    ),
    (
        "05",
        "q3_reach",
        "keys not sorted",
        """
def reach(solved_by_T, min_share):
    best = None
    for t, oks in solved_by_T.items():
        if np.mean(oks) >= min_share:
            best = t
        else:
            break
    return best
""",
    ),
    (
        "05",
        "q3_reach",
        "strictly more than min_share",
        """
def reach(solved_by_T, min_share):
    best = None
    for t in sorted(solved_by_T):
        if np.mean(solved_by_T[t]) > min_share:
            best = t
        else:
            break
    return best
""",
    ),
    (
        "05",
        "q4_chrono_bias",
        "float64",
        """
def chrono_gru_bias(units, t_max, seed):
    bias = np.zeros((2, 3 * units))
    bias[0, :units] = np.log(np.random.default_rng(seed).uniform(1, t_max - 1, size=units))
    return bias
""",
    ),
    (
        "05",
        "q4_chrono_bias",
        "the mirror form's sign, -log u",
        """
def chrono_gru_bias(units, t_max, seed):
    bias = np.zeros((2, 3 * units), "float32")
    bias[0, :units] = -np.log(np.random.default_rng(seed).uniform(1, t_max - 1, size=units))
    return bias
""",
    ),
    (
        "05",
        "q4_chrono_bias",
        "the LSTM's b_i = -b_f copied into the reset gate",
        """
def chrono_gru_bias(units, t_max, seed):
    b = np.log(np.random.default_rng(seed).uniform(1, t_max - 1, size=units))
    bias = np.zeros((2, 3 * units), "float32")
    bias[0, :units], bias[0, units : 2 * units] = b, -b
    return bias
""",
    ),
    (
        "05",
        "q5_plateau_exit",
        "the first dip below the level",
        """
def plateau_exit(updates, losses, level):
    below = [u for u, loss in zip(updates, losses) if loss < level]
    return below[0] if below and losses[-1] < level else None
""",
    ),
    (
        "06",
        "q1_persistence_mae",
        "MSE instead of MAE",
        """
def persistence_mae(temps, sequence_length, horizon):
    temps = np.asarray(temps, dtype="float64")
    last, target = temps[sequence_length - 1 : len(temps) - horizon], temps[sequence_length - 1 + horizon :]
    known = ~(np.isnan(last) | np.isnan(target))
    return float(np.mean((target[known] - last[known]) ** 2))
""",
    ),
    (
        "06",
        "q1_persistence_mae",
        "missing readings kept",
        """
def persistence_mae(temps, sequence_length, horizon):
    temps = np.asarray(temps, dtype="float64")
    return float(np.mean(np.abs(temps[sequence_length - 1 + horizon :] - temps[sequence_length - 1 : len(temps) - horizon])))
""",
    ),
    (
        "06",
        "q2_chronological_split",
        "shuffled before splitting",
        """
def split_in_time(df, train=0.5, val=0.25, gap=0):
    df = df.sample(frac=1.0, random_state=0)
    n_train, n_val = int(len(df) * train), int(len(df) * val)
    return df.iloc[:n_train], df.iloc[n_train + gap : n_train + gap + n_val], df.iloc[n_train + n_val + 2 * gap :]
""",
    ),
    (
        "06",
        "q2_chronological_split",
        "the gap ignored",
        """
def split_in_time(df, train=0.5, val=0.25, gap=0):
    n_train, n_val = int(len(df) * train), int(len(df) * val)
    return df.iloc[:n_train], df.iloc[n_train : n_train + n_val], df.iloc[n_train + n_val :]
""",
    ),
    (
        "06",
        "q3_normalise_with_train",
        "each frame with its own statistics",
        """
def normalise_with_train(train_df, *others):
    return [(f - f.median()) / (f.quantile(0.75) - f.quantile(0.25)) for f in (train_df, *others)]
""",
    ),
    (
        "06",
        "q3_normalise_with_train",
        "mean and standard deviation",
        """
def normalise_with_train(train_df, *others):
    return [(f - train_df.mean()) / train_df.std() for f in (train_df, *others)]
""",
    ),
    (
        "06",
        "q4_wind_vector",
        "degrees passed to sin and cos",
        """
def wind_xy(speed, from_deg):
    return -speed * np.sin(from_deg), -speed * np.cos(from_deg)
""",
    ),
    (
        "06",
        "q4_wind_vector",
        "the mathematician's angle (cos, sin)",
        """
def wind_xy(speed, from_deg):
    rad = np.deg2rad(from_deg)
    return speed * np.cos(rad), speed * np.sin(rad)
""",
    ),
    (
        "06",
        "q4_wind_vector",
        "where the wind comes from, not where it goes",
        """
def wind_xy(speed, from_deg):
    rad = np.deg2rad(from_deg)
    return speed * np.sin(rad), speed * np.cos(rad)
""",
    ),
    (
        "06b",
        "q1_same_hour_mean",
        "the target's own hour averaged in (days 0 .. days-1)",
        """
def same_hour_mean(temps, sequence_length, steps, days):
    temps = np.asarray(temps, dtype="float64")
    last = np.arange(len(temps) - sequence_length - steps + 1) + sequence_length - 1
    back = 24 * np.arange(days)
    return temps[last[:, None, None] + np.arange(1, steps + 1)[None, :, None] - back[None, None, :]].mean(axis=2)
""",
    ),
    (
        "06b",
        "q1_same_hour_mean",
        "yesterday only (days ignored)",
        """
def same_hour_mean(temps, sequence_length, steps, days):
    temps = np.asarray(temps, dtype="float64")
    last = np.arange(len(temps) - sequence_length - steps + 1) + sequence_length - 1
    return temps[last[:, None] + np.arange(1, steps + 1)[None, :] - 24]
""",
    ),
    (
        "06b",
        "q1_same_hour_mean",
        "one hour early (lead k read as k - 1)",
        """
def same_hour_mean(temps, sequence_length, steps, days):
    temps = np.asarray(temps, dtype="float64")
    last = np.arange(len(temps) - sequence_length - steps + 1) + sequence_length - 1
    back = 24 * np.arange(1, days + 1)
    return temps[last[:, None, None] + np.arange(steps)[None, :, None] - back[None, None, :]].mean(axis=2)
""",
    ),
    (
        "06b",
        "q1_same_hour_mean",
        "one window too few",
        """
def same_hour_mean(temps, sequence_length, steps, days):
    temps = np.asarray(temps, dtype="float64")
    last = np.arange(len(temps) - sequence_length - steps) + sequence_length - 1
    back = 24 * np.arange(1, days + 1)
    return temps[last[:, None, None] + np.arange(1, steps + 1)[None, :, None] - back[None, None, :]].mean(axis=2)
""",
    ),
    (
        "06b",
        "q2_blend_weight",
        "the MSE instead of the MAE",
        """
def blend_weight(pred_a, pred_b, truth, weights):
    a, b, y = (np.asarray(v, dtype="float64") for v in (pred_a, pred_b, truth))
    return float(weights[int(np.argmin([np.mean((w * a + (1 - w) * b - y) ** 2) for w in weights]))])
""",
    ),
    (
        "06b",
        "q2_blend_weight",
        "the weight put on pred_b",
        """
def blend_weight(pred_a, pred_b, truth, weights):
    a, b, y = (np.asarray(v, dtype="float64") for v in (pred_a, pred_b, truth))
    return float(weights[int(np.argmin([np.mean(np.abs(w * b + (1 - w) * a - y)) for w in weights]))])
""",
    ),
    (
        "06",
        "q5_build_my_model",
        "return_sequences=True on the last GRU",
        """
def build_my_model(n_features):
    inputs = keras.Input((120, n_features))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(8, return_sequences=True)(inputs)))
""",
    ),
    (
        "06",
        "q5_build_my_model",
        "section 5.5's Lambda",
        """
def build_my_model(n_features):
    inputs = keras.Input((120, n_features))
    last = keras.layers.Lambda(lambda w: w[:, -1, :1])(inputs)
    return keras.Model(inputs, keras.layers.Add()([last, keras.layers.Dense(1)(keras.layers.GRU(8)(inputs))]))
""",
    ),
    (
        "07",
        "q1_bigram_bits",
        "C(a) as the unigram count (the last training id included)",
        """
def bigram_bits(train_ids, test_ids, vocab_size):
    train_ids, test_ids = np.asarray(train_ids), np.asarray(test_ids)
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    unigram = np.bincount(train_ids, minlength=vocab_size)[:, None]
    return float(-np.log2(((counts + 1) / (unigram + vocab_size))[test_ids[:-1], test_ids[1:]]).mean())
""",
    ),
    (
        "08",
        "q1_luong_attention",
        "the padding mask ignored",
        """
def luong_attention(s, H, mask):
    e = np.asarray(H, float) @ np.asarray(s, float)
    a = np.exp(e - e.max())
    return a / a.sum(), a / a.sum() @ np.asarray(H, float)
""",
    ),
    (
        "08",
        "q1_luong_attention",
        "padding zeroed after the softmax, not renormalised",
        """
def luong_attention(s, H, mask):
    e = np.asarray(H, float) @ np.asarray(s, float)
    a = np.exp(e - e.max())
    a = np.where(mask, a / a.sum(), 0.0)
    return a, a @ np.asarray(H, float)
""",
    ),
    (
        "08",
        "q2_beam_step",
        "the beams' scores ignored",
        """
def beam_step(beams, log_probs, width):
    lp = np.asarray(log_probs, float)
    grown = [(float(lp[i, c]), tuple(ids) + (c,)) for i, (score, ids) in enumerate(beams) for c in range(lp.shape[1])]
    return sorted(grown, key=lambda b: -b[0])[:width]
""",
    ),
    (
        "08",
        "q2_beam_step",
        "only the best beam extended",
        """
def beam_step(beams, log_probs, width):
    lp = np.asarray(log_probs, float)
    i = int(np.argmax([b[0] for b in beams]))
    score, ids = beams[i]
    grown = [(float(score + lp[i, c]), tuple(ids) + (c,)) for c in range(lp.shape[1])]
    return sorted(grown, key=lambda b: -b[0])[:width]
""",
    ),
    (
        "08",
        "q2_beam_step",
        "sorted from the lowest score up",
        """
def beam_step(beams, log_probs, width):
    lp = np.asarray(log_probs, float)
    grown = [(float(score + lp[i, c]), tuple(ids) + (c,)) for i, (score, ids) in enumerate(beams)
             for c in range(lp.shape[1])]
    return sorted(grown, key=lambda b: -b[0])[:width][::-1]
""",
    ),
    (
        "08",
        "q3_padded_scores",
        "padding positions counted",
        """
def padded_scores(predicted, target):
    p, t = np.asarray(predicted), np.asarray(target)
    return float(np.mean((p == t).all(1))), float((p == t).mean())
""",
    ),
    (
        "08",
        "q3_padded_scores",
        "per-character accuracy averaged per row",
        """
def padded_scores(predicted, target):
    p, t = np.asarray(predicted), np.asarray(target)
    real = t != 0
    right = (p == t) & real
    return float(np.mean((right | ~real).all(1))), float(np.mean(right.sum(1) / real.sum(1)))
""",
    ),
    (
        "07",
        "q2_temperature_sample",
        "temperature ignored",
        """
def sample_next(logits, temperature, seed, top_k=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(z))
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    return int(np.random.default_rng(seed).choice(len(p), p=p / p.sum()))
""",
    ),
    (
        "07",
        "q2_temperature_sample",
        "logits multiplied by the temperature",
        """
def sample_next(logits, temperature, seed, top_k=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits * temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    return int(np.random.default_rng(seed).choice(len(p), p=p / p.sum()))
""",
    ),
    (
        "07",
        "q2_temperature_sample",
        "no max-subtraction before exp",
        """
def sample_next(logits, temperature, seed, top_k=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z)
    return int(np.random.default_rng(seed).choice(len(p), p=p / p.sum()))
""",
    ),
    (
        "07",
        "q2_temperature_sample",
        "top_k ignored",
        """
def sample_next(logits, temperature, seed, top_k=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits / temperature
    p = np.exp(z - z.max())
    return int(np.random.default_rng(seed).choice(len(p), p=p / p.sum()))
""",
    ),
    (
        "07",
        "q3_perplexity",
        "natural log for the bits",
        """
def loss_report(p_true):
    nats = float(-np.mean(np.log(p_true)))
    return nats, nats, float(np.exp(nats))
""",
    ),
    (
        "07",
        "q3_perplexity",
        "perplexity 2 ** nats",
        """
def loss_report(p_true):
    nats = float(-np.mean(np.log(p_true)))
    return nats, nats / np.log(2), 2**nats
""",
    ),
    (
        "07",
        "q3_perplexity",
        "perplexity as 1 / mean probability",
        """
def loss_report(p_true):
    nats = float(-np.mean(np.log(p_true)))
    return nats, nats / np.log(2), 1 / np.mean(p_true)
""",
    ),
]


def _ids(rows):
    return [f"{nb}-{q.split('_')[0]}-{what}" for nb, q, what, _ in rows]


@pytest.mark.parametrize("nb_id", sorted(NOTEBOOKS))
def test_master_answers_pass_every_case(nb_id):
    for question in _parsed(nb_id)[1]:
        for kind in ("public", "hidden"):
            if (nb_id, question, kind) in SLOW:
                continue
            failed = [r for r in _outcomes(nb_id, question, None, kind) if r is not None]
            assert not failed, f"{nb_id} {question} {kind}: {failed}"


@pytest.mark.parametrize(("nb_id", "question", "what", "answer"), MISTAKES, ids=_ids(MISTAKES))
def test_each_plausible_mistake_fails_a_public_case_that_says_why(nb_id, question, what, answer):
    failed = [r for r in _outcomes(nb_id, question, answer, "public") if r is not None]
    assert failed, f"{nb_id} {question}: the mistake '{what}' passes every public case"
    assertions = [r for r in failed if r.startswith("AssertionError")]
    # a failed assertion names what was expected; an exception (a shape error) speaks for itself
    assert all(r != "AssertionError: " and "expected" in r for r in assertions), assertions


@pytest.mark.parametrize(("nb_id", "question", "what", "answer"), LAZY, ids=_ids(LAZY))
def test_each_lazy_answer_fails_every_hidden_case(nb_id, question, what, answer):
    if (nb_id, question, "hidden") in SLOW:
        pytest.skip("trains models under the grading budget: checked by the grading test")
    passed = [i for i, r in enumerate(_outcomes(nb_id, question, answer, "hidden")) if r is None]
    assert not passed, f"{nb_id} {question}: the lazy answer '{what}' passes hidden cases {passed}"


def test_every_question_has_a_lazy_answer_or_none_exists():
    """Every question of these notebooks is covered by LAZY, except those the course has no function for."""
    no_course_function = {
        ("05", "q2_chance_mse"),
        ("05", "q5_plateau_exit"),
        ("06b", "q2_blend_weight"),
        ("07", "q1_bigram_bits"),
        ("07", "q4_context_curve"),
        ("08", "q2_beam_step"),
        ("08", "q4_read_heatmap"),
    }
    covered = {(nb, q) for nb, q, _, _ in LAZY}
    every = {(nb, q) for nb in NOTEBOOKS for q in _parsed(nb)[1]}
    assert every - covered == no_course_function


@pytest.mark.parametrize("nb_id", sorted(NOTEBOOKS))
def test_lazy_answers_score_at_most_the_public_share_when_graded(nb_id, tmp_path):
    """One submission per notebook (the solved student version with every lazy answer in place), graded for real."""
    from grading_support import built, grade

    from tools.authoring import student
    from tools.grading import grade as grading

    student_dir, dist = built()
    master = ROOT / "notebooks" / f"{NOTEBOOKS[nb_id]}.ipynb"
    nb = student.solved(
        nbformat.read(master, as_version=4), nbformat.read(student_dir / master.name, as_version=4)
    )
    chosen = {}
    for lazy_nb, question, _, answer in LAZY:
        chosen.setdefault(question, answer) if lazy_nb == nb_id else None
    submissions = []
    for variant in range(2):  # a second submission for the questions with a second lazy answer
        answers = dict(chosen)
        if variant:
            extra = [(q, a) for n, q, _, a in LAZY if n == nb_id and a != chosen[q]]
            if not extra:
                break
            answers = dict(extra)
        lazy_nb = copy.deepcopy(nb)
        for answer in answers.values():
            name = answer.split("def ", 1)[1].split("(", 1)[0]
            cell = next(
                c for c in lazy_nb.cells if c.cell_type == "code" and f"def {name}(" in c.source
            )
            cell.source = answer.strip()
        submissions.append(tmp_path / f"lazy{variant}.ipynb")
        nbformat.write(lazy_nb, submissions[-1])
    rows = grade(tmp_path, dist, master.stem, submissions)
    points = _question_points(nb_id)
    for variant, submission in enumerate(submissions):
        row = rows[submission.name]
        questions = chosen if variant == 0 else dict(extra)
        for question in questions:
            share = float(row[question]) / points[question]
            assert share <= grading.PUBLIC_SHARE + 1e-9, (
                f"{nb_id} {question} lazy: {row[question]} of {points[question]}"
            )


def test_as_graded_makes_the_graders_round_trip():
    """06 q5's public check and score_student_model: a Lambda is refused with the grader's message, a model built
    with Keras slicing crosses with its architecture."""
    import keras
    import numpy as np

    from tools.grading.sandbox_wire import NotPlainData
    from utils.forecast_grading import as_graded

    inputs = keras.Input((120, 3))
    sliced = keras.Model(
        inputs,
        keras.layers.Add()([inputs[:, -1, :1], keras.layers.Dense(1)(inputs[:, 2::3, :][:, -1])]),
    )
    x = np.random.default_rng(0).normal(size=(2, 120, 3)).astype("float32")
    # weights may be fresh ones (the grader trains it anyway): compare the architecture
    received = as_graded(sliced)
    assert [type(y).__name__ for y in received.layers] == [type(y).__name__ for y in sliced.layers]
    assert tuple(received(x).shape) == (2, 1)
    with_lambda = keras.Model(inputs, keras.layers.Lambda(lambda w: w[:, -1, :1])(inputs))
    with pytest.raises(NotPlainData, match="Lambda"):
        as_graded(with_lambda)


def test_06_q5_hidden_cases_refuse_the_plain_gru_before_training():
    """06 q5's hidden cases train for minutes, but their architecture guard comes first: run each case up to it.
    The master passes it; the plain GRU (reference_gru recompiled, or its two layers on another input) fails it."""
    cases = _parsed("06")[1]["q5_build_my_model"]["hidden"]
    guards = []
    for case in cases:
        tree = ast.parse(case)
        guard = next(
            node
            for node in tree.body
            if isinstance(node, ast.Assert) and "_arch(" in ast.unparse(node.test)
        )
        guards.append("\n".join(case.split("\n")[: guard.end_lineno]))
    lazy = [answer for nb, q, _, answer in LAZY if (nb, q) == ("06", "q5_build_my_model")]
    assert len(guards) == 2 and len(lazy) == 2
    for answer in [None, *lazy]:
        for guard in guards:
            namespace = dict(_base("06"))
            exec(
                compile(
                    answer or "\n".join(_parsed("06")[1]["q5_build_my_model"]["answer"]),
                    "<answer>",
                    "exec",
                ),
                namespace,
            )
            if answer is None:
                exec(compile(guard, "<guard>", "exec"), namespace)
            else:
                with pytest.raises(AssertionError, match="plain GRU itself"):
                    exec(compile(guard, "<guard>", "exec"), namespace)
