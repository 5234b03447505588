"""Plain data across the sandbox boundary: the message format between the grader and a sandboxed submission.

A message is a JSON document plus, optionally, one ``.npz`` archive of NumPy arrays, sent over a socket as
``<json length><npz length><json><npz>`` (two 8-byte big-endian lengths). Nothing is pickled: arrays are read
with ``np.load(..., allow_pickle=False)``, so an object array, a pickle or an ndarray subclass cannot arrive; every
value the reader gets is built by the reader from bytes (a real ``int``, ``float``, ``str``, ``list``, ``dict``,
``np.ndarray``...), never an object the sender made. This module is imported on both sides: by the trusted grader
and, read-only, by the agent inside the sandbox.

What can cross (:func:`encode`): ``None``, ``...``, ``bool``, ``int``, ``float``, ``complex``, ``str``, lists, tuples, dicts,
sets, slices, NumPy arrays and scalars (not of object dtype), TensorFlow tensors (as arrays), pandas ``DataFrame``,
``Series`` and ``Index`` with array-like values, and Keras layers or models as their Keras config plus weights. A
Keras object is rebuilt by the reader with ``keras.saving.deserialize_keras_object(..., safe_mode=True)``, only
from classes of the ``keras`` package and never one of :data:`KERAS_REFUSED` (code or files), so a student's
model reaches the grader as data: built-in layers and their weights. Anything else raises :class:`NotPlainData`.
"""

from __future__ import annotations

import functools
import io
import json
import socket
import struct
import types

import numpy as np

MAX_JSON = 64 * 1024 * 1024
MAX_NPZ = 1024 * 1024 * 1024
_HEADER = struct.Struct(">QQ")
#: Keras classes that carry code or read files (a vocabulary or a SavedModel path); refused in a received config
KERAS_REFUSED = {"Lambda", "TFSMLayer", "TextVectorization", "StringLookup", "IntegerLookup"}


class NotPlainData(TypeError):
    """A value that cannot cross the sandbox boundary (the message says which type and what to return instead)."""


class WireError(RuntimeError):
    """A malformed, oversized or truncated message, or a closed connection."""


class Deadline(WireError):
    """The other side did not answer in time."""


# ---------------------------------------------------------------- encoding (any side)


def encode(value, arrays: list[np.ndarray], depth: int = 0):
    """The JSON tree of ``value``; its arrays are appended to ``arrays`` and referenced by index."""
    if depth > 100:
        raise NotPlainData("data nested more than 100 levels deep")
    if value is None or type(value) in (bool, str):
        return value
    if value is Ellipsis:  # what a blank answer holds
        return {"$ellipsis": 1}
    if type(value) is int:
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
    if type(value) is complex:
        return {"$c": [encode(value.real, arrays), encode(value.imag, arrays)]}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"$a": _add(np.asarray(value), arrays), "scalar": True}
    if isinstance(value, np.ndarray):
        return {"$a": _add(value, arrays)}
    if type(value) in (list, tuple, set, frozenset):
        items = [encode(v, arrays, depth + 1) for v in value]
        return items if type(value) is list else {"$" + type(value).__name__: items}
    if type(value) is dict:
        return {
            "$d": [[encode(k, arrays, depth + 1), encode(v, arrays, depth + 1)] for k, v in value.items()]
        }
    if type(value) is slice:
        return {"$slice": [encode(v, arrays, depth + 1) for v in (value.start, value.stop, value.step)]}
    if isinstance(value, functools.partial) and type(value) is functools.partial:
        return {"$partial": [encode(value.func, arrays, depth + 1), encode(value.args, arrays, depth + 1),
                             encode(value.keywords, arrays, depth + 1)]}
    if isinstance(value, types.FunctionType) and _course_function(value.__module__, value.__qualname__):
        return {"$fn": [value.__module__, value.__qualname__]}
    module = type(value).__module__
    if module.startswith(("tensorflow", "keras")) and hasattr(value, "numpy") and hasattr(value, "dtype"):
        return {"$a": _add(np.asarray(value.numpy()), arrays)}
    if module.startswith("pandas"):
        return _encode_pandas(value, arrays, depth)
    if module.startswith("keras") and hasattr(value, "get_weights") and hasattr(value, "get_config"):
        import keras

        config = keras.saving.serialize_keras_object(value)
        weights = [_add(np.asarray(w), arrays) for w in value.get_weights()]
        return {"$keras": json.loads(json.dumps(config)), "weights": weights}
    raise NotPlainData(
        f"a {type(value).__module__}.{type(value).__qualname__} cannot leave the sandbox: return plain data "
        "(numbers, strings, lists, tuples, dicts, NumPy arrays, pandas frames, Keras layers or models)"
    )


