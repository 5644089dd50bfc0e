"""Charts of the data-driven value segments: each function takes tables and returns a Figure.

As in the other chart modules, every label a reader sees is passed in by the caller (from the
catalogue) and the theme is set once by `segkit.reporting.theme.set_theme`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from segkit.reporting.theme import subplots

LINE, MARK = "#4C72B0", "#C44E52"


def selection_curve(selection: pd.DataFrame, *, chosen: int, labels: Mapping[str, str]) -> Figure:
    """Silhouette (k-means) and BIC (Gaussian mixture) by k, side by side, the chosen k marked."""
    fig, axes = subplots(1, 2, figsize=(9, 3.4))
    for ax, column in zip(axes, ("silhouette", "bic"), strict=True):
        ax.plot(selection["k"], selection[column], marker="o", color=LINE)
        picked = selection.loc[selection["k"] == chosen, column]
        if not picked.empty:
            ax.scatter([chosen], [picked.iloc[0]], s=120, facecolors="none", edgecolors=MARK, linewidths=2, zorder=3)
            ax.annotate(labels["chosen"], (chosen, picked.iloc[0]), textcoords="offset points", xytext=(8, 8), color=MARK)
        ax.set_xlabel(labels["k"])
        ax.set_ylabel(labels[column])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if column == "bic":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    fig.tight_layout()
    return fig
