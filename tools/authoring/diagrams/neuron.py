"""Diagrams of the single recurrent neuron of notebook 02: its self-loop y(t) = W·y(t−1), and unrolled, W^n."""

from __future__ import annotations

from matplotlib.figure import Figure

from . import arrow, box, label, new_figure, op_node, vector_node


def draw_recurrent_neuron_self_loop(steps: int = 3) -> Figure:
    """Left: one neuron whose output returns through a one-step delay and the weight W.
    Right: the same loop unrolled over ``steps`` steps, so that y(t) = W^steps · y(t − steps)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    gap = 2.3
    width = 6.2 + gap * steps + 0.8
    fig, ax = new_figure(width, 4.8)

    # --- folded: the neuron with its self-loop -------------------------------------------------------------
    nx, ny = 2.0, 2.3
    vector_node(ax, (nx, 0.55), r"$x(t)$", kind="input", radius=0.38)
    box(ax, (nx, ny), 1.3, 0.9, r"$\Sigma$", fill="tanh")
    vector_node(ax, (nx, 4.05), r"$y(t)$", kind="hidden", radius=0.38)
    arrow(ax, [(nx, 0.93), (nx, ny - 0.45)])
    arrow(ax, [(nx, ny + 0.45), (nx, 3.67)])
    # the loop: out of the top, round the right-hand side through a delay and the weight, back into the neuron
    lx = nx + 1.75
    arrow(ax, [(nx, 3.25), (lx, 3.25), (lx, 2.95)], highlight=True, head=False)
    box(ax, (lx, 2.6), 0.9, 0.6, "delay", fill="cell", fontsize=9, highlight=True)
    arrow(ax, [(lx, 2.3), (lx, 1.95)], highlight=True, head=False)
    op_node(ax, (lx, 1.7), "×W", radius=0.26, highlight=True)
    arrow(ax, [(lx, 1.44), (lx, 1.2), (nx + 0.35, 1.2), (nx + 0.35, ny - 0.45)], highlight=True)
    label(ax, (lx + 0.55, 2.6), r"$y(t-1)$", size="small", highlight=True, ha="left")
    label(ax, (nx + 0.6, 4.7), "one neuron with a self-loop", size="small", va="top")

    # --- unrolled: one multiplication by W per step --------------------------------------------------------
    ux0 = 6.2
    for i in range(steps + 1):
        x = ux0 + gap * i
        lag = steps - i
        text = r"$y(t)$" if lag == 0 else rf"$y(t-{lag})$"
        vector_node(ax, (x, 2.3), text, kind="hidden", radius=0.5, highlight=lag == 0)
        if i < steps:
            arrow(ax, [(x + 0.5, 2.3), (x + gap - 0.5, 2.3)], highlight=True)
            label(ax, (x + gap / 2, 2.62), r"$\times W$", size="small", highlight=True)
    mid = ux0 + gap * steps / 2
    label(
        ax,
        (mid, 4.7),
        "the loop unrolled in time (input, activation and bias left out)",
        size="small",
        va="top",
    )
    label(ax, (mid, 3.55), rf"$y(t) = W^{{{steps}}}\cdot y(t-{steps})$", highlight=True)
    label(
        ax,
        (mid, 1.15),
        r"$n$ steps back: $y(t) = W^n\,y(t-n)$,  $\partial y(t)/\partial y(t-n) = W^n$",
        size="small",
    )
    return fig


FIGURES = {
    "recurrent_neuron_self_loop.png": draw_recurrent_neuron_self_loop,
}
