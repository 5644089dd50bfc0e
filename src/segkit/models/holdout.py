"""Calibration / holdout checks of a purchase model: is it right about the period it has not seen?

The transactions are split at a date: the model is fitted on the calibration summary of the
customers who had bought by then, and its predictions for the holdout are compared with what they
did. Three views, as in Fader, Hardie & Lee (2005): mean holdout purchases by calibration frequency
(predicted vs actual), the repeat purchases of the whole cohort per period and cumulated over
calibration and holdout (the tracking plot), and per-customer accuracy (mean absolute error, and the
share of the holdout's top 10 % of buyers the model ranks in its own top 10 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.btyd import TIME_UNITS, BTYDSummary, btyd_summary
from segkit.models.purchases import AGE, FREQUENCY, RECENCY, PurchaseModel


@dataclass(frozen=True)
class CalibrationHoldout:
    """Transactions split at `calibration_end` for a holdout check.

    Attributes
    ----------
    calibration : BTYDSummary
        The summary up to the calibration end, of the customers who had bought by then.
    holdout : pandas.DataFrame
        customer id and ``holdout_purchases`` (purchase days after the calibration end, up to the
        observation end), in the calibration summary's row order.
    first_purchase : numpy.ndarray
        Each customer's first purchase, in units after the earliest first purchase.
    purchase_days : pandas.DataFrame
        ``t`` (units after the earliest first purchase) of every repeat purchase day, for tracking.
    calibration_end, observation_end : pandas.Timestamp
        Last day of the calibration and of the holdout period (both included).
    unit : str
        Time unit.
    holdout_length : float
        Length of the holdout in units.
    """

    calibration: BTYDSummary
    holdout: pd.DataFrame
    first_purchase: np.ndarray
    purchase_days: pd.DataFrame
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    unit: str
    holdout_length: float


def default_calibration_end(dates: pd.Series, *, holdout_share: float = 0.2) -> pd.Timestamp:
    """The day that leaves the last `holdout_share` of the span of `dates` for the holdout.

    Parameters
    ----------
    dates : pandas.Series
        Purchase dates.
    holdout_share : float, default 0.2
        Share of the span kept for the holdout.

    Returns
    -------
    pandas.Timestamp
        The calibration end (midnight; that day belongs to the calibration).
    """
    days = pd.to_datetime(dates).dt.normalize()
    first, last = days.min(), days.max()
    return (first + pd.Timedelta(days=math.floor((last - first).days * (1 - holdout_share)))).normalize()


@accepts_frames("transactions")
def split_calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    unit: str = "W",
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
    amount_col: str = schema.AMOUNT,
) -> CalibrationHoldout:
    """Split transactions into a calibration summary and the holdout purchases of its customers.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean transaction lines (or purchase days) with customer, date and amount.
    calibration_end : str or pandas.Timestamp
        Last day of the calibration period (included).
    observation_end : str or pandas.Timestamp, optional
        Last day of the holdout; default the last purchase day.
    unit : {"D", "W", "M"}, default "W"
        Time unit of the summary and the holdout length.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    CalibrationHoldout
        The calibration summary, holdout purchases and the cohort's purchase times.

    Raises
    ------
    InputError
        When a column is missing, or the calibration end is not before the observation end.
    """
    require_columns(transactions, [customer_col, date_col, amount_col], what="transactions")
    day = pd.to_datetime(transactions[date_col]).dt.normalize()
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = day.max() if observation_end is None else pd.Timestamp(observation_end).normalize()
    if not cal_end < obs_end:
        raise InputError(
            f"calibration_end {cal_end.date()} must be before the end of the data {obs_end.date()}: "
            "the holdout period would be empty"
        )
    calibration = btyd_summary(
        transactions, observation_end=cal_end, unit=unit, customer_col=customer_col, date_col=date_col, amount_col=amount_col
    )
    size = TIME_UNITS[unit]
    ids = calibration.table[customer_col]
    days = pd.DataFrame({"c": transactions[customer_col].to_numpy(), "d": day.to_numpy()}).drop_duplicates()
    days = days.loc[days["c"].isin(ids) & (days["d"] <= obs_end)]
    in_holdout = days.loc[days["d"] > cal_end].groupby("c").size()
    holdout = pd.DataFrame(
        {customer_col: ids.to_numpy(), "holdout_purchases": in_holdout.reindex(ids.to_numpy(), fill_value=0).to_numpy(float)}
    )
    first = days.groupby("c")["d"].min()
    origin = first.min()
    repeat = days.loc[days["d"] > days["c"].map(first)]
    return CalibrationHoldout(
        calibration=calibration,
        holdout=holdout,
        first_purchase=((first.reindex(ids.to_numpy()) - origin).dt.days / size).to_numpy(),
        purchase_days=pd.DataFrame({"t": ((repeat["d"] - origin).dt.days / size).to_numpy()}),
        calibration_end=cal_end,
        observation_end=obs_end,
        unit=unit,
        holdout_length=(obs_end - cal_end).days / size,
    )


@dataclass(frozen=True)
class HoldoutCheck:
    """How well a purchase model predicted the holdout.

    Attributes
    ----------
    per_customer : pandas.DataFrame
        customer id, calibration ``frequency``, ``predicted`` and ``actual`` holdout purchases.
    by_frequency : pandas.DataFrame
        ``frequency`` (calibration repeat purchases, the last row "and more"), ``customers``,
        ``actual`` and ``predicted`` mean holdout purchases.
    tracking : pandas.DataFrame
        ``period`` (1, 2, ... units after the earliest first purchase), ``actual`` and ``predicted``
        repeat purchases of the cohort in that period, ``actual_cumulative``, ``predicted_cumulative``
        and ``holdout`` (True after the calibration end).
    mae : float
        Mean absolute error of the per-customer holdout purchases.
    top_decile_capture : float
        Share of the holdout's top 10 % of customers (by actual purchases) in the predicted top 10 %.
    """

    per_customer: pd.DataFrame
    by_frequency: pd.DataFrame
    tracking: pd.DataFrame
    mae: float
    top_decile_capture: float


def top_share_capture(actual: np.ndarray, predicted: np.ndarray, *, share: float = 0.1) -> float:
    """Share of the actual top `share` of customers that the prediction also puts in its top `share`.

    Both sides take the first ``ceil(share * n)`` customers in a stable descending sort, so ties
    (many customers with no holdout purchase) are broken by row order, the same on both sides.

    Parameters
    ----------
    actual, predicted : numpy.ndarray
        Values per customer.
    share : float, default 0.1
        The top share.

    Returns
    -------
    float
        Between 0 and 1; NaN without customers.
    """
    n = len(actual)
    if n == 0:
        return float("nan")
    k = max(1, math.ceil(share * n))
    top_actual = np.argsort(-np.asarray(actual, dtype=float), kind="stable")[:k]
    top_predicted = np.argsort(-np.asarray(predicted, dtype=float), kind="stable")[:k]
    return len(np.intersect1d(top_actual, top_predicted)) / k


def check_holdout(model: PurchaseModel, split: CalibrationHoldout, *, max_frequency: int = 7) -> HoldoutCheck:
    """Compare a model fitted on `split.calibration` with the holdout.

    Parameters
    ----------
    model : PurchaseModel
        A BG/NBD or Pareto/NBD model fitted on the calibration summary.
    split : CalibrationHoldout
        The split it was fitted on.
    max_frequency : int, default 7
        Calibration frequencies from this one up share the last row of `by_frequency`.

    Returns
    -------
    HoldoutCheck
        Per customer, by frequency, the tracking table and the accuracy figures.
    """
    table = split.calibration.table
    x, tx, T = (table[c].to_numpy(dtype=float) for c in (FREQUENCY, RECENCY, AGE))
    predicted = model.expected_purchases(split.holdout_length, x, tx, T)
    actual = split.holdout["holdout_purchases"].to_numpy(dtype=float)
    key = table.columns[0]
    per_customer = pd.DataFrame({key: table[key].to_numpy(), "frequency": x, "predicted": predicted, "actual": actual})
    groups = np.minimum(x, max_frequency).astype(int)
    by_frequency = (
        per_customer.assign(frequency=groups)
        .groupby("frequency")
        .agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
        .reset_index()
    )
    return HoldoutCheck(
        per_customer=per_customer,
        by_frequency=by_frequency,
        tracking=tracking(model, split),
        mae=float(np.mean(np.abs(predicted - actual))),
        top_decile_capture=top_share_capture(actual, predicted),
    )


def tracking(model: PurchaseModel, split: CalibrationHoldout) -> pd.DataFrame:
    """Repeat purchases of the cohort per period, actual and predicted (the tracking plot).

    Periods are one unit long and placed so that the holdout starts a period (the first one may be
    shorter): on CDNOW in weeks they are weeks 1..78 from 1997-01-01, the holdout weeks 40..78. The
    prediction for a period is the sum over customers of E[X(end - t0)] - E[X(start - t0)], with t0
    the customer's first purchase and E[X(t)] the model's expectation for a new customer.

    Parameters
    ----------
    model : PurchaseModel
        The fitted model.
    split : CalibrationHoldout
        The split.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``actual``, ``predicted``, their cumulative sums and ``holdout``.
    """
    if len(split.first_purchase) == 0:
        return pd.DataFrame(columns=["period", "actual", "predicted", "actual_cumulative", "predicted_cumulative", "holdout"])
    day = 1 / TIME_UNITS[split.unit]
    holdout_start = float(split.first_purchase[0] + split.calibration.table[AGE].iloc[0]) + day  # the day after
    before = np.maximum(holdout_start - np.arange(math.ceil(holdout_start - 1e-9), 0, -1), 0.0)
    edges = np.concatenate([before, holdout_start + np.arange(0, math.ceil(split.holdout_length - 1e-9) + 1)])
    starts, counts = np.unique(split.first_purchase, return_counts=True)
    cumulative = np.array([np.dot(counts, model.expected_purchases_new(np.maximum(edge - starts, 0.0))) for edge in edges])
    period = np.searchsorted(edges, split.purchase_days["t"].to_numpy(), side="right")  # period k holds [edge k-1, edge k)
    actual = np.bincount(period, minlength=len(edges))[1:]
    predicted = np.diff(cumulative)
    return pd.DataFrame(
        {
            "period": np.arange(1, len(edges), dtype=int),
            "actual": actual.astype(float),
            "predicted": predicted,
            "actual_cumulative": np.cumsum(actual).astype(float),
            "predicted_cumulative": cumulative[1:] - cumulative[0],
            "holdout": edges[:-1] >= holdout_start - 1e-9,
        }
    )
