"""Charts of the customer-value report: each function takes tables and returns a matplotlib Figure.

Every label a reader sees is passed in by the caller (from the catalogue), so the same function
draws the English and the Chinese report; the look (fonts, CJK glyphs) is set once by
`segkit.reporting.theme.set_theme`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from segkit.reporting.theme import subplots


def rfm_distributions(features: pd.DataFrame, *, labels: Mapping[str, str]) -> Figure:
    """Histograms of recency, frequency and monetary; frequency and monetary on log axes (long tails)."""
    fig, axes = subplots(1, 3, figsize=(12, 3.4))
    for ax, col in zip(axes, ("recency", "frequency", "monetary")):
        values = features[col].dropna()
        log = col != "recency" and (values > 0).all() and values.max() > 20 * max(values.min(), 1e-9)
        sns.histplot(values, ax=ax, bins=30, log_scale=bool(log), color="#4C72B0")
        ax.set_xlabel(labels[col])
        ax.set_ylabel(labels["customers"])
    fig.tight_layout()
    return fig


def rfm_heatmap(scored: pd.DataFrame, *, bins: int, labels: Mapping[str, str]) -> Figure:
    """Recency score (rows, best on top) x frequency score (columns), coloured by mean monetary value.

    Cells show the number of customers; empty combinations stay blank.
    """
    grid = range(bins, 0, -1), range(1, bins + 1)
    mean = scored.pivot_table(index="r_score", columns="f_score", values="monetary", aggfunc="mean")
    count = scored.pivot_table(index="r_score", columns="f_score", values="monetary", aggfunc="size")
    mean = mean.reindex(index=grid[0], columns=grid[1])
    count = count.reindex(index=grid[0], columns=grid[1])
    fig, ax = subplots(figsize=(6.5, 5))
    sns.heatmap(
        mean,
        ax=ax,
        cmap="YlGnBu",
        annot=count.fillna(0).astype(int).astype(str).where(count.notna(), ""),
        fmt="",
        cbar_kws={"label": labels["mean_monetary"]},
        linewidths=0.5,
    )
    ax.set_xlabel(labels["f_score"])
    ax.set_ylabel(labels["r_score"])
    fig.tight_layout()
    return fig


def segment_shares(summary: pd.DataFrame, *, names: Sequence[str], labels: Mapping[str, str]) -> Figure:
    """Share of customers next to share of revenue per segment (horizontal bars)."""
    data = pd.DataFrame(
        {
            "segment": list(names) * 2,
            "share": np.concatenate([summary["customer_share"].to_numpy(), summary["revenue_share"].to_numpy()]),
            "what": [labels["customer_share"]] * len(summary) + [labels["revenue_share"]] * len(summary),
        }
    )
    fig, ax = subplots(figsize=(8, 0.45 * len(summary) + 1.5))
    sns.barplot(data=data, y="segment", x="share", hue="what", ax=ax, orient="h")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.legend(title="")
    fig.tight_layout()
    return fig


def lorenz(
    lorenz_points: pd.DataFrame, *, cut: float, customer_share_at_cut: float, gini: float, labels: Mapping[str, str]
) -> Figure:
    """Lorenz curve with the diagonal of perfect equality and the Pareto point marked.

    The Pareto point: the top `customer_share_at_cut` of customers bring `cut` of revenue, i.e.
    the bottom (1 - that share) bring (1 - cut) on the curve.
    """
    fig, ax = subplots(figsize=(5.5, 5))
    ax.plot(
        lorenz_points["customer_share"], lorenz_points["revenue_share"], label=f"{labels['lorenz']} ({labels['gini']} {gini:.2f})"
    )
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label=labels["equality"])
    x, y = 1 - customer_share_at_cut, 1 - cut
    ax.scatter([x], [y], color="#C44E52", zorder=3)
    point = labels["pareto_point"].format(customers=f"{customer_share_at_cut:.0%}", revenue=f"{cut:.0%}")
    ax.annotate(point, (x, y), textcoords="offset points", xytext=(-12, 10), ha="right")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels["customer_share_axis"])
    ax.set_ylabel(labels["revenue_share_axis"])
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def stage_bars(sizes: pd.DataFrame, *, names: Sequence[str], labels: Mapping[str, str]) -> Figure:
    """Customers per lifecycle stage."""
    fig, ax = subplots(figsize=(7, 3.2))
    sns.barplot(x=list(names), y=sizes["customers"].to_numpy(), ax=ax, color="#4C72B0")
    ax.set_ylabel(labels["customers"])
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def cohort_heatmap(pct: pd.DataFrame, *, labels: Mapping[str, str], max_months: int = 24) -> Figure:
    """Cohort retention: first-purchase month x months since, in % of the cohort."""
    data = pct.iloc[:, : max_months + 1]
    fig, ax = subplots(figsize=(min(2 + 0.5 * data.shape[1], 16), 0.35 * len(data) + 1.5))
    # Cell labels only while they stay legible on a page; a larger grid gets a colour scale instead.
    annotate = len(data) <= 18 and data.shape[1] <= 13
    sns.heatmap(
        data,
        ax=ax,
        cmap="Blues",
        vmin=0,
        vmax=max(float(np.nanmax(data.iloc[:, 1:].to_numpy(), initial=0)), 0.01),
        annot=annotate,
        fmt=".0%",
        annot_kws={"size": 8},
        cbar=not annotate,
        cbar_kws=None if annotate else {"format": PercentFormatter(1.0), "shrink": 0.6},
    )
    ax.set_xlabel(labels["months_since_first"])
    ax.set_ylabel(labels["cohort"])
    fig.tight_layout()
    return fig


def migration_heatmap(
    pct: pd.DataFrame, counts: pd.DataFrame, *, row_names: Sequence[str], column_names: Sequence[str], labels: Mapping[str, str]
) -> Figure:
    """Transition matrix: each row (earlier segment) shows where its customers went, in %."""
    shown = pd.DataFrame(pct.to_numpy(), index=list(row_names), columns=list(column_names))
    annot = np.where(counts.to_numpy() > 0, (100 * pct.fillna(0)).round().astype(int).astype(str) + "%", "")
    fig, ax = subplots(figsize=(0.8 * len(column_names) + 3, 0.5 * len(row_names) + 2))
    sns.heatmap(shown, ax=ax, cmap="Purples", vmin=0, vmax=1, annot=annot, fmt="", cbar=False, linewidths=0.5)
    ax.set_xlabel(labels["after"])
    ax.set_ylabel(labels["before"])
    fig.tight_layout()
    return fig


def shares_over_snapshots(
    sizes: pd.DataFrame,
    *,
    order: Sequence[str],
    names: Mapping[str, str],
    ticks: Sequence[str],
    legend_title: str,
    labels: Mapping[str, str],
) -> Figure:
    """100 % stacked bars: one bar per snapshot date, one colour per segment, best segment at the bottom.

    Stacked shares rather than an alluvial chart: with 8-10 segments over 5 dates an alluvial has up
    to a hundred ribbons per period and reads as noise, while stacked bars keep every segment in one
    place and colour (green = best rank to red = worst), so growing and shrinking segments are read
    directly; the flows themselves are in the table beside the chart. Shares of 5 % and more are
    written in their block. `sizes` has snapshot, segment and share (`PeriodMigration.sizes`);
    `ticks` labels the bars (oldest first).
    """
    shares = sizes.pivot_table(index="snapshot", columns="segment", values="share", aggfunc="sum", sort=True)
    shares = shares.reindex(columns=list(order)).fillna(0.0)
    colours = sns.color_palette("RdYlGn_r", len(order))
    fig, ax = subplots(figsize=(max(6.0, 1.3 * len(shares) + 4.5), 4.8))
    x = np.arange(len(shares))
    bottom = np.zeros(len(shares))
    for colour, key in zip(colours, order):
        values = shares[key].to_numpy()
        ax.bar(x, values, bottom=bottom, width=0.7, color=colour, edgecolor="white", linewidth=0.6, label=names[key])
        for i, v in enumerate(values):
            if v >= 0.05:
                ax.text(x[i], bottom[i] + v / 2, f"{100 * v:.0f}%", ha="center", va="center", fontsize=8)
        bottom = bottom + values
    ax.set_xticks(x, list(ticks))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(labels["customer_share"])
    ax.set_xlabel(labels["snapshot"])
    ax.grid(axis="x", visible=False)
    handles, names_shown = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names_shown[::-1], title=legend_title, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig
