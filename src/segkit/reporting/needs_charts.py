"""Charts for the need-priority report. Each returns a matplotlib Figure; every word on it
(axis titles, need labels, quadrant names) comes from the caller, so the charts follow the
report language. The theme (fonts, CJK glyphs) is set by `segkit.reporting.theme.set_theme`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from segkit.reporting.theme import subplots

#: Vertical label offsets (points) tried in turn: beside the point first, then alternately lower
#: and higher, one text line at a time.
_OFFSETS = (4, -8, 16, -20, 28, -32, 40, -44, 52, -56)


def _annotate(ax, xs, ys, items, labels: Mapping[str, str]) -> None:
    """Label each point with its need, moving a label up or down until it overlaps no earlier
    one (a thin leader line then ties it to its point). Call after the axis limits are set."""
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    points = list(zip(np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64"), items))
    for x, y, item in sorted(points, key=lambda p: -p[1]):
        name = labels.get(item, item)
        for dy in _OFFSETS:
            trial = ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, dy), fontsize=8, va="center")
            box = trial.get_window_extent(renderer)
            trial.remove()
            if not any(box.overlaps(other) for other in placed):
                break
        leader = {"arrowstyle": "-", "color": "0.6", "lw": 0.6, "shrinkA": 0, "shrinkB": 3} if dy != _OFFSETS[0] else None
        text = ax.annotate(name, (x, y), textcoords="offset points", xytext=(6, dy), fontsize=8, va="center", arrowprops=leader)
        placed.append(text.get_window_extent(renderer))


def _quadrant_names(ax, names: Mapping[str, str] | None, corners: Mapping[str, tuple[float, float]]) -> None:
    for key, (x, y) in corners.items():
        if names and key in names:
            ax.text(
                x,
                y,
                names[key],
                transform=ax.transAxes,
                fontsize=9,
                color="0.45",
                ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom",
            )


def priority_chart(
    table: pd.DataFrame,
    *,
    importance_line: float,
    urgency_line: float,
    labels: Mapping[str, str],
    x_label: str,
    y_label: str,
    quadrant_names: Mapping[str, str] | None = None,
    scale: tuple[float, float] = (1, 5),
) -> Figure:
    """Importance (x) × urgency (y) bubbles, size = share rating the need important, with crosshairs."""
    fig, ax = subplots(figsize=(7.5, 6))
    sizes = 100 + 1400 * table["share_important"].fillna(0)
    colours = sns.color_palette("deep", 4)
    order = ["act-now", "plan", "quick-fix", "monitor"]
    for key, colour in zip(order, colours):
        part = table[table["quadrant"] == key]
        ax.scatter(part["importance"], part["urgency"], s=sizes[part.index], color=colour, alpha=0.6, edgecolor="white")
    ax.axvline(importance_line, color="0.5", lw=1, ls="--")
    ax.axhline(urgency_line, color="0.5", lw=1, ls="--")
    ax.set(xlim=scale, ylim=scale, xlabel=x_label, ylabel=y_label)
    _annotate(ax, table["importance"], table["urgency"], table["item"], labels)
    _quadrant_names(
        ax, quadrant_names, {"act-now": (0.98, 0.98), "plan": (0.98, 0.02), "quick-fix": (0.02, 0.98), "monitor": (0.02, 0.02)}
    )
    return fig


def ipa_chart(
    table: pd.DataFrame,
    *,
    importance_line: float,
    performance_line: float,
    model: str,
    labels: Mapping[str, str],
    x_label: str,
    y_label: str,
    quadrant_names: Mapping[str, str] | None = None,
    scale: tuple[float, float] = (1, 5),
) -> Figure:
    """Performance (x) × importance (y), Martilla & James layout; the diagonal model adds the
    iso-priority line importance = performance."""
    fig, ax = subplots(figsize=(7.5, 6))
    sns.scatterplot(data=table, x="performance", y="importance", hue="quadrant", s=90, ax=ax, legend=False, palette="deep")
    ax.axvline(performance_line, color="0.5", lw=1, ls="--")
    ax.axhline(importance_line, color="0.5", lw=1, ls="--")
    if model == "diagonal":
        ax.plot(scale, scale, color="0.3", lw=1)
    ax.set(xlim=scale, ylim=scale, xlabel=x_label, ylabel=y_label)
    _annotate(ax, table["performance"], table["importance"], table["item"], labels)
    _quadrant_names(
        ax,
        quadrant_names,
        {
            "concentrate-here": (0.02, 0.98),
            "keep-up": (0.98, 0.98),
            "low-priority": (0.02, 0.02),
            "possible-overkill": (0.98, 0.02),
        },
    )
    return fig


def better_worse_chart(
    table: pd.DataFrame, *, labels: Mapping[str, str], x_label: str, y_label: str, class_names: Mapping[str, str]
) -> Figure:
    """Kano Better (y) against |Worse| (x) with bootstrap CIs; the 0.5 lines split the plane
    into attractive (top left), one-dimensional (top right), must-be (bottom right) and indifferent."""
    fig, ax = subplots(figsize=(7.5, 6))
    x, y = -table["worse"], table["better"]
    if {"better_low", "worse_low"} <= set(table.columns):
        ax.errorbar(
            x,
            y,
            xerr=[x - (-table["worse_high"]), (-table["worse_low"]) - x],
            yerr=[y - table["better_low"], table["better_high"] - y],
            fmt="none",
            ecolor="0.7",
            lw=1,
        )
    ax.scatter(x, y, s=70, color=sns.color_palette("deep")[0], zorder=3)
    ax.axvline(0.5, color="0.5", lw=1, ls="--")
    ax.axhline(0.5, color="0.5", lw=1, ls="--")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=x_label, ylabel=y_label)
    _annotate(ax, x, y, table["item"], labels)
    _quadrant_names(ax, class_names, {"A": (0.02, 0.98), "O": (0.98, 0.98), "M": (0.98, 0.02), "I": (0.02, 0.02)})
    return fig


def bar_chart(values: pd.Series, *, labels: Mapping[str, str], x_label: str, reference: float | None = None) -> Figure:
    """Horizontal bars of one number per need or category (largest on top), e.g. opportunity scores."""
    ordered = values.sort_values()
    fig, ax = subplots(figsize=(7.5, 0.45 * len(ordered) + 1.2))
    ax.barh([labels.get(i, i) for i in ordered.index], ordered.to_numpy(), color=sns.color_palette("deep")[0])
    if reference is not None:
        ax.axvline(reference, color="0.4", lw=1, ls="--")
    ax.set(xlabel=x_label)
    return fig


def derived_vs_stated_chart(table: pd.DataFrame, *, labels: Mapping[str, str], x_label: str, y_label: str) -> Figure:
    """Stated importance (x) against derived importance (y, share of R²) with bootstrap CIs."""
    fig, ax = subplots(figsize=(7.5, 6))
    y = table["rescaled"]
    if "ci_low" in table:
        r2 = table["raw"].sum()
        ax.errorbar(
            table["stated"], y, yerr=[y - table["ci_low"] / r2, table["ci_high"] / r2 - y], fmt="none", ecolor="0.7", lw=1
        )
    ax.scatter(table["stated"], y, s=70, color=sns.color_palette("deep")[2], zorder=3)
    ax.set(xlabel=x_label, ylabel=y_label)
    _annotate(ax, table["stated"], y, table["item"], labels)
    return fig


def interval_chart(table: pd.DataFrame, *, value_col: str, label_col: str, x_label: str, reference: float | None = 0.0) -> Figure:
    """Point estimates with intervals (columns ci_low, ci_high), one row per group, e.g. NPS by segment."""
    fig, ax = subplots(figsize=(7.5, 0.5 * len(table) + 1.2))
    positions = np.arange(len(table))
    values = table[value_col].to_numpy(dtype="float64")
    ax.errorbar(
        values,
        positions,
        xerr=[values - table["ci_low"].to_numpy(dtype="float64"), table["ci_high"].to_numpy(dtype="float64") - values],
        fmt="o",
        color=sns.color_palette("deep")[0],
        ecolor="0.6",
        capsize=3,
    )
    ax.set_yticks(positions, table[label_col].astype("str").tolist())
    if reference is not None:
        ax.axvline(reference, color="0.5", lw=1, ls="--")
    ax.set(xlabel=x_label)
    ax.invert_yaxis()
    return fig


def silhouette_chart(selection: pd.DataFrame, *, x_label: str, y_label: str) -> Figure:
    """Mean silhouette (y) by number of clusters k (x), the chosen k marked (columns k, silhouette, chosen)."""
    fig, ax = subplots(figsize=(6.5, 3.8))
    colour = sns.color_palette("deep")[0]
    ax.plot(selection["k"], selection["silhouette"], marker="o", color=colour)
    chosen = selection[selection["chosen"]]
    ax.scatter(
        chosen["k"], chosen["silhouette"], s=160, facecolors="none", edgecolors=sns.color_palette("deep")[3], lw=2, zorder=3
    )
    for k, s in zip(selection["k"], selection["silhouette"]):
        ax.annotate(f"{s:.2f}", (k, s), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    low = min(0.0, float(selection["silhouette"].min()))
    ax.set(
        xlabel=x_label,
        ylabel=y_label,
        xticks=selection["k"].tolist(),
        ylim=(low, max(0.3, float(selection["silhouette"].max()) * 1.25)),
    )
    return fig
