"""The GRU cell (Keras form ``h_t = z_t·h_{t-1} + (1 − z_t)·h̃_t``): whole, then one step highlighted at a time.

The candidate is drawn in the ``reset_after=False`` form (Cho et al. 2014, and the lecture notes'): the tanh
layer reads only ``x_t`` and the reset state ``r_t ⊙ h_{t-1}``. Keras's default ``reset_after=True`` applies
``r_t`` after the recurrent product instead; every figure says so in its footnote.
"""

from __future__ import annotations

from functools import partial

from matplotlib import patheffects
from matplotlib.figure import Figure

from . import arrow, box, cell_frame, highlighter, label, new_figure, op_node, vector_node

#: the parts of the drawing a figure can highlight
PARTS = ("update", "reset", "candidate", "mix")

TITLES = {
    None: "GRU cell (Keras gate order z, r, h)",
    "update": r"update gate: $z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z)$",
    "reset": r"reset gate: $r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r)$",
    "candidate": r"candidate (reset_after=False): $\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1}) U_h + b_h)$",
    "mix": r"final mix (a sum): $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$",
}

TOP, BUS, GATE, MID = 4.6, 1.5, 2.6, 3.6
GW, GH = 0.75, 0.6
XR, XC, XZ, XONE, XMIX = 2.6, 4.4, 6.4, 7.6, 8.6  # reset, candidate, update, 1−, final + / ×
XLINE = 1.0  # height of the x_t-only line into the candidate, below the [h_{t-1}, x_t] bus

#: which ``reset_after`` variant the figures draw, written under every figure
VARIANT_NOTE = (
    r"Drawn: reset_after=False, $\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1}) U_h + b_h)$."
    "  Keras's default reset_after=True resets after the product:\n"
    r"$\tilde h_t = \tanh(x_t W_h + b^{in}_h + r_t \odot (h_{t-1} U_h + b^{rec}_h))$."
)


