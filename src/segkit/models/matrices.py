"""Tables of the fitted lifetime values by customer group: the views a report draws.

`p_alive_matrix` bins customers by historical frequency and recency (the probability-alive matrix
lifetimes draws, here from the customers' own P(alive) rather than a grid of hypothetical
customers); `value_by_group` sums and averages the values per segment or stage. Both take the
per-customer table of `segkit.models.lifetime_value.fit_lifetime_value` and return a plain
DataFrame; they compute nothing the models did not already say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.models.purchases import FREQUENCY, RECENCY

#: Lower edges of the default frequency bins (repeat purchases): 0, 1, 2, 3-4, 5-9, 10-19, 20 and more.
FREQUENCY_EDGES = (0, 1, 2, 3, 5, 10, 20)


def _frequency_labels(edges: Sequence[float]) -> list[str]:
    labels = []
    for low, high in zip(edges, [*edges[1:], math.inf]):
        if math.isinf(high):
            labels.append(f"{low:g}+")
        elif high - low == 1:
            labels.append(f"{low:g}")
        else:
            labels.append(f"{low:g}–{high - 1:g}")
    return labels


def p_alive_matrix(
    values: pd.DataFrame,
    *,
    frequency_edges: Sequence[float] = FREQUENCY_EDGES,
    recency_bins: int = 8,
    frequency_col: str = FREQUENCY,
    recency_col: str = RECENCY,
    p_alive_col: str = "p_alive",
) -> pd.DataFrame:
    """Mean P(alive) of the customers in each cell of a frequency x recency grid.

    Frequency bins are ``[edge, next edge)`` of whole repeat purchases, the last one open
    (``20+``); edges above the largest frequency are dropped, so no column is empty by
    construction. Recency bins are `recency_bins` equal bins from 0 to the largest recency, of
    whole-unit width when the largest recency is at least `recency_bins` units; the last bin holds
    its upper edge. Every cell of the grid is returned, empty ones with 0 customers and a missing mean.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per customer with frequency, recency and P(alive) (the ``lifetime_value`` table).
    frequency_edges : sequence of float, default FREQUENCY_EDGES
        Increasing lower edges of the frequency bins; the first should be 0.
    recency_bins : int, default 8
        Number of recency bins.
    frequency_col, recency_col, p_alive_col : str
        Column names (defaults: ``btyd_frequency``, ``btyd_recency``, ``p_alive``).

    Returns
    -------
    pandas.DataFrame
        One row per cell, recency bins first then frequency bins, in order: ``recency_bin`` and
        ``frequency_bin`` (positions from 0), ``recency`` and ``frequency`` (labels such as
        ``13–26`` and ``3–4``), ``recency_low``, ``recency_high``, ``frequency_low``,
        ``customers`` and ``mean_p_alive``.
    """
    frequency = values[frequency_col].to_numpy(dtype=float)
    recency = values[recency_col].to_numpy(dtype=float)
    p_alive = values[p_alive_col].to_numpy(dtype=float)
    top = float(np.nanmax(frequency)) if len(frequency) else 0.0
    edges = [e for i, e in enumerate(frequency_edges) if i == 0 or e <= top]
    bins = max(int(recency_bins), 1)
    longest = float(np.nanmax(recency)) if len(recency) else 0.0
    width = math.ceil(longest / bins) if longest >= bins else (longest / bins if longest > 0 else 1.0)
    f_bin = np.searchsorted(np.asarray(edges, dtype=float), frequency, side="right") - 1
    r_bin = np.minimum(np.floor(recency / width), bins - 1).astype(int)
    cells = pd.DataFrame({"recency_bin": r_bin, "frequency_bin": f_bin, "p": p_alive})
    stats = cells.groupby(["recency_bin", "frequency_bin"])["p"].agg(["size", "mean"])
    grid = pd.MultiIndex.from_product([range(bins), range(len(edges))], names=["recency_bin", "frequency_bin"])
    stats = stats.reindex(grid).reset_index()
    lows = stats["recency_bin"].to_numpy() * width
    return pd.DataFrame(
        {
            "recency_bin": stats["recency_bin"].to_numpy(),
            "frequency_bin": stats["frequency_bin"].to_numpy(),
            "recency": [f"{lo:.3g}–{lo + width:.3g}" for lo in lows],
            "frequency": [_frequency_labels(edges)[i] for i in stats["frequency_bin"]],
            "recency_low": lows.astype(float),
            "recency_high": (lows + width).astype(float),
            "frequency_low": [float(edges[i]) for i in stats["frequency_bin"]],
            "customers": stats["size"].fillna(0).astype(int).to_numpy(),
            "mean_p_alive": stats["mean"].to_numpy(dtype=float),
        }
    )


def value_by_group(
    values: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    group_col: str,
    purchases_col: str,
    clv_col: str | None = None,
    order: Sequence[str] | None = None,
    customer_col: str = schema.CUSTOMER_ID,
) -> pd.DataFrame:
    """Customers, CLV, expected purchases and mean P(alive) per group (segment, lifecycle stage).

    Every valued customer counts once: customers of `values` missing from `groups` form a group
    of their own (``group`` missing), so the groups' CLV adds up to the total.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per customer: customer id, ``p_alive``, `purchases_col` and (optionally) `clv_col`.
    groups : pandas.DataFrame
        customer id and `group_col` (for example a segment map's ``table`` or the lifecycle table).
    group_col : str
        Column of `groups` holding the group key.
    purchases_col : str
        Expected purchases over the horizon (``expected_purchases_<H>M``).
    clv_col : str, optional
        CLV over the horizon (``clv_<H>M``); without it the CLV columns are left out.
    order : sequence of str, optional
        Groups in the order to show them (groups without customers get a row of zeros); groups
        not listed follow in order of appearance.
    customer_col : str
        Customer id column of both tables.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``customers``, ``customer_share``, ``expected_purchases`` (total),
        ``mean_expected_purchases``, ``mean_p_alive`` and, with `clv_col`, ``clv`` (total),
        ``clv_share`` and ``mean_clv``.
    """
    keys = groups[[customer_col, group_col]].drop_duplicates(customer_col)
    merged = values.merge(keys, on=customer_col, how="left")
    sums = {"customers": (customer_col, "size"), "expected_purchases": (purchases_col, "sum"), "p_alive": ("p_alive", "sum")}
    if clv_col is not None:
        sums["clv"] = (clv_col, "sum")
    table = merged.groupby(group_col, dropna=False, sort=False).agg(**sums)
    found = list(table.index)
    wanted = [*(order or ()), *(g for g in found if order is None or g not in order)]
    table = table.reindex(wanted).fillna(0)
    customers = table["customers"].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "group": list(table.index),
                "customers": customers.to_numpy(),
                "customer_share": (customers / max(int(customers.sum()), 1)).to_numpy(),
                "expected_purchases": table["expected_purchases"].to_numpy(dtype=float),
                "mean_expected_purchases": (table["expected_purchases"] / customers.where(customers > 0)).to_numpy(),
                "mean_p_alive": (table["p_alive"] / customers.where(customers > 0)).to_numpy(),
            }
        )
        if clv_col is not None:
            total = float(table["clv"].sum())
            out["clv"] = table["clv"].to_numpy(dtype=float)
            out["clv_share"] = out["clv"] / total if total > 0 else np.nan
            out["mean_clv"] = (table["clv"] / customers.where(customers > 0)).to_numpy()
    return out
