"""The widget probe appended to every notebook in the Colab replica (never imported: tools.colab.check adds
it as a last cell): move each control of every ``interactive`` widget and check its callback ran.

``_cc_log`` is defined by kernel_startup.py in the same kernel.
"""

# ruff: noqa: F821
import ipywidgets as _cc_w

_cc_registry = getattr(_cc_w.Widget, "_active_widgets", None) or getattr(
    _cc_w.Widget, "widgets", {}
)
_cc_boxes = [x for x in list(_cc_registry.values()) if isinstance(x, _cc_w.interactive)]
_cc_moves, _cc_failed = 0, []
for _cc_box in _cc_boxes:
    _cc_calls, _cc_f = [], _cc_box.f

    def _cc_wrapped(*a, _f=_cc_f, _calls=_cc_calls, **kw):
        result = _f(*a, **kw)
        _calls.append(kw)
        return result

    _cc_box.f = _cc_wrapped
    for _cc_control in _cc_box.kwargs_widgets:
        if not hasattr(_cc_control, "max"):
            continue
        _cc_before = len(_cc_calls)
        _cc_control.value = (
            _cc_control.max if _cc_control.value != _cc_control.max else _cc_control.min
        )
        _cc_moves += 1
        if len(_cc_calls) == _cc_before:
            _cc_failed.append(getattr(_cc_control, "description", "?"))
_cc_log(
    "widgets", version=_cc_w.__version__, boxes=len(_cc_boxes), moves=_cc_moves, failed=_cc_failed
)
print(
    f"colab-check: ipywidgets {_cc_w.__version__}, {len(_cc_boxes)} interactive widget(s), {_cc_moves} control(s) moved"
)
assert not _cc_failed, f"the callback did not complete after moving {_cc_failed}"
