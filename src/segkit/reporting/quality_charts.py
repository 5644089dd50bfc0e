"""Charts of the data-quality report; every label arrives translated (the caller owns the language)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from segkit.reporting.theme import subplots

COLOUR, ACCENT = "#2f6690", "#b44d12"


def removed_rows(rows: Sequence[int], rules: Sequence[str], *, title: str, x_label: str) -> Figure:
    """Horizontal bars: rows removed per cleaning rule (`rules` already translated)."""
    fig, ax = subplots(figsize=(8, 0.45 * len(rules) + 1.2))
    sns.barplot(x=list(rows), y=list(rules), color=COLOUR, ax=ax)
    ax.set(title=title, xlabel=x_label, ylabel="")
    return fig


def orders_per_month(per_month: pd.Series, *, title: str, x_label: str, y_label: str) -> Figure:
    """Bars: orders per calendar month (a PeriodIndex), empty months shown as gaps."""
    fig, ax = subplots(figsize=(9, 4))
    sns.barplot(x=per_month.index.strftime("%Y-%m"), y=per_month.to_numpy(), color=COLOUR, ax=ax)
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    ax.tick_params(axis="x", labelrotation=90)
    return fig


def order_values(amounts: pd.Series, *, title: str, x_label: str, y_label: str, median_label: str) -> Figure:
    """Histogram of positive order values on a log axis, with the median marked."""
    positive = amounts.loc[amounts > 0]
    fig, ax = subplots()
    sns.histplot(positive, log_scale=True, bins=40, color=COLOUR, ax=ax)
    ax.axvline(positive.median(), color=ACCENT, linestyle="--", label=median_label)
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    ax.legend()
    return fig


def customers_by_region(table: pd.DataFrame, *, title: str, x_label: str, y_label: str) -> Figure:
    """Horizontal bars: customers per region (columns ``region``, ``customers``)."""
    fig, ax = subplots(figsize=(8, 0.35 * len(table) + 1.2))
    sns.barplot(data=table, x="customers", y="region", color=COLOUR, ax=ax)
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    return fig
