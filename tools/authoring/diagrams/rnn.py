"""Diagrams of the plain recurrent cell: folded (with its loop) and unrolled in time."""

from __future__ import annotations

from matplotlib.figure import Figure

from . import STYLE, arrow, box, label, new_figure, vector_node

CELL_W, CELL_H = 1.9, 1.0


def _cell(ax, x: float, y: float, text: str = "tanh", **kw) -> None:
    box(ax, (x, y), CELL_W, CELL_H, text, fill="tanh", **kw)


def draw_rnn_folded() -> Figure:
    """The folded RNN cell: x_t in, h_t out, and the loop that feeds h_{t-1} back in."""
    fig, ax = new_figure(5.2, 4.6)
    cx, cy = 2.2, 2.3
    _cell(ax, cx, cy, "RNN cell\n" + r"$\tanh(x_t W_x + h_{t-1} W_h + b)$", fontsize=10)
    ax.patches[-1].set_width(3.0)
    ax.patches[-1].set_x(cx - 1.5)
    vector_node(ax, (cx, 0.55), r"$x_t$", kind="input")
    vector_node(ax, (cx, 4.05), r"$h_t$", kind="hidden")
    arrow(ax, [(cx, 0.87), (cx, cy - CELL_H / 2)])
    arrow(ax, [(cx, cy + CELL_H / 2), (cx, 3.73)])
    # the recurrent loop: out of the top, round the right side, back into the cell
    loop = [(cx, 3.2), (4.35, 3.2), (4.35, 1.45), (cx + 0.9, 1.45), (cx + 0.9, cy - CELL_H / 2)]
    arrow(ax, loop, highlight=True)
    label(ax, (4.62, 2.3), r"$h_{t-1}$", highlight=True, ha="left")
    label(ax, (4.35, 1.05), "one-step delay", size="small", highlight=True)
    return fig


def draw_rnn_unrolled(steps: int = 4) -> Figure:
    """The same cell unrolled over ``steps`` time steps: one copy per step, sharing W_x, W_h and b."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    gap = 2.7
    width = 1.6 + gap * steps + 0.6
    fig, ax = new_figure(width, 4.7)
    y = 2.5
    vector_node(ax, (0.55, y), r"$h_{-1}$" + "\n= 0", kind="hidden", radius=0.42)
    prev_right = 0.97
    for t in range(steps):
        x = 1.6 + gap * t + CELL_W / 2
        _cell(ax, x, y, "tanh")
        tt = "t" if steps > 4 and t == steps - 1 else str(t)
        vector_node(ax, (x, 0.8), rf"$x_{{{tt}}}$", kind="input")
        vector_node(ax, (x, 4.2), rf"$h_{{{tt}}}$", kind="hidden")
        arrow(ax, [(x, 1.12), (x, y - CELL_H / 2)])
        arrow(ax, [(x, y + CELL_H / 2), (x, 3.88)])
        arrow(ax, [(prev_right, y), (x - CELL_W / 2, y)], highlight=True)
        if t > 0:
            label(
                ax,
                ((prev_right + x - CELL_W / 2) / 2, y + 0.3),
                rf"$h_{{{t - 1}}}$",
                size="small",
                highlight=True,
            )
        prev_right = x + CELL_W / 2
    label(
        ax,
        (width / 2, 0.05),
        r"every copy uses the same $W_x$, $W_h$, $b$",
        size="small",
        va="bottom",
    )
    arrow(ax, [(prev_right, y), (width - 0.45, y)], highlight=True)
    ax.text(width - 0.05, y, "…", fontsize=STYLE["fontsize"], ha="right", va="center")
    return fig


FIGURES = {
    "rnn_cell_folded.png": draw_rnn_folded,
    "rnn_unrolled_in_time.png": draw_rnn_unrolled,
}
