"""The BTYD summary (frequency, recency, T, monetary) that lifetime-value models are fitted on."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames

#: Length of one time unit in days; a month is the average Gregorian month.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 30.4375}


# --------------------------------------------------------------------------------------------
# BTYD summary


@dataclass(frozen=True)
class BTYDSummary:
    """Per-customer inputs of BG/NBD, Pareto/NBD and Gamma-Gamma models (not RFM features).

    Attributes
    ----------
    table : pandas.DataFrame
        customer id, btyd_frequency (repeat purchase days), btyd_recency and btyd_T (in `unit`),
        btyd_monetary (currency).
    observation_end : pandas.Timestamp
        The last day observed (midnight; that day included).
    unit : str
        Time unit: ``"D"``, ``"W"`` or ``"M"``.
    unit_days : float
        Days per unit.
    """

    table: pd.DataFrame  # customer_id, btyd_frequency, btyd_recency, btyd_T, btyd_monetary
    observation_end: pd.Timestamp
    unit: str
    unit_days: float

    def for_lifetimes(self) -> pd.DataFrame:
        """The columns renamed as the `lifetimes` package expects, indexed by customer."""
        return self.table.set_index(self.table.columns[0]).rename(
            columns={"btyd_frequency": "frequency", "btyd_recency": "recency", "btyd_T": "T", "btyd_monetary": "monetary_value"}
        )


@accepts_frames("transactions")
def btyd_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    unit: str = "W",
    customer_col: str = schema.CUSTOMER_ID,
    date_col: str = schema.ORDER_DATE,
    amount_col: str = schema.AMOUNT,
) -> BTYDSummary:
    """The BTYD summary: repeat purchases, recency, T and mean repeat value per customer.

    Purchases on the same calendar day are merged into one (amounts summed), as in Fader, Hardie
    and Lee's CDNOW data; transactions after `observation_end` (inclusive day) are ignored.
    ``btyd_frequency`` = purchase days - 1; ``btyd_recency`` = last - first purchase day and
    ``btyd_T`` = observation end - first purchase day, both in `unit` (``D``, ``W`` = 7 days,
    ``M`` = 30.4375 days); ``btyd_monetary`` = mean of the repeat purchase days' values (the first
    purchase excluded), 0 for customers without a repeat purchase.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction lines or purchase days with a customer, a date and an amount column.
    observation_end : str or pandas.Timestamp
        The last day observed (time of day dropped; purchases on that day count).
    unit : {"D", "W", "M"}, default "W"
        Unit of btyd_recency and btyd_T: days, weeks (7 days) or months (30.4375 days).
    customer_col : str, default "customer_id"
        Column of customer ids.
    date_col : str, default "order_date"
        Column of purchase dates.
    amount_col : str, default "amount"
        Column of line amounts (currency), summed per purchase day.

    Returns
    -------
    BTYDSummary
        The per-customer table, the observation end and the unit.

    Raises
    ------
    InputError
        When `unit` is unknown, a column is missing, or there is no purchase on or before
        `observation_end`.
    """
    if unit not in TIME_UNITS:
        raise InputError(f"unit: {unit!r} is not a time unit; use one of {', '.join(TIME_UNITS)}")
    require_columns(transactions, [customer_col, date_col, amount_col], what="transactions")
    end = pd.Timestamp(observation_end).normalize()
    day = pd.to_datetime(transactions[date_col]).dt.normalize()
    keep = day <= end
    days = (
        pd.DataFrame(
            {
                "c": transactions.loc[keep, customer_col].to_numpy(),
                "d": day[keep].to_numpy(),
                "a": transactions.loc[keep, amount_col].astype(float).to_numpy(),
            }
        )
        .groupby(["c", "d"], sort=True)["a"]
        .sum()
        .reset_index()
    )
    if days.empty:
        raise InputError(f"transactions: no purchase on or before the observation end {end.date()}")
    first_of = days.groupby("c", sort=True)["d"].transform("min")
    repeat = days["d"] > first_of
    per = days.groupby("c", sort=True).agg(first=("d", "min"), last=("d", "max"), n=("d", "size"))
    repeat_value = days.loc[repeat].groupby("c")["a"].mean()
    size = TIME_UNITS[unit]
    table = pd.DataFrame(
        {
            customer_col: per.index.to_numpy(),
            "btyd_frequency": (per["n"] - 1).to_numpy(dtype=float),
            "btyd_recency": ((per["last"] - per["first"]).dt.days / size).to_numpy(),
            "btyd_T": ((end - per["first"]).dt.days / size).to_numpy(),
            "btyd_monetary": repeat_value.reindex(per.index, fill_value=0.0).to_numpy(),
        }
    )
    return BTYDSummary(table=table, observation_end=end, unit=unit, unit_days=size)
