"""The LSTM cell: the whole cell, then one part highlighted at a time (cell state, forget, input, output)."""

from __future__ import annotations

from functools import partial

from matplotlib.figure import Figure

from . import arrow, box, cell_frame, highlighter, label, new_figure, op_node, vector_node

#: the parts of the drawing a figure can highlight
PARTS = ("state", "forget", "input", "output")

#: figure title for each highlighted part
TITLES = {
    None: "LSTM cell (Keras gate order i, f, c, o)",
    "state": r"cell state: $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$",
    "forget": r"forget gate: $f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)$",
    "input": r"input gate $i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)$, "
    + r"candidate $\tilde c_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)$",
    "output": r"output gate: $o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)$, $h_t = o_t \odot \tanh(c_t)$",
}

# y of the cell-state line, the input bus, the gate layers, products
TOP, BUS, GATE, MID = (4.6, 1.5, 2.6, 3.6)
GW, GH = 0.75, 0.6  # gate box size
# x of forget, input, candidate, output gates and tanh(c)
XF, XI, XG, XO, XT = (3.0, 4.5, 5.7, 7.2, 8.6)


def draw_lstm(highlight: str | None = None) -> Figure:
    """The LSTM cell; ``highlight`` (one of :data:`PARTS`) draws that part in colour and greys out the rest."""
    if highlight not in (None, *PARTS):
        raise ValueError(f"highlight must be None or one of {PARTS}, got {highlight!r}")
    fig, ax = new_figure(11.0, 6.6, scale=0.85)
    kw = highlighter(highlight)

    bus_kw = kw("forget", "input", "output")
    if highlight in ("forget", "input", "output"):
        bus_kw = {}  # the gates read [h_{t-1}, x_t]: keep the bus visible, not highlighted
    cell_frame(ax, TITLES[highlight], highlight)

    # cell-state highway along the top
    vector_node(ax, (0.45, TOP), r"$c_{t-1}$", kind="cell_state", **kw("state"))
    vector_node(ax, (10.55, TOP), r"$c_t$", kind="cell_state", **kw("state"))
    arrow(ax, [(0.77, TOP), (XF - 0.22, TOP)], head=False, **kw("state", "forget"))
    arrow(ax, [(XF + 0.22, TOP), (XG - 0.22, TOP)], head=False, **kw("state"))
    arrow(ax, [(XG + 0.22, TOP), (10.23, TOP)], **kw("state", "output"))
    op_node(ax, (XF, TOP), "×", **kw("state", "forget"))
    op_node(ax, (XG, TOP), "+", **kw("state", "input"))

    # input bus [h_{t-1}, x_t] along the bottom
    vector_node(ax, (0.45, BUS), r"$h_{t-1}$", kind="hidden", **bus_kw)
    vector_node(ax, (1.7, 0.4), r"$x_t$", kind="input", **bus_kw)
    arrow(ax, [(0.77, BUS), (XO, BUS)], head=False, **bus_kw)
    arrow(ax, [(1.7, 0.72), (1.7, BUS)], head=False, **bus_kw)
    label(ax, (2.25, BUS - 0.3), r"$[h_{t-1}, x_t]$", size="small", dim=highlight == "state")

    # the four layers
    gates = [
        (XF, "σ", "sigmoid", "forget", r"$f_t$"),
        (XI, "σ", "sigmoid", "input", r"$i_t$"),
        (XG, "tanh", "tanh", "input", r"$\tilde c_t$"),
        (XO, "σ", "sigmoid", "output", r"$o_t$"),
    ]
    for x, text, fill, part, name in gates:
        arrow(
            ax,
            [(x, BUS), (x, GATE - GH / 2)],
            **({} if highlight in (None, part) else {"dim": True}),
        )
        box(ax, (x, GATE), GW, GH, text, fill=fill, fontsize=11, **kw(part))
        label(
            ax,
            (x - 0.12, GATE + GH / 2 + 0.3)
            if x != XO
            else ((XO + GW / 2 + XT - 0.22) / 2, GATE + 0.25),
            name,
            size="small",
            ha="right" if x != XO else "center",
            dim=kw(part).get("dim", False),
            highlight=kw(part).get("highlight", False),
        )
    arrow(ax, [(XF, GATE + GH / 2), (XF, TOP - 0.22)], **kw("forget"))
    # input gate times candidate, added to the cell state
    arrow(ax, [(XI, GATE + GH / 2), (XI, MID), (XG - 0.22, MID)], **kw("input"))
    arrow(ax, [(XG, GATE + GH / 2), (XG, MID - 0.22)], **kw("input"))
    op_node(ax, (XG, MID), "×", **kw("input"))
    arrow(ax, [(XG, MID + 0.22), (XG, TOP - 0.22)], **kw("input"))
    # output: tanh(c_t) times o_t
    arrow(ax, [(XT, TOP), (XT, MID + 0.25)], **kw("output"))
    op_node(ax, (XT, MID), "tanh", radius=0.25, fill="tanh", **kw("output"))
    arrow(ax, [(XT, MID - 0.25), (XT, GATE + 0.22)], **kw("output"))
    arrow(ax, [(XO + GW / 2, GATE), (XT - 0.22, GATE)], **kw("output"))
    op_node(ax, (XT, GATE), "×", **kw("output"))
    vector_node(ax, (10.55, BUS), r"$h_t$", kind="hidden", **kw("output"))
    arrow(ax, [(XT, GATE - 0.22), (XT, BUS), (10.23, BUS)], **kw("output"))
    return fig


FIGURES = {
    "lstm_cell.png": draw_lstm,
    "lstm_cell_state_highway.png": partial(draw_lstm, "state"),
    "lstm_forget_gate.png": partial(draw_lstm, "forget"),
    "lstm_input_gate.png": partial(draw_lstm, "input"),
    "lstm_output_gate.png": partial(draw_lstm, "output"),
}
