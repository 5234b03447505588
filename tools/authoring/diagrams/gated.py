"""The lecture's gated neuron: a state that keeps a learned fraction of its past (the idea behind the LSTM)."""

from __future__ import annotations

from matplotlib.figure import Figure

from . import arrow, box, label, new_figure, op_node, vector_node


def draw_gated_neuron() -> Figure:
    """C_t = f_t·C_{t−1} + C_new, h_t = o_t·tanh(C_t), with f_t = σ(W_fh·h_{t−1} + W_fx·x_t + b_f)."""
    fig, ax = new_figure(10.0, 5.6, scale=0.85)
    label(ax, (5.0, 5.25), r"$C_t = f_t \cdot C_{t-1} + C_{new}$      $h_t = o_t \cdot \tanh(C_t)$")
    label(
        ax,
        (5.0, 4.75),
        r"$f_t = \sigma(W_{fh} h_{t-1} + W_{fx} x_t + b_f)$, a number between 0 and 1",
        size="small",
    )
    y = 3.4  # the memory line
    vector_node(ax, (0.5, y), r"$C_{t-1}$", kind="cell_state", radius=0.38)
    arrow(ax, [(0.88, y), (2.58, y)], highlight=True)
    op_node(ax, (2.8, y), "×", highlight=True)
    arrow(ax, [(3.02, y), (4.58, y)], highlight=True)
    op_node(ax, (4.8, y), "+")
    arrow(ax, [(5.02, y), (9.12, y)])
    vector_node(ax, (9.5, y), r"$C_t$", kind="cell_state", radius=0.38)
    label(ax, (1.75, y + 0.3), "keep a fraction", size="small", highlight=True)
    # C_new from above the + (what this step writes)
    label(ax, (4.8, 4.25), r"$C_{new}$", size="small")
    arrow(ax, [(4.8, 4.05), (4.8, y + 0.22)])
    # the forget gate below the ×
    box(ax, (2.8, 2.0), 0.8, 0.6, "σ", fill="sigmoid", highlight=True)
    label(ax, (3.35, 2.75), r"$f_t$", size="small", highlight=True)
    arrow(ax, [(2.8, 2.3), (2.8, y - 0.22)], highlight=True)
    vector_node(ax, (1.9, 0.6), r"$h_{t-1}$", kind="hidden")
    vector_node(ax, (3.7, 0.6), r"$x_t$", kind="input")
    arrow(ax, [(2.1, 0.87), (2.6, 1.7)], shrink=2)
    arrow(ax, [(3.5, 0.87), (3.0, 1.7)], shrink=2)
    # the read-out: h_t = o_t · tanh(C_t)
    arrow(ax, [(7.0, y), (7.0, 2.55)])
    op_node(ax, (7.0, 2.3), "tanh", radius=0.25, fill="tanh")
    arrow(ax, [(7.0, 2.05), (7.0, 1.42)])
    op_node(ax, (7.0, 1.2), "×")
    label(ax, (5.7, 1.2), r"$o_t$", size="small")
    arrow(ax, [(5.9, 1.2), (6.78, 1.2)])
    arrow(ax, [(7.22, 1.2), (8.62, 1.2)])
    vector_node(ax, (9.0, 1.2), r"$h_t$", kind="hidden", radius=0.38)
    return fig


FIGURES = {"gated_neuron.png": draw_gated_neuron}