def _add(array: np.ndarray, arrays: list[np.ndarray]) -> int:
    array = np.asarray(array)
    if type(array) is not np.ndarray:
        array = array.view(np.ndarray)
    if array.dtype.hasobject:
        raise NotPlainData(
            "a NumPy array of Python objects cannot leave the sandbox: use a numeric or string dtype"
        )
    arrays.append(array)
    return len(arrays) - 1


def _encode_pandas(value, arrays, depth):
    import pandas as pd

    def column(values) -> int:
        values = np.asarray(values)
        if values.dtype == object:
            if not all(isinstance(v, str) for v in values):
                raise NotPlainData("a pandas column of Python objects cannot leave the sandbox")
            values = values.astype(str)
        return _add(values, arrays)

    def index(ix):
        if isinstance(ix, pd.MultiIndex):
            raise NotPlainData("a pandas MultiIndex cannot leave the sandbox")
        return {"values": column(ix), "name": encode(ix.name, arrays, depth + 1)}

    if isinstance(value, pd.DataFrame):
        return {
            "$df": {
                "columns": [encode(c, arrays, depth + 1) for c in value.columns],
                "data": [column(value.iloc[:, i]) for i in range(value.shape[1])],
                "index": index(value.index),
            }
        }
    if isinstance(value, pd.Series):
        return {
            "$series": {
                "name": encode(value.name, arrays, depth + 1),
                "data": column(value),
                "index": index(value.index),
            }
        }
    if isinstance(value, pd.Index):
        return {"$index": index(value)}
    raise NotPlainData(f"a pandas {type(value).__name__} cannot leave the sandbox")


# ---------------------------------------------------------------- decoding (strict)


def _course_function(module: str, qualname: str) -> bool:
    """True for a module-level function of the course's ``utils`` package (it crosses by name)."""
    return (module == "utils" or module.startswith("utils.")) and qualname.isidentifier()


def decode(tree, arrays: dict[str, np.ndarray], depth: int = 0, functions: bool = False):
    """The value of a JSON tree made by :func:`encode`; refuses any other shape of tree.

    ``functions``: accept a function of the course's ``utils`` package named by ``$fn`` (or a ``functools.partial``
    of one with plain-data arguments). Only the sandbox agent sets it, for arguments the trusted side sends in (a
    hidden test may hand a student's function a known backward pass); the trusted side never accepts a function.
    """
    if depth > 100:
        raise WireError("data nested more than 100 levels deep")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [decode(v, arrays, depth + 1, functions) for v in tree]
    if type(tree) is not dict or not tree:
        raise WireError(f"unexpected JSON node {type(tree).__name__}")
    tag = next(iter(tree))
    body = tree[tag]

    def items():
        if type(body) is not list:
            raise WireError(f"{tag} needs a list")
        return [decode(v, arrays, depth + 1, functions) for v in body]

    if tag in ("$fn", "$partial") and not functions:
        raise WireError("a function cannot cross from the sandbox: return plain data")
    if tag == "$fn":
        if type(body) is not list or len(body) != 2 or not all(type(b) is str for b in body):
            raise WireError("$fn needs [module, name]")
        if not _course_function(*body):
            raise WireError(f"$fn names {body[0]}.{body[1]}, not a function of the course's utils package")
        import importlib

        fn = getattr(importlib.import_module(body[0]), body[1])
        if not isinstance(fn, types.FunctionType):
            raise WireError(f"$fn names {body[0]}.{body[1]}, which is not a function")
        return fn
    if tag == "$partial":
        fn, args, kwargs = items()
        if not isinstance(fn, types.FunctionType) or type(args) is not tuple or type(kwargs) is not dict:
            raise WireError("$partial needs [function, args, kwargs]")
        return functools.partial(fn, *args, **kwargs)
    if tag == "$a":
        array = _array(body, arrays)
        return array[()] if tree.get("scalar") is True and array.ndim == 0 else array
    if tag == "$ellipsis":
        return Ellipsis
    if tag == "$int" and type(body) is str:
        return int(body)
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$c":
        re_, im = items()
        return complex(float(re_), float(im))
    if tag == "$tuple":
        return tuple(items())
    if tag in ("$set", "$frozenset"):
        return (set if tag == "$set" else frozenset)(items())
    if tag == "$slice":
        return slice(*items())
    if tag == "$d":
        if type(body) is not list or not all(type(p) is list and len(p) == 2 for p in body):
            raise WireError("$d needs [key, value] pairs")
        return {decode(k, arrays, depth + 1, functions): decode(v, arrays, depth + 1, functions) for k, v in body}
    if tag in ("$df", "$series", "$index"):
        return _decode_pandas(tag, body, arrays, depth)
    if tag == "$keras":
        return _decode_keras(body, [_array(i, arrays) for i in tree.get("weights", [])])
    raise WireError(f"unknown tag {tag!r}")


