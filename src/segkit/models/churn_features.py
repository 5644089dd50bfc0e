"""What a churn model learns from: each customer's history up to a cut-off, and whether they came back.

Features are computed from the purchase days strictly before the cut-off; the label looks only at
the window after it, so nothing the model is trained on could not have been known on that day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError

#: Numeric features (all in days, purchase days or currency), in order.
NUMERIC_FEATURES = (
    "recency_days",
    "tenure_days",
    "purchase_days",
    "revenue",
    "mean_spend",
    "mean_gap_days",
    "last_gap_days",
    "purchases_last_90",
    "spend_last_90",
    "spend_trend",
    "gaps_since_last",
    "bg_nbd_p_alive",
)
#: Attributes used as categories when the customer table has them.
CATEGORY_FEATURES = ("region", "province", "country", "industry", "customer_type", "gender", "age_band")


def churn_features(
    visits: pd.DataFrame,
    *,
    cutoff: str | pd.Timestamp,
    attributes: pd.DataFrame | None = None,
    categories: Sequence[str] = CATEGORY_FEATURES,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
    amount_col: str = schema.AMOUNT,
    p_alive: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per customer who bought before `cutoff`: behaviour up to the day before it.

    ``recency_days`` = days from the last purchase day to the cut-off; ``tenure_days`` = from the
    first; ``purchase_days``; ``revenue`` and ``mean_spend`` per purchase day; ``mean_gap_days`` and
    ``last_gap_days`` between purchase days (NaN with one purchase day); ``purchases_last_90`` and
    ``spend_last_90`` in the 90 days before the cut-off; ``spend_trend`` = spend in those 90 days
    minus spend in the 90 days before them, over their sum (-1 = stopped, +1 = new; 0 when both are 0);
    ``gaps_since_last`` = recency over the customer's own mean gap (how many usual gaps have passed
    in silence; NaN with one purchase day); ``bg_nbd_p_alive`` = BG/NBD's P(alive) at the cut-off
    when `p_alive` gives it (NaN otherwise), so the learned model knows what its baseline knows.

    Parameters
    ----------
    visits : pandas.DataFrame
        One row per customer and purchase day (`segkit.prep.aggregate.visit_table`).
    cutoff : str or pandas.Timestamp
        Purchases on or after this day are not used.
    attributes : pandas.DataFrame, optional
        Customer attributes; the `categories` columns present are added as strings.
    categories : sequence of str
        Attribute columns to use.
    customer_col, date_col, amount_col : str
        Column names.
    p_alive : pandas.Series, optional
        BG/NBD's P(alive) by customer id, fitted on the purchases before the cut-off only.

    Returns
    -------
    pandas.DataFrame
        customer id, the numeric features and the available categories.

    Raises
    ------
    InputError
        When a column is missing or nobody bought before the cut-off.
    """
    require_columns(visits, [customer_col, date_col, amount_col], what="purchase days")
    cut = pd.Timestamp(cutoff).normalize()
    day = pd.to_datetime(visits[date_col]).dt.normalize()
    past = pd.DataFrame({"c": visits[customer_col].to_numpy(), "d": day.to_numpy(), "a": visits[amount_col].to_numpy(float)})
    past = past.loc[past["d"] < cut].groupby(["c", "d"], sort=True, as_index=False)["a"].sum()
    if past.empty:
        raise InputError(f"churn features: nobody bought before the cut-off {cut.date()}")
    gaps = past.groupby("c")["d"].diff().dt.days
    past = past.assign(gap=gaps.to_numpy(), age=(cut - past["d"]).dt.days.to_numpy())
    recent = past["age"] <= 90
    before = (past["age"] > 90) & (past["age"] <= 180)
    grouped = past.groupby("c", sort=True)
    table = pd.DataFrame(
        {
            "recency_days": grouped["age"].min(),
            "tenure_days": grouped["age"].max(),
            "purchase_days": grouped.size(),
            "revenue": grouped["a"].sum(),
            "mean_gap_days": grouped["gap"].mean(),
            "last_gap_days": grouped["gap"].last(),
            "purchases_last_90": past.loc[recent].groupby("c").size(),
            "spend_last_90": past.loc[recent].groupby("c")["a"].sum(),
            "_spend_before": past.loc[before].groupby("c")["a"].sum(),
        }
    )
    table = table.fillna({"purchases_last_90": 0, "spend_last_90": 0.0, "_spend_before": 0.0})
    total = table["spend_last_90"] + table["_spend_before"]
    trend = np.where(total > 0, (table["spend_last_90"] - table["_spend_before"]) / total.where(total > 0, 1.0), 0.0)
    table = table.assign(
        mean_spend=table["revenue"] / table["purchase_days"],
        spend_trend=trend,
        gaps_since_last=table["recency_days"] / table["mean_gap_days"].where(table["mean_gap_days"] > 0),
        bg_nbd_p_alive=p_alive.reindex(table.index).to_numpy(float) if p_alive is not None else np.nan,
    )
    out = table[list(NUMERIC_FEATURES)].astype(float).rename_axis(customer_col).reset_index()
    if attributes is not None and customer_col in attributes:
        present = [c for c in categories if c in attributes.columns]
        if present:
            extra = attributes[[customer_col, *present]].drop_duplicates(customer_col).astype({c: "str" for c in present})
            out = out.merge(extra, on=customer_col, how="left")
    return out


def churn_labels(
    visits: pd.DataFrame,
    customers: pd.Series,
    *,
    cutoff: str | pd.Timestamp,
    window_days: int,
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
) -> np.ndarray:
    """1 for each customer with no purchase in the `window_days` from `cutoff` on, else 0.

    Parameters
    ----------
    visits : pandas.DataFrame
        Purchase days.
    customers : pandas.Series
        The customers to label (the feature table's ids).
    cutoff : str or pandas.Timestamp
        First day of the window.
    window_days : int
        Length of the window in days.
    customer_col, date_col : str
        Column names.

    Returns
    -------
    numpy.ndarray
        0/1 per customer, in the order of `customers`.
    """
    cut = pd.Timestamp(cutoff).normalize()
    day = pd.to_datetime(visits[date_col]).dt.normalize()
    inside = (day >= cut) & (day < cut + pd.Timedelta(days=int(window_days)))
    came_back = set(visits.loc[inside, customer_col])
    return (~customers.isin(came_back)).to_numpy(dtype=int)
