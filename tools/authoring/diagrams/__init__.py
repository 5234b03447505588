"""Course diagrams drawn with matplotlib, in one shared visual style.

This module holds the style and the drawing primitives; each topic has its own submodule
(``tools.authoring.diagrams.rnn``, ...) that exports ``FIGURES``: a dict from the PNG file name written into
``img/`` to a function that draws that figure and returns it. ``python -m tools.authoring.figures`` finds every
submodule, draws every figure and writes ``img/``. Nothing is drawn or styled on import.

Coordinates are in data units on an axis with equal aspect; 1 unit is about a box height.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

#: Colours and sizes shared by every diagram. Change them here and run ``make figures``.
STYLE: dict[str, object] = {
    "font": "DejaVu Sans",
    "fontsize": 12,
    "small": 10,
    "line": "#37474f",  # arrows and outlines
    "dim": "#cfd8dc",  # parts that are not the topic of a highlighted figure
    "highlight": "#d81b60",  # the part a figure is about
    "input": "#c8e6c9",  # x_t
    "hidden": "#bbdefb",  # h_t
    "cell_state": "#ffe0b2",  # c_t
    "cell": "#eceff1",  # the body of a cell
    "sigmoid": "#fff59d",  # sigmoid layers (gates)
    "tanh": "#b3e5fc",  # tanh layers
    "op": "#f8bbd0",  # pointwise operations (x, +, 1-)
    "text": "#263238",
}

DrawFn = Callable[[], Figure]


def new_figure(width: float, height: float, scale: float = 0.9) -> tuple[Figure, object]:
    """Create a figure whose axis spans ``[0, width] x [0, height]`` data units, axes hidden.

    Args:
        width: axis width in data units.
        height: axis height in data units.
        scale: inches per data unit.

    Returns:
        ``(fig, ax)``.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}, {height}")
    fig = Figure(figsize=(width * scale, height * scale))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _edge(highlight: bool, dim: bool) -> tuple[str, float]:
    if highlight:
        return str(STYLE["highlight"]), 2.6
    return (str(STYLE["dim"]) if dim else str(STYLE["line"])), 1.4


def box(
    ax,
    center: tuple[float, float],
    width: float,
    height: float,
    text: str = "",
    fill: str = "cell",
    highlight: bool = False,
    dim: bool = False,
    fontsize: float | None = None,
    rounding: float = 0.12,
    zorder: float = 2,
) -> FancyBboxPatch:
    """Draw a rounded box (a layer or a cell body) centred at ``center`` with optional text.

    ``fill`` is a key of :data:`STYLE` (``"sigmoid"``, ``"tanh"``, ``"cell"``...) or a colour.
    ``highlight`` draws it in the highlight colour; ``dim`` greys it out.
    """
    x, y = center
    colour = str(STYLE.get(fill, fill))
    edge, lw = _edge(highlight, dim)
    patch = FancyBboxPatch(
        (x - width / 2, y - height / 2),
        width,
        height,
        boxstyle=f"round,pad=0,rounding_size={rounding}",
        facecolor="white" if dim else colour,
        edgecolor=edge,
        linewidth=lw,
        zorder=zorder,
    )
    ax.add_patch(patch)
    if text:
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=fontsize or STYLE["fontsize"],
            color=str(STYLE["dim"]) if dim else str(STYLE["text"]),
            zorder=zorder + 1,
        )
    return patch


def op_node(
    ax,
    center: tuple[float, float],
    symbol: str,
    radius: float = 0.22,
    highlight: bool = False,
    dim: bool = False,
    fill: str = "op",
    fontsize: float | None = None,
) -> Circle:
    """Draw a pointwise operation (``"×"``, ``"+"``, ``"1−"``, ``"tanh"``) as a small circle."""
    edge, lw = _edge(highlight, dim)
    circle = Circle(
        center,
        radius,
        facecolor="white" if dim else str(STYLE.get(fill, fill)),
        edgecolor=edge,
        linewidth=lw,
        zorder=4,
    )
    ax.add_patch(circle)
    size = fontsize or (STYLE["fontsize"] if len(symbol) <= 2 else STYLE["small"] * 0.8)
    ax.text(
        *center,
        symbol,
        ha="center",
        va="center",
        fontsize=size,
        zorder=5,
        color=str(STYLE["dim"]) if dim else str(STYLE["text"]),
    )
    return circle


