"""The plain-data wire between a student's sandbox and the trusted grader (:mod:`tools.grading.sandbox_wire`), second
hostile round (issue 22, rows 1, 2, 3, 7 and 8): what a Keras config may name, a model crossing as architecture
only, course functions reaching the student in one form, deflate bombs and parameter bombs.

Sizes are scaled down for a 2-core CI machine; each limit under test is scaled with them.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import socket
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_support import built, grade

from tools.authoring import student
from tools.grading import sandbox, sandbox_agent, sandbox_wire

ROOT = Path(__file__).resolve().parents[1]


def _cross(value, sandbox_side: bool = False):
    """``value`` sent over the wire and read back: by the trusted side, or (``sandbox_side``) by the agent."""
    arrays: list[np.ndarray] = []
    tree = json.loads(json.dumps(sandbox_wire.encode(value, arrays)))
    return sandbox_wire.decode(
        tree, {f"a{i}": a for i, a in enumerate(arrays)}, functions=sandbox_side
    )


def _keras():
    import keras

    return keras


def _slicing_model(n_features: int):
    """An honest functional model with the slicing form ``inputs[:, -1, :1]`` (a Keras ``GetItem`` op)."""
    keras = _keras()
    inputs = keras.Input((24, n_features))
    hidden = keras.layers.GRU(4)(inputs)
    change = keras.layers.Dense(
        1, activation="tanh", kernel_regularizer=keras.regularizers.L2(0.01)
    )(hidden)
    return keras.Model(inputs, keras.layers.Add()([inputs[:, -1, :1], change]))


# ---------------------------------------------------------------- row 1: what a Keras config may name


def _forged_dense(activation) -> dict:
    keras = _keras()
    dense = keras.saving.serialize_keras_object(keras.layers.Dense(2))
    dense["config"]["activation"] = activation
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "forged",
            "layers": [keras.saving.serialize_keras_object(keras.layers.InputLayer((3,))), dense],
        },
        "registered_name": None,
    }


@pytest.mark.parametrize(
    "activation",
    [
        {
            "module": "keras.config",
            "class_name": "function",
            "config": "set_max_epochs",
            "registered_name": None,
        },
        {
            "module": "keras.config",
            "class_name": "function",
            "config": "set_max_epochs",
            "registered_name": "function",
        },
        {
            "module": "keras.utils",
            "class_name": "function",
            "config": "clear_session",
            "registered_name": None,
        },
        {
            "module": "keras.config",
            "class_name": "set_max_epochs",
            "config": {},
            "registered_name": None,
        },
        {
            "module": "keras.src.backend.config",
            "class_name": "function",
            "config": "set_max_epochs",
        },
    ],
    ids=["keras.config", "registered-function", "keras.utils", "as-class", "keras.src"],
)
def test_a_keras_config_crosses_only_if_every_callable_is_a_model_part(activation):
    """Row 1: ``keras.config.set_max_epochs`` as a Dense activation passed the old module check and Keras's
    safe_mode, and ran in the trusted worker; now a config is refused unless every class and function it names
    resolves to a Keras layer, op, initializer, regularizer, constraint, activation, loss or optimizer."""
    # the right weights: only the callable is wrong
    weights = [np.zeros((3, 2), "float32"), np.zeros(2, "float32")]
    with pytest.raises(sandbox_wire.NotPlainData, match="names|entry"):
        sandbox_wire._decode_keras(_forged_dense(activation), weights)


def test_the_slicing_form_and_built_in_parts_still_cross():
    """Row 1, the honest side: ``inputs[:, -1, :1]`` (GetItem), activations, regularizers, constraints,
    initializers, dropout and recurrent layers cross and compute what the student's model computes."""
    keras = _keras()
    keras.utils.set_random_seed(1)
    model = _slicing_model(3)
    inputs = keras.Input((24, 3))
    x = keras.layers.LSTM(
        3, dropout=0.1, return_sequences=True, kernel_constraint=keras.constraints.MaxNorm(2)
    )(inputs)
    x = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, activation="relu"))(x)
    x = keras.layers.Dense(
        1, activation=keras.activations.gelu, kernel_initializer=keras.initializers.HeNormal(3)
    )(x)
    other = keras.Model(inputs, keras.layers.BatchNormalization()(x))
    sample = np.random.default_rng(0).normal(size=(2, 24, 3)).astype("float32")
    for original in (model, other):
        back = _cross(original, sandbox_side=True)  # with its weights: the output must be the same
        assert [type(layer).__name__ for layer in back.layers] == [
            type(layer).__name__ for layer in original.layers
        ]
        np.testing.assert_allclose(back(sample), original(sample), rtol=1e-5)
    config = json.dumps(keras.saving.serialize_keras_object(model))
    assert '"GetItem"' in config  # the slicing form travels as a Keras op


