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
Keras object is rebuilt by the reader with ``keras.saving.deserialize_keras_object(..., safe_mode=True)`` after
:func:`check_keras_config` resolved every class and function its config names, as Keras would, to a Keras
layer, op, initializer, regularizer, constraint, activation, loss, optimizer or learning-rate schedule (never
another ``keras.*`` function such as ``keras.config.set_max_epochs``, never one of :data:`KERAS_REFUSED`: code or
files). Its variables are counted before any is allocated (at most :data:`MAX_MODEL_PARAMS` numbers). The trusted
side rebuilds a **model** (a config with a ``keras.Model`` anywhere in it) as architecture only: fresh weights
from the reader's random state, never the sender's weights or optimizer state; of its compile choices only the
optimizer (a ``keras.optimizers`` class and its hyper-parameters) and the loss (a name or class of
``keras.losses``) cross, as configuration. A layer that is not a model keeps its weights (a question may ask for
a layer with given weights). Anything else raises :class:`NotPlainData`.

An ``.npz`` archive is checked before any array is read: each member's size in the zip directory, their total
(at most :data:`UNPACK_RATIO` times the archive's size and :data:`MAX_UNPACKED`), and each array's size declared
in its ``.npy`` header against its member's size; a deflate bomb is refused before it is inflated.
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
#: the most bytes the arrays of one message may unpack to, whatever the archive's size
MAX_UNPACKED = MAX_NPZ
#: the most the arrays may unpack to per byte of archive (``np.savez`` stores them uncompressed: about 1)
UNPACK_RATIO = 2
#: the most numbers (weights and other variables) a Keras object rebuilt from a received config may hold
MAX_MODEL_PARAMS = 10_000_000
_HEADER = struct.Struct(">QQ")
#: Keras classes that carry code or read files (a vocabulary or a SavedModel path); refused in a received config,
#: and so are their subclasses
KERAS_REFUSED = {
    "Lambda",
    "TFSMLayer",
    "TextVectorization",
    "StringLookup",
    "IntegerLookup",
    "IndexLookup",
    "JaxLayer",
    "FlaxLayer",
    "TorchModuleWrapper",
}
#: special entries of a Keras config that carry plain values (``__lambda__``, ``__typespec__``... are refused)
_KERAS_PLAIN = {"__keras_tensor__", "__slice__", "__ellipsis__", "__numpy__", "__tensor__"}
#: names in Keras's function modules that are not model functions
_NOT_MODEL_FUNCTIONS = {"get", "serialize", "deserialize"}


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
            "$d": [
                [encode(k, arrays, depth + 1), encode(v, arrays, depth + 1)]
                for k, v in value.items()
            ]
        }
    if type(value) is slice:
        return {
            "$slice": [encode(v, arrays, depth + 1) for v in (value.start, value.stop, value.step)]
        }
    if isinstance(value, functools.partial) and type(value) is functools.partial:
        return {
            "$partial": [
                encode(value.func, arrays, depth + 1),
                encode(value.args, arrays, depth + 1),
                encode(value.keywords, arrays, depth + 1),
            ]
        }
    if isinstance(value, types.FunctionType) and _course_function(
        value.__module__, value.__qualname__
    ):
        return {"$fn": [value.__module__, value.__qualname__]}
    module = type(value).__module__
    if (
        module.startswith(("tensorflow", "keras"))
        and hasattr(value, "numpy")
        and hasattr(value, "dtype")
    ):
        return {"$a": _add(np.asarray(value.numpy()), arrays)}
    if module.startswith("pandas"):
        return _encode_pandas(value, arrays, depth)
    if (
        module.startswith("keras")
        and hasattr(value, "get_weights")
        and hasattr(value, "get_config")
    ):
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
    A callable ``functions`` is applied to each function or partial decoded (the agent hands them all to the
    student in one form). Set, it also marks the reader as the sandbox side: a Keras model keeps the weights the
    trusted side sent; without it (the trusted side) a model is rebuilt with fresh weights.
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
            raise WireError(
                f"$fn names {body[0]}.{body[1]}, not a function of the course's utils package"
            )
        import importlib

        fn = getattr(importlib.import_module(body[0]), body[1])
        if not isinstance(fn, types.FunctionType):
            raise WireError(f"$fn names {body[0]}.{body[1]}, which is not a function")
        return functions(fn) if callable(functions) else fn
    if tag == "$partial":
        if type(body) is not list or len(body) != 3:
            raise WireError("$partial needs [function, args, kwargs]")
        # the plain function: wrapped once, as the partial
        fn = decode(body[0], arrays, depth + 1, True)
        args, kwargs = (decode(v, arrays, depth + 1, functions) for v in body[1:])
        if (
            not isinstance(fn, types.FunctionType)
            or type(args) is not tuple
            or type(kwargs) is not dict
        ):
            raise WireError("$partial needs [function, args, kwargs]")
        partial = functools.partial(fn, *args, **kwargs)
        return functions(partial) if callable(functions) else partial
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
        return {
            decode(k, arrays, depth + 1, functions): decode(v, arrays, depth + 1, functions)
            for k, v in body
        }
    if tag in ("$df", "$series", "$index"):
        return _decode_pandas(tag, body, arrays, depth)
    if tag == "$keras":
        weights = tree.get("weights", [])
        if type(weights) is not list:
            raise WireError("$keras needs a list of weights")
        return _decode_keras(
            body, [_array(i, arrays) for i in weights], sandbox_side=bool(functions)
        )
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
        return pd.Index(
            _array(node.get("values"), arrays), name=decode(node.get("name"), arrays, depth + 1)
        )

    if tag == "$index":
        return index(body)
    if tag == "$series":
        return pd.Series(
            _array(body.get("data"), arrays),
            index=index(body.get("index")),
            name=decode(body.get("name"), arrays, depth + 1),
        )
    columns = [decode(c, arrays, depth + 1) for c in body.get("columns", [])]
    data = [_array(i, arrays) for i in body.get("data", [])]
    if len(columns) != len(data):
        raise WireError("a DataFrame needs one array per column")
    frame = pd.DataFrame(dict(zip(range(len(data)), data)), index=index(body.get("index")))
    frame.columns = pd.Index(columns) if columns else frame.columns
    return frame


