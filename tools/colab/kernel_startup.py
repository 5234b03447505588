"""The Colab replica's kernel start-up file (never imported: tools.colab.check gives it to the kernel).

What Colab's kernel has (``google.colab`` imported) and the check's instruments: deprecation warnings and
subprocess times logged to ``$RNN_COURSE_COLAB_LOG``.
"""

import json as _cc_json
import os as _cc_os
import subprocess as _cc_subprocess
import sys as _cc_sys
import time as _cc_time
import traceback as _cc_traceback
import types as _cc_types
import warnings as _cc_warnings

# Colab's kernel imports it
_cc_sys.modules.setdefault("google.colab", _cc_types.ModuleType("google.colab"))
_CC_LOG = _cc_os.environ["RNN_COURSE_COLAB_LOG"]


def _cc_log(kind, **data):
    with open(_CC_LOG, "a", encoding="utf-8") as fh:
        fh.write(_cc_json.dumps({"kind": kind, **data}, default=str) + "\n")


_cc_show = _cc_warnings._showwarnmsg


def _cc_showwarnmsg(msg):
    # catch_warnings(record)
    recording = isinstance(getattr(_cc_warnings._showwarnmsg_impl, "__self__", None), list)
    if not recording and issubclass(
        msg.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    ):
        stack = [(f.filename, f.lineno, f.line) for f in _cc_traceback.extract_stack()[:-1]][-80:]
        _cc_log(
            "warning",
            category=msg.category.__name__,
            message=str(msg.message),
            filename=str(msg.filename),
            lineno=msg.lineno,
            stack=stack,
        )
    _cc_show(msg)


_cc_warnings._showwarnmsg = _cc_showwarnmsg
for _cc_category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
    _cc_warnings.simplefilter("default", _cc_category)
_cc_run = _cc_subprocess.run


def _cc_timed_run(*args, **kwargs):
    start = _cc_time.perf_counter()
    try:
        return _cc_run(*args, **kwargs)
    finally:
        command = args[0] if args else kwargs.get("args")
        _cc_log(
            "subprocess",
            args=[str(a) for a in command] if isinstance(command, (list, tuple)) else str(command),
            seconds=_cc_time.perf_counter() - start,
        )


_cc_subprocess.run = _cc_timed_run