def _array(index, arrays: dict[str, np.ndarray]) -> np.ndarray:
    if type(index) is not int or f"a{index}" not in arrays:
        raise WireError(f"no array number {index!r} in the message")
    return arrays[f"a{index}"]


def _decode_pandas(tag, body, arrays, depth):
    import pandas as pd

    if type(body) is not dict:
        raise WireError(f"{tag} needs an object")

    def index(node):
        if type(node) is not dict:
            raise WireError("a pandas index needs an object")
        return pd.Index(_array(node.get("values"), arrays), name=decode(node.get("name"), arrays, depth + 1))

    if tag == "$index":
        return index(body)
    if tag == "$series":
        return pd.Series(
            _array(body.get("data"), arrays), index=index(body.get("index")),
            name=decode(body.get("name"), arrays, depth + 1),
        )  # fmt: skip
    columns = [decode(c, arrays, depth + 1) for c in body.get("columns", [])]
    data = [_array(i, arrays) for i in body.get("data", [])]
    if len(columns) != len(data):
        raise WireError("a DataFrame needs one array per column")
    frame = pd.DataFrame(dict(zip(range(len(data)), data)), index=index(body.get("index")))
    frame.columns = pd.Index(columns) if columns else frame.columns
    return frame


def check_keras_config(config, depth: int = 0) -> None:
    """Refuse a Keras config naming a class outside the ``keras`` package, a ``Lambda`` or a ``TFSMLayer``."""
    if depth > 200:
        raise WireError("Keras config nested too deep")
    if type(config) is dict:
        module = config.get("module")
        if module is not None and (type(module) is not str or module.split(".")[0] != "keras"):
            raise NotPlainData(
                f"a Keras config names module {module!r}: only built-in Keras classes can cross"
            )
        registered = config.get("registered_name")
        custom = registered is not None and (type(registered) is not str or ">" in registered)
        if config.get("class_name") in KERAS_REFUSED or custom:
            raise NotPlainData(
                f"a Keras {config.get('class_name')!r} (custom or code-carrying class) cannot cross: "
                "build the model from built-in Keras layers"
            )
        for value in config.values():
            check_keras_config(value, depth + 1)
    elif type(config) is list:
        for value in config:
            check_keras_config(value, depth + 1)


def _decode_keras(config, weights: list[np.ndarray]):
    import keras

    check_keras_config(config)
    try:
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
        obj.set_weights(weights)
    except Exception as error:
        raise NotPlainData(
            f"the Keras object could not be rebuilt: {type(error).__name__}: {error}"
        ) from error
    return obj


# ---------------------------------------------------------------- framing


def send(sock: socket.socket, value) -> None:
    """Encode ``value`` (:func:`encode`) and send it with its arrays."""
    arrays: list[np.ndarray] = []
    send_tree(sock, encode(value, arrays), arrays)


def send_tree(sock: socket.socket, tree, arrays: list[np.ndarray]) -> None:
    body = json.dumps(tree).encode()
    blob = b""
    if arrays:
        buffer = io.BytesIO()
        np.savez(buffer, **{f"a{i}": a for i, a in enumerate(arrays)})
        blob = buffer.getvalue()
    sock.sendall(_HEADER.pack(len(body), len(blob)) + body + blob)


def _read(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    import time

    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Deadline("no answer before the deadline")
            sock.settimeout(left)
        try:
            chunk = sock.recv(min(n - got, 1 << 20))
        except TimeoutError as error:
            raise Deadline("no answer before the deadline") from error
        except OSError as error:
            raise WireError(f"connection failed: {error}") from error
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_raw(sock: socket.socket, deadline: float | None = None) -> tuple[object, dict[str, np.ndarray]]:
    """Read one message: (its JSON tree, its arrays by name), checked for size; arrays loaded without pickle."""
    n_json, n_npz = _HEADER.unpack(_read(sock, _HEADER.size, deadline))
    if n_json > MAX_JSON or n_npz > MAX_NPZ:
        raise WireError(f"message too large ({n_json} + {n_npz} bytes)")
    try:
        tree = json.loads(_read(sock, n_json, deadline))
    except (ValueError, RecursionError) as error:
        raise WireError(f"malformed JSON: {error}") from error
    arrays: dict[str, np.ndarray] = {}
    if n_npz:
        blob = _read(sock, n_npz, deadline)
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except Exception as error:  # ValueError for object arrays, BadZipFile, ...
            raise WireError(f"malformed array archive: {type(error).__name__}: {error}") from error
    return tree, arrays


def recv(sock: socket.socket, deadline: float | None = None, functions: bool = False):
    """Read and decode one message (``functions``: see :func:`decode`; the sandbox agent's side only)."""
    tree, arrays = recv_raw(sock, deadline)
    return decode(tree, arrays, functions=functions)