def check_keras_config(config, depth: int = 0) -> bool:
    """Refuse a Keras config naming anything but a Keras model part; True when a ``keras.Model`` is in it.

    Every entry with a ``class_name`` is resolved the way ``keras.saving.deserialize_keras_object`` resolves it
    (its ``module`` and name, or for ``module: builtins`` functions Keras's built-in function modules) and must
    be: a class of the ``keras`` package that is a layer or model, an op, an initializer, regularizer,
    constraint, loss, optimizer, learning-rate schedule, dtype policy or seed generator, and none of
    :data:`KERAS_REFUSED`; or a function of ``keras.activations``, ``keras.losses`` or ``keras.metrics``. Not a
    name registered as a custom object, not a special entry other than tensors, slices and arrays
    (``__lambda__`` carries code). Raises :class:`NotPlainData` naming what was refused.
    """
    if depth > 200:
        raise WireError("Keras config nested too deep")
    has_model = False
    if type(config) is dict:
        module = config.get("module")
        if module is not None and (
            type(module) is not str or module.split(".")[0] not in ("keras", "builtins")
        ):
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
        if "class_name" in config:
            has_model = _check_keras_reference(config)
        for value in config.values():
            has_model = check_keras_config(value, depth + 1) or has_model
    elif type(config) is list:
        for value in config:
            has_model = check_keras_config(value, depth + 1) or has_model
    return has_model


@functools.cache
def _keras_allowed() -> tuple[tuple[type, ...], frozenset[int]]:
    """(the base classes a received Keras class may have, the ids of the functions a config may name)."""
    import keras
    from keras.src.ops.operation import Operation
    from keras.src.random.seed_generator import SeedGenerator

    bases = (
        Operation,  # layers and models are operations too
        keras.initializers.Initializer,
        keras.regularizers.Regularizer,
        keras.constraints.Constraint,
        keras.losses.Loss,
        keras.optimizers.Optimizer,
        keras.optimizers.schedules.LearningRateSchedule,
        keras.DTypePolicy,
        SeedGenerator,
    )
    functions = set()
    for namespace in (keras.activations, keras.losses, keras.metrics):
        for name in dir(namespace):
            value = getattr(namespace, name)
            if name not in _NOT_MODEL_FUNCTIONS and isinstance(value, types.FunctionType):
                functions.add(id(value))
    return bases, frozenset(functions)


def _keras_symbol(module: str, name: str):
    """What Keras finds for ``module.name`` (an exported symbol, else the module's own class), or None."""
    import importlib

    from keras.src.api_export import get_symbol_from_name

    found = get_symbol_from_name(f"{module}.{name}")
    if found is None:
        try:
            found = vars(importlib.import_module(module)).get(name)
        except Exception:  # noqa: BLE001 - a module that does not import names nothing
            return None
        if not isinstance(found, type):
            return None  # Keras takes only a class from a module that does not export the name
    return found


