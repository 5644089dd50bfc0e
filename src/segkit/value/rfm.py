"""Per-customer value features, their 1..k scores, and the BTYD summary for lifetime-value models.

Two families of definitions live here and must not be mixed up:

* **RFM features** (`rfm_features`): ``recency`` = days from the last purchase to the as-of date,
  ``frequency`` = distinct orders (or distinct purchase days), ``monetary`` = total revenue (or
  average order value). These drive scores and segment maps.
* **BTYD summary** (`btyd_summary`): the inputs of BG/NBD, Pareto/NBD and Gamma-Gamma models.
  ``btyd_frequency`` = *repeat* purchase days, ``btyd_recency`` = first to last purchase,
  ``btyd_T`` = first purchase to the end of observation, ``btyd_monetary`` = mean value of the
  repeat purchases, all times in an explicit unit. The columns carry a ``btyd_`` prefix so they
  are never taken for RFM features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError, sample_offenders
from segkit.core.frames import accepts_frames

#: The three scored metrics and the column each score goes to.
SCORE_COLUMNS = {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"}

TIE_RULE = (
    "score = 1 + floor(k x share of customers with a strictly worse value); "
    "equal values share the lowest score of their group (rank method 'min')"
)


@accepts_frames("last_purchase")
def resolve_as_of(as_of: str | pd.Timestamp | None, last_purchase: pd.Series) -> pd.Timestamp:
    """The as-of date: the given day, or the day after the latest purchase when empty.

    The default makes the most recent customer's recency 1 day, the usual convention.

    Parameters
    ----------
    as_of : str or pandas.Timestamp or None
        The analysis date (time of day dropped); None or a blank string asks for the default.
    last_purchase : pandas.Series
        Purchase dates (e.g. each customer's last purchase) the default is taken from.

    Returns
    -------
    pandas.Timestamp
        The as-of date at midnight.

    Raises
    ------
    InputError
        When `as_of` is not a date.
    """
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return pd.Timestamp(last_purchase.max()).normalize() + pd.Timedelta(days=1)
    try:
        return pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError) as exc:
        raise InputError(f"as_of: {as_of!r} is not a date; use YYYY-MM-DD") from exc


# --------------------------------------------------------------------------------------------
# RFM features


@dataclass(frozen=True)
class RFMFeatures:
    """RFM features per customer and the choices that produced them.

    Attributes
    ----------
    table : pandas.DataFrame
        The input columns (customer id, first and last purchase, orders, purchase days, revenue)
        plus recency and tenure (days), frequency, monetary (currency) and mean_days_between (days).
    as_of : pandas.Timestamp
        The as-of date the days count to.
    frequency_basis : str
        ``"orders"`` or ``"days"``.
    monetary_basis : str
        ``"revenue"`` or ``"aov"``.
    units : mapping of str to str
        Column → unit.
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    frequency_basis: str  # "orders" | "days"
    monetary_basis: str  # "revenue" | "aov"
    units: Mapping[str, str]  # column -> unit, for the export's data dictionary


@accepts_frames("customers")
def rfm_features(
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    frequency: str = "orders",
    monetary: str = "revenue",
    customer_col: str = schema.CUSTOMER_ID,
    first_col: str = schema.FIRST_PURCHASE,
    last_col: str = schema.LAST_PURCHASE,
    orders_col: str = schema.ORDERS,
    days_col: str = schema.PURCHASE_DAYS,
    revenue_col: str = schema.REVENUE,
) -> RFMFeatures:
    """Recency, frequency, monetary, tenure and purchase rhythm from the per-customer table.

    Recency and tenure count whole calendar days to `as_of` (default: the day after the last
    purchase in the data), so a purchase at 23:59 is not a day "more recent" than one at 09:00.
    Mean days between purchases uses distinct purchase days: two orders on one day are one visit.
    It is empty (NaN) for customers with a single purchase day.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer (`segkit.prep.aggregate.customer_table`).
    as_of : str or pandas.Timestamp, optional
        The analysis date (time of day dropped); a customer who bought after that day is an error.
        Default: the day after the last purchase.
    frequency : {"orders", "days"}, default "orders"
        ``frequency`` is distinct orders, or distinct purchase days.
    monetary : {"revenue", "aov"}, default "revenue"
        ``monetary`` is total revenue, or revenue per order (average order value; NaN without orders).
    customer_col : str, default "customer_id"
        Column of customer ids.
    first_col : str, default "first_purchase"
        Column of the first purchase date.
    last_col : str, default "last_purchase"
        Column of the last purchase date.
    orders_col : str, default "orders"
        Column of distinct orders.
    days_col : str, default "purchase_days"
        Column of distinct purchase days.
    revenue_col : str, default "revenue"
        Column of revenue (currency).

    Returns
    -------
    RFMFeatures
        The feature table (input columns plus recency, frequency, monetary, tenure,
        mean_days_between), the as-of date, the bases and the units.

    Raises
    ------
    InputError
        When a basis is unknown, a column is missing, there are no customers, `as_of` is not a date,
        or a customer bought after `as_of`.
    """
    if frequency not in ("orders", "days"):
        raise InputError(f"frequency: {frequency!r} is not a basis; use 'orders' or 'days'")
    if monetary not in ("revenue", "aov"):
        raise InputError(f"monetary: {monetary!r} is not a basis; use 'revenue' or 'aov'")
    require_columns(customers, [customer_col, first_col, last_col, orders_col, days_col, revenue_col], what="customer table")
    if customers.empty:
        raise InputError("customer table: no customers; check the input filters and the as-of date")
    when = resolve_as_of(as_of, customers[last_col])
    last = pd.to_datetime(customers[last_col]).dt.normalize()
    first = pd.to_datetime(customers[first_col]).dt.normalize()
    late = last >= when + pd.Timedelta(days=1)
    if late.any():
        rows = np.flatnonzero(late.to_numpy())[:3]
        raise InputError(
            f"as_of {when.date()}: {int(late.sum())} customers bought after it "
            f"({sample_offenders(customers[customer_col].iloc[rows].tolist(), last.iloc[rows].dt.date.tolist())}); "
            "restrict the transactions to the as-of date first"
        )
    orders = customers[orders_col].astype(float)
    days = customers[days_col].astype(float)
    revenue = customers[revenue_col].astype(float)
    span = (last - first).dt.days.astype(float)
    table = customers[[customer_col, first_col, last_col, orders_col, days_col, revenue_col]].assign(
        recency=(when - last).dt.days.astype(float),
        frequency=orders if frequency == "orders" else days,
        monetary=revenue if monetary == "revenue" else revenue / orders.where(orders > 0),
        tenure=(when - first).dt.days.astype(float),
        mean_days_between=span / (days - 1).where(days > 1),
    )
    units = {
        "recency": "days since the last purchase",
        "frequency": "distinct orders" if frequency == "orders" else "distinct purchase days",
        "monetary": "currency units" if monetary == "revenue" else "currency units per order (average order value)",
        "tenure": "days since the first purchase",
        "mean_days_between": "days between consecutive purchase days",
    }
    return RFMFeatures(
        table=table.reset_index(drop=True), as_of=when, frequency_basis=frequency, monetary_basis=monetary, units=units
    )


# --------------------------------------------------------------------------------------------
# Scores


@dataclass(frozen=True)
class RFMScores:
    """Scores 1..bins per customer plus everything needed to reproduce them.

    `thresholds[metric]` holds ``bins - 1`` ascending cut points. For frequency and monetary a
    customer gets ``1 + (number of cut points <= value)``; for recency (days, lower is better)
    ``bins - (number of cut points < value)``. Passing `thresholds` back to `rfm_scores`
    reproduces the scores exactly.

    Attributes
    ----------
    table : pandas.DataFrame
        The features plus r_score, f_score, m_score, rfm_code and rfm_score.
    bins : int
        Number of scores per metric.
    thresholds : mapping of str to tuple of float
        Metric → its ``bins - 1`` ascending cut points.
    method : mapping of str to str
        Metric → ``"rank"`` or ``"custom"``.
    tie_rule : str
        How ties are scored (`TIE_RULE`).
    """

    table: pd.DataFrame
    bins: int
    thresholds: Mapping[str, tuple[float, ...]]
    method: Mapping[str, str]  # metric -> "rank" | "custom"
    tie_rule: str = TIE_RULE


def _rank_scores(values: pd.Series, bins: int, *, lower_is_better: bool) -> np.ndarray:
    """1 + floor(bins x share of customers with a strictly worse value)."""
    goodness = -values if lower_is_better else values
    worse = goodness.rank(method="min").to_numpy() - 1  # customers strictly worse
    return (np.floor(bins * worse / len(values)) + 1).astype(int)


def _cuts_from_scores(values: pd.Series, scores: np.ndarray, bins: int, *, lower_is_better: bool) -> tuple[float, ...]:
    """Cut points that reproduce `scores`; an empty score gets the cut of its neighbour."""
    cuts = []
    for s in range(2, bins + 1):
        at_least = values[scores >= s]
        if lower_is_better:
            cuts.append(float(at_least.max()) if len(at_least) else -np.inf)
        else:
            cuts.append(float(at_least.min()) if len(at_least) else np.inf)
    # recency cut c_j is the largest value still scoring >= bins - j + 1, so reverse to ascend
    return tuple(reversed(cuts)) if lower_is_better else tuple(cuts)


def _apply_cuts(values: pd.Series, cuts: Sequence[float], bins: int, *, lower_is_better: bool) -> np.ndarray:
    edges = np.asarray(cuts, dtype=float)
    if lower_is_better:
        return bins - np.searchsorted(edges, values.to_numpy(dtype=float), side="left")
    return 1 + np.searchsorted(edges, values.to_numpy(dtype=float), side="right")


@accepts_frames("features")
def rfm_scores(
    features: pd.DataFrame,
    *,
    bins: int = 5,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    recency_col: str = "recency",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary",
) -> RFMScores:
    """Score recency, frequency and monetary value 1..bins (bins = best; recency reversed).

    Scores come from ranks, not from `qcut` edges: a customer's score is 1 + floor(bins x the
    share of customers with a strictly worse value), and equal values share a score. When half
    the customers bought once they all get F = 1 and the others still spread over the upper
    scores, instead of the bins collapsing. `thresholds` overrides a metric with fixed business
    cut points (``bins - 1`` ascending values, see `RFMScores`). Adds ``r_score``, ``f_score``,
    ``m_score``, the code ``rfm_code`` (e.g. "545") and the total ``rfm_score``.

    Parameters
    ----------
    features : pandas.DataFrame
        RFM features per customer (``rfm_features(...).table``); other columns are kept.
    bins : int, default 5
        Scores per metric, 2..9 (one digit each in ``rfm_code``).
    thresholds : mapping of str to sequence of float, optional
        Metric (``recency``, ``frequency``, ``monetary``) → ``bins - 1`` ascending cut points; the
        metrics not given are scored by rank.
    recency_col : str, default "recency"
        Column of recency (days since the last purchase).
    frequency_col : str, default "frequency"
        Column of frequency.
    monetary_col : str, default "monetary"
        Column of monetary value (currency).

    Returns
    -------
    RFMScores
        The scored table, the cut points per metric (pass them back as `thresholds` to reproduce the
        scores) and how each metric was scored.

    Raises
    ------
    InputError
        When `bins` is out of range, a column is missing or has missing values, there are no
        customers, or `thresholds` names an unknown metric or has the wrong number or order of cuts.
    """
    if not 2 <= bins <= 9:
        raise InputError(f"bins: {bins} is out of range; use 2..9 so that an RFM code has one digit per score")
    columns = {"recency": recency_col, "frequency": frequency_col, "monetary": monetary_col}
    require_columns(features, columns.values(), what="RFM features")
    if features.empty:
        raise InputError("RFM features: no customers to score")
    custom = dict(thresholds or {})
    unknown = set(custom) - set(columns)
    if unknown:
        raise InputError(f"thresholds: unknown metric(s) {sorted(unknown)}; use recency, frequency, monetary")
    scores: dict[str, np.ndarray] = {}
    used: dict[str, tuple[float, ...]] = {}
    method: dict[str, str] = {}
    for metric, col in columns.items():
        values = features[col].astype(float)
        if values.isna().any():
            rows = np.flatnonzero(values.isna().to_numpy())[:3]
            raise InputError(
                f"RFM features: column {col!r}: {int(values.isna().sum())} values are missing "
                f"({sample_offenders((rows + 1).tolist(), [''] * len(rows))})"
            )
        lower = metric == "recency"
        if metric in custom:
            cuts = tuple(float(c) for c in custom[metric])
            if len(cuts) != bins - 1 or any(b < a for a, b in zip(cuts, cuts[1:])):
                raise InputError(f"thresholds: {metric}: {list(cuts)} must be {bins - 1} ascending cut points for {bins} scores")
            method[metric] = "custom"
        else:
            cuts = _cuts_from_scores(values, _rank_scores(values, bins, lower_is_better=lower), bins, lower_is_better=lower)
            method[metric] = "rank"
        used[metric] = cuts
        scores[metric] = _apply_cuts(values, cuts, bins, lower_is_better=lower)
    r, f, m = scores["recency"], scores["frequency"], scores["monetary"]
    table = features.assign(
        r_score=r,
        f_score=f,
        m_score=m,
        rfm_code=pd.Series(r, index=features.index).astype(str)
        + pd.Series(f, index=features.index).astype(str)
        + pd.Series(m, index=features.index).astype(str),
        rfm_score=r + f + m,
    )
    return RFMScores(table=table, bins=bins, thresholds=used, method=method)


def score_bands(scores: RFMScores) -> pd.DataFrame:
    """One row per metric and score: the value range and the number of customers.

    The reviewer's view of the thresholds: which recency days, order counts and revenues each
    score stands for, and which scores are empty because of ties.

    Parameters
    ----------
    scores : RFMScores
        The result of `rfm_scores`.

    Returns
    -------
    pandas.DataFrame
        metric, score (1..bins), customers, and min and max of the metric among them (NaN for an
        empty score).
    """
    rows = []
    for metric, score_col in SCORE_COLUMNS.items():
        for s in range(1, scores.bins + 1):
            members = scores.table.loc[scores.table[score_col] == s, metric]
            rows.append(
                {
                    "metric": metric,
                    "score": s,
                    "customers": len(members),
                    "min": float(members.min()) if len(members) else np.nan,
                    "max": float(members.max()) if len(members) else np.nan,
                }
            )
    return pd.DataFrame(rows)