def vector_node(
    ax,
    center: tuple[float, float],
    text: str,
    kind: str = "hidden",
    radius: float = 0.32,
    highlight: bool = False,
    dim: bool = False,
) -> Circle:
    """Draw a vector (``x_t``, ``h_t``, ``c_t``) as a labelled circle; ``kind`` picks the colour."""
    return op_node(
        ax,
        center,
        text,
        radius=radius,
        highlight=highlight,
        dim=dim,
        fill=kind,
        fontsize=STYLE["fontsize"] if "\n" not in text else STYLE["small"],
    )


def arrow(
    ax,
    points: Sequence[tuple[float, float]],
    highlight: bool = False,
    dim: bool = False,
    head: bool = True,
    rad: float = 0.0,
    shrink: float = 0.0,
) -> None:
    """Draw a polyline arrow through ``points``; the head sits on the last point.

    ``rad`` bends a two-point arrow into an arc (positive bends left). ``shrink`` (in points) keeps
    the ends off the shapes they connect.
    """
    if len(points) < 2:
        raise ValueError(f"points needs at least 2 points, got {len(points)}")
    colour, lw = _edge(highlight, dim)
    for i, (start, end) in enumerate(zip(points[:-1], points[1:], strict=True)):
        last = i == len(points) - 2
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>" if (head and last) else "-",
                mutation_scale=14,
                color=colour,
                linewidth=lw,
                connectionstyle=f"arc3,rad={rad}",
                shrinkA=shrink if i == 0 else 0,
                shrinkB=shrink if last else 0,
                zorder=3,
                joinstyle="miter",
                capstyle="butt",
            )
        )


def label(
    ax,
    xy: tuple[float, float],
    text: str,
    size: str = "fontsize",
    dim: bool = False,
    highlight: bool = False,
    **kwargs,
) -> None:
    """Write ``text`` at ``xy`` (centred by default); mathtext such as ``r"$h_t$"`` works."""
    colour = STYLE["highlight"] if highlight else (STYLE["dim"] if dim else STYLE["text"])
    kwargs.setdefault("ha", "center")
    kwargs.setdefault("va", "center")
    ax.text(*xy, text, fontsize=STYLE[size], color=str(colour), zorder=6, **kwargs)


def highlighter(highlight: str | None) -> Callable[..., dict]:
    """Keyword arguments for drawing one part of a cell figure in colour and greying out the rest.

    ``highlighter(h)(*parts)`` gives ``{}`` when nothing is highlighted (``h`` is ``None``), else
    ``{"highlight": True, "dim": False}`` when ``h`` is one of ``parts`` and the reverse otherwise; pass it on
    to :func:`box`, :func:`op_node`, :func:`vector_node` and :func:`arrow`.
    """

    def kw(*parts: str) -> dict:
        if highlight is None:
            return {}
        on = highlight in parts
        return {"highlight": on, "dim": not on}

    return kw


def cell_frame(ax, title: str, highlight: str | None) -> None:
    """The title and the rounded outline shared by the gated-cell figures (dimmed when a part is highlighted)."""
    label(ax, (5.5, 6.05), title)
    box(ax, (5.5, 3.05), 9.4, 4.6, fill="white", dim=highlight is not None, rounding=0.3, zorder=1)


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG with a white background and reproducible metadata; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, facecolor="white", metadata={"Software": None})
    return path


def all_figures() -> dict[str, DrawFn]:
    """Collect ``FIGURES`` from every submodule of this package, file name -> drawing function.

    Raises:
        ValueError: if two submodules register the same file name.
    """
    found: dict[str, DrawFn] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, fn in getattr(module, "FIGURES", {}).items():
            if name in found:
                raise ValueError(
                    f"figure {name!r} is registered twice (second time in {module.__name__})"
                )
            found[name] = fn
    return found
