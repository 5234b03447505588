"""What notebook 03 says about masks and cuDNN, checked against the installed Keras (TensorFlow backend).

A machine without a GPU never takes the cuDNN branch, so the tests pretend one is there (Keras's private
``_is_gpu_available``) and watch Keras's private ``_cudnn_lstm``. They are skipped if those names move.

- Eager call, left-padded mask: the cuDNN path's ``tf.Assert`` (right padding) raises at once, Keras's
  ``backend.lstm`` catches it, and the layer silently runs the generic loop.
- Graph mode (``tf.function``, which ``fit`` and ``predict`` use): the cuDNN path is *traced* without error, so
  there is no fallback; the graph fails when it runs (on a GPU with the assert's "pass use_cudnn=False" message,
  on this CPU already at the missing cuDNN kernel).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

X = np.ones((2, 5, 3), "float32")
LEFT = np.array([[False, False, True, True, True]] * 2)


@pytest.fixture
def cudnn_branch(monkeypatch):
    """Make Keras take the cuDNN branch, and record what ``_cudnn_lstm`` does: (eager?, exception or None)."""
    try:
        tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
        original = tf_rnn._cudnn_lstm
        tf_rnn._is_gpu_available  # noqa: B018 – only checks that the name exists
    except (ImportError, AttributeError):
        pytest.skip("Keras's private cuDNN helpers moved")
    calls = []

    def recording(*args, **kwargs):
        try:
            result = original(*args, **kwargs)
        except Exception as error:
            calls.append((tf.executing_eagerly(), error))
            raise
        calls.append((tf.executing_eagerly(), None))
        return result

    monkeypatch.setattr(tf_rnn, "_is_gpu_available", lambda: True)
    monkeypatch.setattr(tf_rnn, "_cudnn_lstm", recording)
    return calls


def _pair():
    layer, generic = keras.layers.LSTM(4), keras.layers.LSTM(4, use_cudnn=False)
    layer.build((None, 5, 3))
    generic.build((None, 5, 3))
    generic.set_weights(layer.get_weights())
    return layer, generic


def test_eager_left_padding_falls_back_silently(cudnn_branch) -> None:
    layer, generic = _pair()
    out = layer(X, mask=LEFT)
    ((eager, error),) = cudnn_branch
    assert eager and isinstance(error, tf.errors.InvalidArgumentError)
    assert "right-padded" in str(error) and "use_cudnn=False" in str(error)
    np.testing.assert_allclose(out, generic(X, mask=LEFT), atol=1e-6)  # the generic loop's answer


def test_eager_left_padding_with_use_cudnn_true_is_an_error(cudnn_branch) -> None:
    with pytest.raises(ValueError, match="use_cudnn=True"):
        keras.layers.LSTM(4, use_cudnn=True)(X, mask=LEFT)


def test_graph_mode_traces_the_cudnn_path_without_fallback(cudnn_branch) -> None:
    layer, _ = _pair()
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.function(lambda x, m: layer(x, mask=m))(X, LEFT)
    ((eager, error),) = cudnn_branch
    # traced fine: the failure can only come at run time, as an error
    assert not eager and error is None
