"""Charts of the lifetime-value report: each function takes tables and returns a matplotlib Figure.

As in `segkit.reporting.value_charts`, every label a reader sees is passed in by the caller (from
the catalogue), numbers on the axes carry thousands separators, and the theme is set once by
`segkit.reporting.theme.set_theme`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from segkit.reporting.theme import subplots

ACTUAL, PREDICTED, MARK = "#4C72B0", "#DD8452", "#C44E52"


def _thousands(value: float, _position: object = None) -> str:
    return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:g}"


def clv_histogram(clv: pd.Series, *, labels: Mapping[str, str], bins: int = 40) -> Figure:
    """Customers by CLV on a log axis, with the mean and the median marked.

    The axis starts at the 1st percentile of the positive values (at least 1 currency unit when
    anything is worth more); customers worth less are counted in the leftmost bar.
    """
    values = clv.dropna().to_numpy(dtype=float)
    positive = values[values > 0]
    fig, ax = subplots(figsize=(8, 3.8))
    if len(positive) == 0:
        ax.text(0.5, 0.5, labels["no_value"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    top = float(positive.max())
    floor = max(float(np.quantile(positive, 0.01)), 1.0) if top > 1 else float(positive.min())
    edges = np.geomspace(floor, max(top, floor * 1.01), bins + 1)
    ax.hist(np.clip(values, floor, None), bins=edges.tolist(), color=ACTUAL, edgecolor="white", linewidth=0.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    for value, style, name in ((values.mean(), "--", "mean"), (np.median(values), ":", "median")):
        if value > 0:
            ax.axvline(value, color=MARK, linestyle=style, linewidth=1.5, label=f"{labels[name]} {value:,.0f}")
    ax.set_xlabel(labels["clv"])
    ax.set_ylabel(labels["customers"])
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def p_alive_heatmap(matrix: pd.DataFrame, *, labels: Mapping[str, str]) -> Figure:
    """The probability-alive matrix: recency bins (rows, 0 on top as lifetimes draws it) x frequency bins.

    `matrix` is `segkit.models.matrices.p_alive_matrix`; the colour is the mean P(alive), each cell
    shows it with the number of customers, and empty cells stay blank.
    """
    rows = matrix.drop_duplicates("recency_bin").sort_values("recency_bin")["recency"].tolist()
    cols = matrix.drop_duplicates("frequency_bin").sort_values("frequency_bin")["frequency"].tolist()
    mean = matrix.pivot(index="recency_bin", columns="frequency_bin", values="mean_p_alive").sort_index()
    count = matrix.pivot(index="recency_bin", columns="frequency_bin", values="customers").sort_index()
    annot = np.where(
        count.to_numpy() > 0,
        [[f"{p:.0%}\n{int(n):,}" for p, n in zip(pr, nr)] for pr, nr in zip(mean.to_numpy(), count.to_numpy())],
        "",
    )
    shown = pd.DataFrame(mean.to_numpy(), index=rows, columns=cols)
    fig, ax = subplots(figsize=(0.9 * len(cols) + 3, 0.55 * len(rows) + 1.8))
    sns.heatmap(
        shown,
        ax=ax,
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        annot=annot,
        fmt="",
        annot_kws={"size": 8},
        linewidths=0.5,
        cbar_kws={"label": labels["mean_p_alive"], "format": PercentFormatter(1.0)},
    )
    ax.grid(False)
    ax.set_xlabel(labels["frequency"])
    ax.set_ylabel(labels["recency"])
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    return fig


def holdout_by_frequency(table: pd.DataFrame, *, names: list[str], labels: Mapping[str, str]) -> Figure:
    """Mean holdout purchases, actual and predicted, by calibration frequency (one point per row of `table`)."""
    x = np.arange(len(table))
    fig, ax = subplots(figsize=(7.5, 3.8))
    ax.plot(x, table["actual"], marker="o", color=ACTUAL, label=labels["actual"])
    ax.plot(x, table["predicted"], marker="s", linestyle="--", color=PREDICTED, label=labels["predicted"])
    ax.set_xticks(x, names)
    ax.set_xlabel(labels["calibration_frequency"])
    ax.set_ylabel(labels["holdout_mean"])
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def tracking(table: pd.DataFrame, *, labels: Mapping[str, str]) -> Figure:
    """Repeat purchases of the cohort, cumulative (left) and per period (right), actual and predicted.

    The vertical line is the end of the calibration period: to its right the model had not seen
    the purchases.
    """
    fig, axes = subplots(1, 2, figsize=(12, 3.8))
    period = table["period"].to_numpy()
    holdout = table["holdout"].to_numpy(dtype=bool)
    boundary = float(period[holdout][0] - 1) if holdout.any() else None
    for ax, (actual, predicted, title) in zip(
        axes, [("actual_cumulative", "predicted_cumulative", "cumulative"), ("actual", "predicted", "per_period")]
    ):
        ax.plot(period, table[actual], color=ACTUAL, label=labels["actual"])
        ax.plot(period, table[predicted], color=PREDICTED, linestyle="--", label=labels["predicted"])
        if boundary is not None:
            ax.axvline(boundary, color="grey", linestyle=":", linewidth=1.5)
            ax.annotate(
                labels["calibration_end"],
                (boundary, 0),
                xycoords=("data", "axes fraction"),
                xytext=(-4, 4),
                textcoords="offset points",
                ha="right",
                va="bottom",
                color="grey",
            )
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_title(labels[title])
        ax.set_xlabel(labels["period"])
        ax.set_ylabel(labels["repeat_purchases"])
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def calibration_curve(table: pd.DataFrame, *, names: Mapping[str, str], labels: Mapping[str, str]) -> Figure:
    """Mean predicted risk against the observed churn share per risk group, one line per model, with the diagonal."""
    fig, ax = subplots(figsize=(5.6, 4.6))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label=labels["perfect"])
    for (model, part), colour in zip(table.groupby("model", sort=False), (ACTUAL, PREDICTED, MARK), strict=False):
        ax.plot(part["predicted"], part["observed"], marker="o", color=colour, label=names.get(str(model), str(model)))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels["predicted"])
    ax.set_ylabel(labels["observed"])
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
