"""Segment summaries and segment x attribute profiles (chi-square, Cramér's V)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.value.maps import SegmentMap

# --------------------------------------------------------------------------------------------
# Summaries and profiles


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
    """
    require_columns(features, [customer_col, revenue_col, orders_col, "recency", "frequency", "monetary"],
                    what="segment summary")
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
        ["key", "customers", "customer_share", "revenue", "revenue_share", "average_order_value",
         "median_recency", "median_frequency", "median_monetary"]
    ]


@dataclass(frozen=True)
class Profile:
    """Segment x attribute cross-tab with a chi-square test of independence and Cramér's V."""

    attribute: str
    counts: pd.DataFrame  # segments (rows) x attribute values (columns)
    row_pct: pd.DataFrame  # each segment's mix over the attribute values
    n: int
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    low_expected_share: float  # share of cells with expected count < 5 (the test is rough above 20 %)


def profile(
    segmap: SegmentMap,
    attributes: pd.DataFrame,
    column: str,
    *,
    customer_col: str = schema.CUSTOMER_ID,
) -> Profile:
    """Cross-tabulate segments against one customer attribute (region, industry, ...).

    Customers without a value for `column` (e.g. industry for individuals) are left out, and so
    are empty rows and columns. The chi-square test is Pearson's, without continuity correction.
    """
    require_columns(attributes, [customer_col, column], what="customer attributes")
    data = segmap.table.merge(attributes[[customer_col, column]].drop_duplicates(customer_col), on=customer_col,
                              how="inner").dropna(subset=[column])
    counts = pd.crosstab(data["segment"], data[column])
    order = [k for k in segmap.segments["key"] if k in counts.index]
    counts = counts.loc[order]
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    n = int(counts.to_numpy().sum())
    if min(counts.shape) >= 2:
        table = counts.to_numpy()
        result = stats.chi2_contingency(table, correction=False)
        chi2, p, dof, expected = float(result.statistic), float(result.pvalue), int(result.dof), result.expected_freq
        low = float((expected < 5).mean())
        v = float(stats.contingency.association(table, method="cramer", correction=False))
    else:
        chi2, p, dof, low, v = float("nan"), float("nan"), 0, float("nan"), float("nan")
    return Profile(
        attribute=column,
        counts=counts,
        row_pct=counts.div(counts.sum(axis=1), axis=0),
        n=n,
        chi2=chi2,
        dof=dof,
        p_value=p,
        cramers_v=v,
        low_expected_share=low,
    )