def _check_keras_reference(config: dict) -> bool:
    """Check one ``class_name`` entry of a Keras config (see :func:`check_keras_config`); True for a model."""
    import keras

    class_name, module, registered = (
        config.get("class_name"),
        config.get("module"),
        config.get("registered_name"),
    )
    if type(class_name) is not str:
        raise NotPlainData(f"a Keras config has class_name {class_name!r}: not a name")
    if class_name.startswith("__"):
        if class_name not in _KERAS_PLAIN:
            raise NotPlainData(
                f"a Keras config holds a {class_name!r} entry: only plain values and layers cross"
            )
        inner = config.get("config")
        dtype = inner.get("dtype") if type(inner) is dict else None
        if class_name in ("__numpy__", "__tensor__") and not (
            type(dtype) is str
            and dtype.rstrip("0123456789") in ("bool", "int", "uint", "float", "bfloat", "complex")
        ):
            raise NotPlainData(
                f"a Keras {class_name} entry of dtype {dtype!r}: only numeric arrays cross"
            )
        return False
    custom = keras.saving.get_custom_objects()
    names = {class_name, registered} | (
        {config.get("config")} if class_name == "function" else set()
    )
    if any(type(n) is str and n in custom for n in names):
        raise NotPlainData(
            f"a Keras config names the registered custom object {class_name!r}: it cannot cross"
        )
    bases, functions = _keras_allowed()
    if class_name == "function":
        name = config.get("config")
        if type(name) is not str or registered not in (None, "function", name):
            raise NotPlainData(
                f"a Keras function entry names {name!r} (registered as {registered!r})"
            )
        if module == "builtins":
            from keras.src.saving.serialization_lib import BUILTIN_MODULES

            found = [_keras_symbol(f"keras.{m}", name) for m in sorted(BUILTIN_MODULES)]
            found = [f for f in found if f is not None]
        else:
            found = [_keras_symbol(module, name)] if type(module) is str else [None]
        if not found or any(id(f) not in functions for f in found):
            raise NotPlainData(
                f"a Keras config names the function {module}.{name}: only Keras activations and losses cross "
                "(use a built-in activation such as 'relu' or 'tanh')"
            )
        return False
    if registered not in (None, class_name):
        raise NotPlainData(
            f"a Keras {class_name!r} registered as {registered!r}: only built-in classes cross"
        )
    found = (
        _keras_symbol(module, class_name) if type(module) is str and module != "builtins" else None
    )
    if (
        not isinstance(found, type)
        or not issubclass(found, bases)
        or any(c.__name__ in KERAS_REFUSED for c in found.__mro__)
    ):
        raise NotPlainData(
            f"a Keras config names {module}.{class_name}, which is not a built-in Keras layer, op, initializer, "
            "regularizer, constraint, loss or optimizer: build the model from built-in Keras layers"
        )
    return issubclass(found, keras.Model)


def _without(config, key: str):
    """``config`` without ``key`` in any of its dicts."""
    if type(config) is dict:
        return {k: _without(v, key) for k, v in config.items() if k != key}
    if type(config) is list:
        return [_without(v, key) for v in config]
    return config


def compile_arguments(compile_config) -> dict:
    """The student's compile choices that may cross: ``optimizer`` (a ``keras.optimizers`` class and its
    hyper-parameters, or its name) and ``loss`` (a name, class or function of ``keras.losses``); nothing else
    (metrics, ``run_eagerly``, ``jit_compile``... are left out). Raises :class:`NotPlainData` for anything else."""
    import keras

    if type(compile_config) is not dict:
        raise NotPlainData("a Keras compile_config must be a dict")
    arguments = {}
    optimizer = compile_config.get("optimizer")
    try:
        if type(optimizer) is str:
            optimizer = keras.optimizers.get(optimizer)
        elif type(optimizer) is dict:
            check_keras_config(optimizer)
            resolved = _keras_symbol(str(optimizer.get("module")), str(optimizer.get("class_name")))
            if getattr(keras.optimizers, getattr(resolved, "__name__", ""), None) is not resolved:
                raise NotPlainData("only an optimizer of keras.optimizers can cross")
            optimizer = keras.saving.deserialize_keras_object(optimizer, safe_mode=True)
        if optimizer is not None:
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise NotPlainData(f"the optimizer {optimizer!r} is not a Keras optimizer")
            arguments["optimizer"] = optimizer
        loss = compile_config.get("loss")
        if loss is not None:
            if type(loss) is dict:
                check_keras_config(loss)
                loss = keras.saving.deserialize_keras_object(loss, safe_mode=True)
            elif type(loss) is not str:
                raise NotPlainData("the loss must be a Keras loss name, class or function")
            resolved = keras.losses.get(loss)
            if not (isinstance(resolved, keras.losses.Loss) or id(resolved) in _keras_allowed()[1]):
                raise NotPlainData(f"the loss {loss!r} is not a Keras loss")
            arguments["loss"] = loss
    except NotPlainData:
        raise
    except Exception as error:
        raise NotPlainData(
            f"the model's compile choices cannot cross: {type(error).__name__}: {error}"
        ) from error
    return arguments