def draw_gru(highlight: str | None = None) -> Figure:
    """The GRU cell; ``highlight`` (one of :data:`PARTS`) draws that part in colour and greys out the rest."""
    if highlight not in (None, *PARTS):
        raise ValueError(f"highlight must be None or one of {PARTS}, got {highlight!r}")
    fig, ax = new_figure(11.0, 7.4, scale=0.85)
    ax.set_ylim(-0.8, 6.6)  # room under the cell for the footnote
    kw = highlighter(highlight)

    cell_frame(ax, TITLES[highlight], highlight)

    # the state line h_{t-1} -> h_t along the top
    vector_node(ax, (0.45, TOP), r"$h_{t-1}$", kind="hidden")
    vector_node(ax, (10.55, TOP), r"$h_t$", kind="hidden", **kw("mix"))
    arrow(ax, [(0.77, TOP), (XR, TOP)], head=False, **kw("update", "reset", "mix"))
    arrow(ax, [(XR, TOP), (XZ - 0.22, TOP)], head=False, **kw("update", "mix"))
    arrow(ax, [(XZ + 0.22, TOP), (XMIX - 0.22, TOP)], head=False, **kw("mix"))
    arrow(ax, [(XMIX + 0.22, TOP), (10.23, TOP)], **kw("mix"))
    op_node(ax, (XZ, TOP), "×", **kw("update", "mix"))
    op_node(ax, (XMIX, TOP), "+", **kw("mix"))

    # the input bus [h_{t-1}, x_t]
    bus_kw = {"dim": True} if highlight == "mix" else {}
    arrow(ax, [(1.1, TOP), (1.1, BUS), (XZ, BUS)], head=False, **bus_kw)
    vector_node(ax, (1.7, 0.4), r"$x_t$", kind="input", **bus_kw)
    arrow(ax, [(1.7, 0.72), (1.7, BUS)], head=False, **bus_kw)
    label(
        ax, (2.0, BUS - 0.3), r"$[h_{t-1}, x_t]$", size="small", ha="left", dim=highlight == "mix"
    )
    # the candidate reads x_t alone (not the bus: the un-reset h_{t-1} must not reach it), crossing the bus on a
    # bridge; h_{t-1} reaches it only through the reset product r_t ⊙ h_{t-1} below
    x_kw = {} if highlight in (None, "candidate") else {"dim": True}
    arrow(ax, [(1.7, XLINE), (XC, XLINE), (XC, BUS + 0.25)], head=False, **x_kw)
    ax.patches[-1].set_path_effects([patheffects.withStroke(linewidth=7, foreground="white")])
    arrow(ax, [(XC, BUS + 0.25), (XC, GATE - GH / 2)], **x_kw)
    label(
        ax, (XC + 0.12, XLINE + 0.22), r"$x_t$", size="small", ha="left", dim=x_kw.get("dim", False)
    )
    for x, text, fill, part, name in [
        (XR, "σ", "sigmoid", "reset", r"$r_t$"),
        (XC, "tanh", "tanh", "candidate", r"$\tilde h_t$"),
        (XZ, "σ", "sigmoid", "update", r"$z_t$"),
    ]:
        if part != "candidate":
            arrow(
                ax,
                [(x, BUS), (x, GATE - GH / 2)],
                **({} if highlight in (None, part) else {"dim": True}),
            )
        box(ax, (x, GATE), GW, GH, text, fill=fill, fontsize=11, **kw(part))
        on = kw(part)
        label(
            ax,
            (x + 0.45, GATE + GH / 2 + 0.05),
            name,
            size="small",
            ha="left",
            dim=on.get("dim", False),
            highlight=on.get("highlight", False),
        )

    # reset: r_t ⊙ h_{t-1}, fed into the candidate
    arrow(ax, [(XR, GATE + GH / 2), (XR, MID - 0.22)], **kw("reset"))
    arrow(ax, [(XR, TOP), (XR, MID + 0.22)], **kw("reset"))
    op_node(ax, (XR, MID), "×", **kw("reset", "candidate"))
    arrow(ax, [(XR + 0.22, MID), (3.55, MID), (3.55, GATE), (XC - GW / 2, GATE)], **kw("candidate"))
    # candidate out of the top, across to the (1 - z) product
    arrow(ax, [(XC, GATE + GH / 2), (XC, MID), (XMIX - 0.22, MID)], **kw("candidate", "mix"))
    op_node(ax, (XMIX, MID), "×", **kw("mix"))
    arrow(ax, [(XMIX, MID + 0.22), (XMIX, TOP - 0.22)], **kw("mix"))
    # update gate: up to z ⊙ h_{t-1} (bridging the candidate line) and through 1 − z to the other product
    arrow(ax, [(XZ, GATE + GH / 2), (XZ, TOP - 0.22)], **kw("update", "mix"))
    ax.patches[-1].set_path_effects([patheffects.withStroke(linewidth=7, foreground="white")])
    arrow(ax, [(XZ + GW / 2, GATE), (XONE - 0.25, GATE)], **kw("update", "mix"))
    op_node(ax, (XONE, GATE), "1−", radius=0.25, **kw("update", "mix"))
    arrow(ax, [(XONE + 0.25, GATE), (XMIX, GATE), (XMIX, MID - 0.22)], **kw("update", "mix"))
    one_minus = kw("update", "mix")
    label(
        ax,
        (XMIX + 0.12, GATE + 0.45),
        r"$1-z_t$",
        size="small",
        ha="left",
        dim=one_minus.get("dim", False),
        highlight=one_minus.get("highlight", False),
    )
    label(ax, (5.5, -0.75), VARIANT_NOTE, size="small", va="bottom")
    return fig


FIGURES = {
    "gru_cell.png": draw_gru,
    "gru_update_gate.png": partial(draw_gru, "update"),
    "gru_reset_gate.png": partial(draw_gru, "reset"),
    "gru_candidate.png": partial(draw_gru, "candidate"),
    "gru_final_mix.png": partial(draw_gru, "mix"),
}
