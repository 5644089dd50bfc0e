"""Segment summaries and segment x attribute profiles (chi-square, Cramér's V)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.frames import accepts_frames
from segkit.core.stats import independence_test
from segkit.value.maps import SegmentMap

# --------------------------------------------------------------------------------------------
# Summaries and profiles


@accepts_frames("features")
def segment_summary(
    features: pd.DataFrame,
    segmap: SegmentMap,
    *,
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
    orders_col: str = schema.ORDERS,
) -> pd.DataFrame:
    """Per segment: customers, share, revenue, revenue share, average order value, median R/F/M.

    Every segment of the map appears (empty ones with 0 customers), in value-rank order;
    customers sum to the customer count and the shares to 1.

    Parameters
    ----------
    features : pandas.DataFrame
        RFM features per customer (``rfm_features(...).table``): the customer id, revenue and orders
        columns, recency, frequency and monetary.
    segmap : SegmentMap
        The labels of the same customers (joined one to one on the customer id).
    customer_col : str, default "customer_id"
        Column of customer ids.
    revenue_col : str, default "revenue"
        Column of revenue per customer (currency).
    orders_col : str, default "orders"
        Column of orders per customer.

    Returns
    -------
    pandas.DataFrame
        One row per segment: key, customers, customer_share, revenue, revenue_share,
        average_order_value (revenue / orders, NaN without orders), median_recency (days),
        median_frequency and median_monetary.

    Raises
    ------
    InputError
        When a column is missing.
    """
    require_columns(features, [customer_col, revenue_col, orders_col, "recency", "frequency", "monetary"], what="segment summary")
    data = features.merge(segmap.table[[customer_col, "segment"]], on=customer_col, how="inner", validate="1:1")
    grouped = data.groupby("segment").agg(
        customers=(customer_col, "size"),
        revenue=(revenue_col, "sum"),
        orders=(orders_col, "sum"),
        median_recency=("recency", "median"),
        median_frequency=("frequency", "median"),
        median_monetary=("monetary", "median"),
    )
    out = segmap.segments[["key"]].join(grouped, on="key")
    out = out.assign(
        customers=out["customers"].fillna(0).astype(int),
        revenue=out["revenue"].fillna(0.0),
        orders=out["orders"].fillna(0).astype(float),
    )
    total_revenue = data[revenue_col].sum()
    return out.assign(
        customer_share=out["customers"] / len(data),
        revenue_share=out["revenue"] / total_revenue if total_revenue else np.nan,
        average_order_value=out["revenue"] / out["orders"].where(out["orders"] > 0),
    )[
        [
            "key",
            "customers",
            "customer_share",
            "revenue",
            "revenue_share",
            "average_order_value",
            "median_recency",
            "median_frequency",
            "median_monetary",
        ]
    ]


@dataclass(frozen=True)
class Profile:
    """Segment x attribute cross-tab with a chi-square test of independence and Cramér's V.

    Attributes
    ----------
    attribute : str
        The profiled column.
    counts : pandas.DataFrame
        Customers per segment (rows) and attribute value (columns).
    row_pct : pandas.DataFrame
        `counts` as row shares.
    n : int
        Customers counted.
    chi2, dof, p_value : float, int, float
        Pearson's chi-square statistic, its degrees of freedom and p-value (NaN, 0, NaN when the
        table has fewer than 2 rows or columns).
    cramers_v : float
        Cramér's V, 0 (independent) to 1 (NaN for such a table).
    low_expected_share : float
        Share of cells with an expected count below 5.
    """

    attribute: str
    counts: pd.DataFrame  # segments (rows) x attribute values (columns)
    row_pct: pd.DataFrame  # each segment's mix over the attribute values
    n: int
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    low_expected_share: float  # share of cells with expected count < 5 (the test is rough above 20 %)


@accepts_frames("attributes")
def profile(segmap: SegmentMap, attributes: pd.DataFrame, column: str, *, customer_col: str = schema.CUSTOMER_ID) -> Profile:
    """Cross-tabulate segments against one customer attribute (region, industry, ...).

    Customers without a value for `column` (e.g. industry for individuals) are left out, and so
    are empty rows and columns. The chi-square test is Pearson's, without continuity correction.

    Parameters
    ----------
    segmap : SegmentMap
        The segment labels.
    attributes : pandas.DataFrame
        One row per customer with the attribute (the first row counts when an id repeats).
    column : str
        The attribute column to profile.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    Profile
        The cross-tab, its row shares and the test.

    Raises
    ------
    InputError
        When the customer column or `column` is missing from `attributes`.
    """
    require_columns(attributes, [customer_col, column], what="customer attributes")
    data = segmap.table.merge(
        attributes[[customer_col, column]].drop_duplicates(customer_col), on=customer_col, how="inner"
    ).dropna(subset=[column])
    counts = pd.crosstab(data["segment"], data[column])
    order = [k for k in segmap.segments["key"] if k in counts.index]
    counts = counts.loc[order]
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    n = int(counts.to_numpy().sum())
    test = independence_test(counts)
    return Profile(
        attribute=column,
        counts=counts,
        row_pct=counts.div(counts.sum(axis=1), axis=0),
        n=n,
        chi2=test.chi2,
        dof=test.dof,
        p_value=test.p_value,
        cramers_v=test.cramers_v,
        low_expected_share=test.low_expected_share,
    )
