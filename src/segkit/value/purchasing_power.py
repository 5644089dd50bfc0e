"""Purchasing power and profitability: average-order-value tiers, and margin when the data have a cost.

Average order value (AOV) = revenue / orders per customer: what a customer spends at a time, as
distinct from how often. `OrderValueTiers` cuts it at fitted quantiles into high / medium / low
(客单价高 / 中 / 低) like a scikit-learn transformer (``fit`` learns ``thresholds_`` on one
snapshot, ``transform`` labels any snapshot with them), so a later snapshot is compared on the
same scale. `margin_by_segment` sums revenue, cost and margin per segment of any map when the
transactions mapped a ``unit_cost`` or ``cost`` column (`segkit.core.schema.COST`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.maps import SegmentMap, _catalogue

#: The AOV tiers, best first (names: value.segment_names.aov_tier.*).
AOV_TIERS = ({"key": "high", "rank": 1}, {"key": "medium", "rank": 2}, {"key": "low", "rank": 3})
#: Column of the average order value.
AOV = "aov"


@accepts_frames("features")
def average_order_value(
    features: pd.DataFrame, *, revenue_col: str = schema.REVENUE, orders_col: str = schema.ORDERS
) -> pd.Series:
    """Revenue per order for each customer (NaN for a customer without orders).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with revenue and orders (`segkit.prep.aggregate.customer_table`).
    revenue_col : str, default "revenue"
        Column of revenue per customer (currency).
    orders_col : str, default "orders"
        Column of distinct orders per customer.

    Returns
    -------
    pandas.Series
        Named ``aov``, aligned with `features`.

    Raises
    ------
    InputError
        When a column is missing.
    """
    require_columns(features, [revenue_col, orders_col], what="average order value")
    orders = features[orders_col].astype(float)
    return (features[revenue_col].astype(float) / orders.where(orders > 0)).rename(AOV)


class OrderValueTiers:
    """High / medium / low tiers of average order value, cut at fitted quantiles.

    Parameters
    ----------
    quantiles : sequence of float, default (1/3, 2/3)
        Increasing quantiles in (0, 1) of the AOV among customers with orders; ``k`` quantiles give
        ``k + 1`` tiers, so the default gives three tiers of about a third each. A customer whose
        AOV is at or below the first threshold is ``low``, above the last ``high``.

    Attributes
    ----------
    thresholds_ : tuple of float
        The AOV at each quantile (currency per order), learned by `fit`.
    name : str
        The map's name, ``"aov_tier"``.
    """

    name = "aov_tier"

    def __init__(self, quantiles: Sequence[float] = (1 / 3, 2 / 3)) -> None:
        self.quantiles = tuple(float(q) for q in quantiles)

    def fit(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> Self:
        """Learn the AOV thresholds on one snapshot of customers.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per customer with revenue and orders.
        customer_col : str, default "customer_id"
            Column of customer ids.

        Returns
        -------
        OrderValueTiers
            self, with ``thresholds_``.

        Raises
        ------
        InputError
            When the quantiles are not increasing in (0, 1), there are not two tiers, or no
            customer has an order.
        """
        q = self.quantiles
        if len(q) != 2 or not 0 < q[0] < q[1] < 1:
            raise InputError(f"order value tiers: quantiles {q} must be two increasing values between 0 and 1, e.g. (1/3, 2/3)")
        aov = average_order_value(features).dropna()
        if aov.empty:
            raise InputError("order value tiers: no customer has an order")
        self.thresholds_ = tuple(float(v) for v in np.quantile(aov.to_numpy(), q, method="linear"))
        return self

    def transform(self, features: pd.DataFrame, *, customer_col: str = schema.CUSTOMER_ID) -> SegmentMap:
        """The ``aov_tier`` map of `features` with the fitted thresholds.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per customer with revenue and orders (any snapshot).
        customer_col : str, default "customer_id"
            Column of customer ids.

        Returns
        -------
        SegmentMap
            Segments high, medium, low; ``params`` holds the quantiles and thresholds.

        Raises
        ------
        InputError
            When `fit` has not run or a column is missing.
        """
        if not hasattr(self, "thresholds_"):
            raise InputError("order value tiers: call fit first")
        require_columns(features, [customer_col], what="order value tiers")
        aov = average_order_value(features).to_numpy()
        low, high = self.thresholds_
        tier = pd.Series(np.where(aov > high, "high", np.where(aov > low, "medium", "low")), dtype="str")
        tier = tier.mask(np.isnan(aov))  # no orders: no tier
        table = pd.DataFrame({customer_col: features[customer_col].to_numpy(), "segment": tier.to_numpy(), AOV: aov})
        return SegmentMap(
            name=self.name,
            segments=_catalogue(AOV_TIERS),
            table=table,
            params={
                "quantiles": list(self.quantiles),
                "thresholds": list(self.thresholds_),
                "rule": "low <= t1 < medium <= t2 < high",
            },
        )

    def state(self) -> dict[str, Any]:
        """What restores the fitted tiers without refitting (JSON-ready)."""
        return {"quantiles": list(self.quantiles), "thresholds": list(self.thresholds_)}


@accepts_frames("features")
def margin_by_segment(features: pd.DataFrame, segmap: SegmentMap, *, customer_col: str = schema.CUSTOMER_ID) -> pd.DataFrame:
    """Revenue, cost of goods, margin and margin rate per segment of `segmap`.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with revenue, ``cost`` and ``margin`` (the customer table of
        transactions with a mapped cost).
    segmap : SegmentMap
        Any map of the same customers.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    pandas.DataFrame
        One row per segment in rank order: segment, customers, revenue, cost, margin,
        margin_rate (margin / revenue, NaN when revenue is 0) and margin_share (of the total margin).

    Raises
    ------
    InputError
        When the table has no cost (no ``unit_cost`` or ``cost`` column was mapped).
    """
    if schema.MARGIN not in features.columns:
        raise InputError("margin: the transactions have no cost; map a 'unit_cost' or 'cost' column to see margins")
    require_columns(features, [customer_col, schema.REVENUE, schema.COST, schema.MARGIN], what="margin by segment")
    joined = segmap.table[[customer_col, "segment"]].merge(
        features[[customer_col, schema.REVENUE, schema.COST, schema.MARGIN]], on=customer_col, how="inner"
    )
    sums = joined.groupby("segment", observed=True).agg(
        customers=(customer_col, "size"),
        revenue=(schema.REVENUE, "sum"),
        cost=(schema.COST, "sum"),
        margin=(schema.MARGIN, "sum"),
    )
    out = segmap.segments[["key"]].rename(columns={"key": "segment"}).merge(sums, left_on="segment", right_index=True, how="left")
    out = out.fillna({"customers": 0, "revenue": 0.0, "cost": 0.0, "margin": 0.0}).astype({"customers": "int64"})
    total = out["margin"].sum()
    return out.assign(
        margin_rate=out["margin"] / out["revenue"].where(out["revenue"] != 0),
        margin_share=out["margin"] / total if total else np.nan,
    ).reset_index(drop=True)