# ---------------------------------------------------------------- row 2: a model crosses as architecture


def test_a_model_crosses_as_architecture_with_only_its_optimizer_and_loss():
    """Row 2: weights fitted in the sandbox and a learning rate of 0 give no advantage: the trusted side rebuilds
    the model with fresh weights (equal to a fresh build under the same seed, not the sent ones); the optimizer
    class with its learning rate and the loss cross as configuration, nothing else (no metrics, no state)."""
    keras = _keras()
    keras.utils.set_random_seed(7)
    fresh = [w.copy() for w in _slicing_model(3).get_weights()]
    keras.utils.set_random_seed(7)
    fitted = _slicing_model(3)
    fitted.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mae", metrics=["mse"])
    rng = np.random.default_rng(0)
    fitted.fit(rng.normal(size=(16, 24, 3)), rng.normal(size=(16, 1)), epochs=2, verbose=0)
    fitted.compile(
        optimizer=keras.optimizers.Adam(0.0),
        loss=keras.losses.Huber(),
        metrics=[keras.metrics.MeanSquaredError()],
    )
    sent = [w.copy() for w in fitted.get_weights()]
    assert any(not np.array_equal(a, b) for a, b in zip(sent, fresh))

    # as utils.forecast_grading.score_student_model does before build_model(...)
    keras.utils.set_random_seed(7)
    rebuilt = _cross(fitted)
    assert all(np.array_equal(a, b) for a, b in zip(rebuilt.get_weights(), fresh))
    assert not any(np.array_equal(a, b) for a, b in zip(rebuilt.get_weights(), sent) if a.size > 1)
    assert rebuilt.compiled and isinstance(rebuilt.optimizer, keras.optimizers.Adam)
    assert (
        float(rebuilt.optimizer.learning_rate.numpy()) == 0.0
        and rebuilt.optimizer.iterations.numpy() == 0
    )
    assert isinstance(rebuilt.loss, keras.losses.Huber)
    # metrics are not a compile choice that crosses
    assert rebuilt.get_compile_config()["metrics"] is None

    uncompiled = _cross(_slicing_model(3))
    assert not uncompiled.compiled  # the scorer then compiles it with its own default


def test_a_layer_keeps_its_weights_and_compile_choices_are_keras_only():
    """A layer that is not a model keeps the student's weights (notebook 02's ``tiny_rnn`` is graded on them);
    an optimizer outside ``keras.optimizers`` or a loss outside Keras's registry is refused."""
    keras = _keras()
    layer = keras.layers.SimpleRNN(1, activation=None, use_bias=False)
    layer.build((None, None, 1))
    layer.set_weights([np.array([[1.0]], "float32"), np.array([[0.7]], "float32")])
    assert _cross(layer).get_weights()[1].item() == np.float32(0.7)

    model = _slicing_model(2)
    model.compile(optimizer="sgd", loss="mse")
    config = keras.saving.serialize_keras_object(model)
    bad_optimizer = dict(
        config,
        compile_config={"optimizer": keras.saving.serialize_keras_object(keras.layers.Dense(1))},
    )
    bad_loss = dict(config, compile_config={"optimizer": "adam", "loss": "set_max_epochs"})
    bad_loss_fn = dict(
        config,
        compile_config={
            "loss": {
                "module": "keras.config",
                "class_name": "function",
                "config": "set_max_epochs",
                "registered_name": None,
            }
        },
    )
    for forged in (bad_optimizer, bad_loss, bad_loss_fn):
        with pytest.raises(sandbox_wire.NotPlainData):
            sandbox_wire._decode_keras(forged, [])