def _decode_keras(config, weights: list[np.ndarray], sandbox_side: bool = False):
    """Rebuild a Keras layer or model from ``config`` (checked, variables counted first); see the module doc."""
    import keras

    if type(config) is not dict:
        raise NotPlainData("a Keras object must cross as its config (a dict)")
    compile_config = config.get("compile_config")
    # nested models' compile configs too: checked apart, or dropped
    plain = _without(config, "compile_config")
    has_model = check_keras_config(plain)
    fresh = has_model and not sandbox_side  # the trusted side rebuilds a model as architecture only
    arguments = (
        compile_arguments(compile_config) if has_model and compile_config is not None else {}
    )
    try:
        obj = _build_counted(plain)
        if not isinstance(obj, keras.layers.Layer):
            raise NotPlainData(f"a {type(obj).__name__} is not a Keras layer or model")
        if not fresh:
            obj.set_weights(weights)
        if arguments:
            obj.compile(**arguments)
    except NotPlainData:
        raise
    except Exception as error:
        raise NotPlainData(
            f"the Keras object could not be rebuilt: {type(error).__name__}: {error}"
        ) from error
    return obj


def _build_counted(config):
    """``deserialize_keras_object(config, safe_mode=True)`` with its variables created but not allocated until
    their number is known: more than :data:`MAX_MODEL_PARAMS` raises :class:`NotPlainData` before any is."""
    import keras
    from keras.src.backend.common import global_state
    from keras.src.backend.common.stateless_scope import StatelessScope

    def pending() -> list:
        return global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)

    before = len(pending())
    try:
        # variables made here wait for an initialisation
        with StatelessScope(initialize_variables=False):
            obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    finally:
        created = pending()[before:]
        del pending()[before:]
    count = sum(int(np.prod(v.shape, dtype=np.float64)) for v in created)
    if count > MAX_MODEL_PARAMS:
        raise NotPlainData(
            f"the Keras object would hold {count:,} numbers in its variables, more than the grader's limit of "
            f"{MAX_MODEL_PARAMS:,} (MAX_MODEL_PARAMS): make it smaller"
        )
    for variable in created:
        variable._deferred_initialize()
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


def recv_raw(
    sock: socket.socket, deadline: float | None = None
) -> tuple[object, dict[str, np.ndarray]]:
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
            check_archive(blob)
            with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except WireError:
            raise
        except Exception as error:  # ValueError for object arrays, BadZipFile, ...
            raise WireError(f"malformed array archive: {type(error).__name__}: {error}") from error
    return tree, arrays


def check_archive(blob: bytes) -> None:
    """Refuse an ``.npz`` archive that would unpack to more than its limit, before anything is inflated.

    The limit is ``min(MAX_UNPACKED, UNPACK_RATIO * len(blob))`` bytes, for each member's size in the zip
    directory and for their total; each array's size declared in its ``.npy`` header (shape x item size) must fit
    in its member (read stops at the member's declared size, so the header cannot claim less than it holds).
    Raises :class:`WireError` with the sizes and the limit.
    """
    import zipfile

    limit = min(MAX_UNPACKED, UNPACK_RATIO * len(blob))
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        for member in members:
            if member.file_size > limit or total > limit:
                raise WireError(
                    f"the array archive would unpack to {total:,} bytes ({member.filename}: {member.file_size:,}) "
                    f"from {len(blob):,}: more than its limit of {limit:,} bytes "
                    f"(UNPACK_RATIO {UNPACK_RATIO} x its size, at most MAX_UNPACKED {MAX_UNPACKED:,})"
                )
        for member in members:
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise WireError(
                        f"the array {member.filename} has .npy version {version}: not 1.0 or 2.0"
                    )
                size = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if size > member.file_size:
                    raise WireError(
                        f"the array {member.filename} declares {size:,} bytes in a member of {member.file_size:,}"
                    )


def recv(sock: socket.socket, deadline: float | None = None, functions: bool = False):
    """Read and decode one message (``functions``: see :func:`decode`; the sandbox agent's side only)."""
    tree, arrays = recv_raw(sock, deadline)
    return decode(tree, arrays, functions=functions)
