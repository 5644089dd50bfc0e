"""Pareto / ABC value tiers, the Lorenz curve and the Gini coefficient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.maps import SegmentMap, _catalogue

# --------------------------------------------------------------------------------------------
# Value tiers, Lorenz curve, Gini

VALUE_TIERS = (
    {"key": "A", "rank": 1},  # high value (names: value.segment_names.value_tier.*)
    {"key": "B", "rank": 2},  # medium value
    {"key": "C", "rank": 3},  # low value
)


@accepts_frames("values")
def gini(values: Sequence[float] | pd.Series) -> float:
    """Gini coefficient of revenue concentration (0 = equal, towards 1 = concentrated).

    G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n with x sorted ascending, i = 1..n.
    Negative values (net returners) count as 0.

    Parameters
    ----------
    values : sequence of float or pandas.Series
        Revenue per customer (currency).

    Returns
    -------
    float
        The Gini coefficient.

    Raises
    ------
    InputError
        When there are no values or none is positive.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        raise InputError("Gini: revenue is zero or negative for every customer; nothing to compare")
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


@accepts_frames("values")
def lorenz_curve(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Lorenz curve points: cumulative customer share vs cumulative revenue share, from (0, 0).

    Customers are sorted from lowest to highest revenue; negative revenue counts as 0.

    Parameters
    ----------
    values : sequence of float or pandas.Series
        Revenue per customer (currency).

    Returns
    -------
    pandas.DataFrame
        customer_share and revenue_share, n + 1 points from (0, 0) to (1, 1).

    Raises
    ------
    InputError
        When there are no values or none is positive.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = x.sum()
    if len(x) == 0 or total <= 0:
        raise InputError("Lorenz curve: revenue is zero or negative for every customer")
    return pd.DataFrame(
        {"customer_share": np.arange(len(x) + 1) / len(x), "revenue_share": np.concatenate([[0.0], np.cumsum(x) / total])}
    )


@dataclass(frozen=True)
class ValueTiers:
    """Pareto/ABC tiers with the concentration numbers a manager asks for.

    Attributes
    ----------
    map : SegmentMap
        The ``value_tier`` map, segments A, B and C.
    cuts : tuple of float
        The cumulative revenue shares that end tiers A and B.
    gini : float
        Gini coefficient of revenue.
    lorenz : pandas.DataFrame
        The Lorenz curve (`lorenz_curve`).
    customer_share_at_cut : float
        Share of customers in tier A.
    """

    map: SegmentMap
    cuts: tuple[float, float]
    gini: float
    lorenz: pd.DataFrame
    customer_share_at_cut: float  # share of customers (top first) that makes the first cut of revenue


@accepts_frames("features")
def value_tiers(
    features: pd.DataFrame,
    *,
    cuts: tuple[float, float] = (0.80, 0.95),
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
) -> ValueTiers:
    """A/B/C tiers by cumulative revenue share, plus the Lorenz curve and the Gini coefficient.

    Customers are sorted by revenue, highest first (ties by customer id, so runs are
    reproducible). A customer is A when the cumulative share of the customers *before* it is
    below ``cuts[0]`` (so A is the smallest top group reaching 80 %), B when below ``cuts[1]``,
    else C. A = high, B = medium, C = low value.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with a customer id and revenue.
    cuts : tuple of float, default (0.80, 0.95)
        Cumulative revenue shares that end tiers A and B, with 0 < A cut < B cut <= 1.
    customer_col : str, default "customer_id"
        Column of customer ids.
    revenue_col : str, default "revenue"
        Column of revenue per customer (currency); negative revenue counts as 0 in the shares.

    Returns
    -------
    ValueTiers
        The tier map, the cuts, the Gini coefficient and the Lorenz curve.

    Raises
    ------
    InputError
        When `cuts` are out of order or range, a column is missing, or no customer has positive revenue.
    """
    low, high = cuts
    if not 0 < low < high <= 1:
        raise InputError(f"cuts: {cuts} must satisfy 0 < A cut < B cut <= 1, e.g. (0.80, 0.95)")
    require_columns(features, [customer_col, revenue_col], what="value tiers")
    revenue = features[revenue_col].astype(float)
    total = revenue.clip(lower=0).sum()
    if total <= 0:
        raise InputError(f"value tiers: column {revenue_col!r}: no customer has positive revenue")
    ids = features[customer_col]
    id_rank = pd.factorize(ids, sort=True)[0]
    order = np.lexsort((id_rank, -revenue.to_numpy()))  # revenue descending, ties by customer id
    positive = revenue.clip(lower=0).to_numpy()[order]
    before = (np.cumsum(positive) - positive) / total
    tier = np.empty(len(order), dtype=object)
    tier[order] = np.where(before < low, "A", np.where(before < high, "B", "C"))
    table = pd.DataFrame({customer_col: ids.to_numpy(), "segment": pd.array(tier, dtype="str")})
    segmap = SegmentMap(
        name="value_tier",
        segments=_catalogue(VALUE_TIERS),
        table=table,
        params={"cuts": cuts, "sort": "revenue descending, ties by customer id"},
    )
    return ValueTiers(
        map=segmap,
        cuts=(low, high),
        gini=gini(revenue),
        lorenz=lorenz_curve(revenue),
        customer_share_at_cut=float((tier == "A").sum() / len(tier)),
    )