# ---------------------------------------------------------------- row 3: course functions in one form


def _hostile_gradient_check(backward, seed=0, eps=1e-6):
    """The issue's attack: 1.0 for a functools.partial (a broken pass), else 0.0; checks nothing."""
    return 1.0 if isinstance(backward, functools.partial) else 0.0


def test_course_functions_reach_the_student_in_one_form():
    """Row 3: the correct backward pass (by name) and the broken ones (partials) reach the student's function as
    one kind of callable: same type, names, doc, module, code, signature and closure shape, no ``__wrapped__``;
    each still computes what its course function computes, and an error does not name it."""
    from utils import bptt, cells

    passes = [bptt.rnn_backward] + [
        functools.partial(bptt.rnn_backward_variant, **kw)
        for kw in [
            {"transpose": False},
            {"accumulate": False},
            {"tanh_prime": False},
            {"bias_scale": 1.01},
        ]
    ]
    received = []
    for backward in passes:
        arrays: list[np.ndarray] = []
        tree = json.loads(json.dumps(sandbox_wire.encode({"args": [backward]}, arrays)))
        received.append(
            sandbox_wire.decode(tree, {}, functions=sandbox_agent.course_callable)["args"][0]
        )

    def form(f):
        return (
            type(f),
            f.__name__,
            f.__qualname__,
            f.__doc__,
            f.__module__,
            f.__code__,
            f.__defaults__,
            f.__kwdefaults__,
            dict(vars(f)),
            hasattr(f, "__wrapped__"),
            str(inspect.signature(f)),
            [type(c.cell_contents) for c in f.__closure__],
        )

    assert len({repr(form(f)) for f in received}) == 1, [form(f) for f in received]
    assert [_hostile_gradient_check(f) for f in received] == [0.0] * 5
    rng = np.random.default_rng(0)
    x, kernel, recurrent, bias = (
        rng.normal(size=(2, 4, 3)),
        rng.normal(size=(3, 2)),
        rng.normal(size=(2, 2)),
        np.zeros(2),
    )
    *_, cache = cells.rnn_forward(x, kernel, recurrent, bias, return_cache=True)
    up = rng.normal(size=(2, 4, 2))
    for original, wrapped in zip(passes, received):
        for a, b in zip(original(up, cache), wrapped(up, cache)):
            np.testing.assert_array_equal(a, b)
    messages = set()
    for wrapped in received:
        with pytest.raises(TypeError) as error:
            wrapped()
        assert error.value.__context__ is None and "rnn_backward" not in str(error.value)
        messages.add(str(error.value))
    assert len(messages) == 1, messages


def test_a_gradient_check_that_tells_partials_apart_scores_no_hidden_case(tmp_path):
    """Row 3 end to end: the issue's ``gradient_check`` (1.0 for a partial, else 0.0) got 12/12 on 02b; now it
    scores only q2's public share, and the master still gets full marks."""
    if sandbox.bwrap_path() is None:
        pytest.skip("bwrap is not installed")  # CI installs it (.ci/run)
    student_dir, dist = built()
    name = "02b_backprop_through_time"
    master = ROOT / "notebooks" / f"{name}.ipynb"
    solved = student.solved(
        nbformat.read(master, as_version=4),
        nbformat.read(student_dir / f"{name}.ipynb", as_version=4),
    )
    nbformat.write(solved, tmp_path / "honest.ipynb")
    hostile = nbformat.from_dict(solved)
    attack = "import functools\n\n\n" + inspect.getsource(_hostile_gradient_check)
    hostile.cells.append(
        nbformat.v4.new_code_cell(attack.replace("_hostile_gradient_check", "gradient_check"))
    )
    nbformat.write(hostile, tmp_path / "hostile.ipynb")
    started = time.monotonic()
    rows = grade(tmp_path, dist, name, [tmp_path / "honest.ipynb", tmp_path / "hostile.ipynb"])
    print(f"\n02b honest + hostile graded in {time.monotonic() - started:.0f} s: {rows}")
    honest, attack = rows["honest.ipynb"], rows["hostile.ipynb"]
    assert honest["status"] == "ok" and honest["total"] == honest["possible"] == 12, honest
    # at most the public share: 10% of 3 points
    assert attack["q2_gradient_check"] <= 0.3 + 1e-9, attack
    assert attack["total"] <= 12 - 2.7 + 1e-9, attack


# ---------------------------------------------------------------- row 7: deflate bombs


def _send_raw(tree, blob: bytes):
    """The reading end of a socket pair on which a forged message (``tree``, ``blob``) is being sent."""
    left, right = socket.socketpair()
    body = json.dumps(tree).encode()

    def send() -> None:
        with left:
            try:
                left.sendall(sandbox_wire._HEADER.pack(len(body), len(blob)) + body + blob)
            except OSError:
                pass  # the reader refused the message and closed its end

    threading.Thread(target=send, daemon=True).start()
    return right


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_a_deflate_bomb_is_refused_before_it_is_inflated(monkeypatch):
    """Row 7: a forged message whose .npz inflates ~1000:1 (scaled: 16 MB from ~16 kB) is refused from its zip
    directory, before any array is read; so is an archive over the fixed maximum (scaled to 1 MB), and a member
    whose .npy header declares more than the member holds. An honest archive still crosses."""
    bomb = _zip({"a0.npy": _npy(np.zeros(2 * 1024 * 1024))})
    assert len(bomb) < 40_000
    with (
        _send_raw({"$a": 0}, bomb) as sock,
        pytest.raises(sandbox_wire.WireError, match="limit of"),
    ):
        sandbox_wire.recv(sock, time.monotonic() + 5)

    monkeypatch.setattr(sandbox_wire, "MAX_UNPACKED", 1024 * 1024)
    stored = _zip({"a0.npy": _npy(np.ones(300_000))}, zipfile.ZIP_STORED)  # 2.4 MB, not compressed
    with (
        _send_raw({"$a": 0}, stored) as sock,
        pytest.raises(sandbox_wire.WireError, match="MAX_UNPACKED 1,048,576"),
    ):
        sandbox_wire.recv(sock, time.monotonic() + 5)

    liar = io.BytesIO()  # a header that declares 800 MB, then 80 bytes
    np.lib.format.write_array_header_1_0(
        liar, {"descr": "<f8", "fortran_order": False, "shape": (10**8,)}
    )
    liar = liar.getvalue() + np.zeros(10).tobytes()
    with (
        _send_raw({"$a": 0}, _zip({"a0.npy": liar})) as sock,
        pytest.raises(sandbox_wire.WireError, match="declares"),
    ):
        sandbox_wire.recv(sock, time.monotonic() + 5)

    left, right = socket.socketpair()
    with left, right:
        sandbox_wire.send(left, {"x": np.arange(1000.0)})
        np.testing.assert_array_equal(
            sandbox_wire.recv(right, time.monotonic() + 5)["x"], np.arange(1000.0)
        )


# ---------------------------------------------------------------- row 8: parameter bombs


def test_a_model_too_large_is_refused_before_its_weights_exist(monkeypatch):
    """Row 8: an unbuilt ``Embedding(2**27, 4)`` with a forged build config made the worker allocate 7 GB. The
    variables of a rebuilt object are counted before any is allocated; over the limit it is refused, naming the
    limit (scaled: ``Embedding(2**16, 4)``, 262,144 numbers, against a limit of 100,000)."""
    keras = _keras()
    from keras.src.backend.common import global_state

    monkeypatch.setattr(sandbox_wire, "MAX_MODEL_PARAMS", 100_000)
    forged = keras.saving.serialize_keras_object(keras.layers.Embedding(2**16, 4))
    forged["build_config"] = {"input_shape": [None, 3]}
    assert len(json.dumps(forged)) < 1000
    with pytest.raises(sandbox_wire.NotPlainData, match="262,144 numbers.*limit of 100,000"):
        sandbox_wire._decode_keras(forged, [])
    # none left to allocate later
    assert global_state.get_global_attribute("uninitialized_variables", []) == []
    small = dict(forged, config=dict(forged["config"], input_dim=100))
    embedding = np.ones((100, 4), "float32")
    assert np.array_equal(
        sandbox_wire._decode_keras(small, [embedding]).get_weights()[0], embedding
    )
