"""Customer lifetime value: expected purchases times expected spend, discounted month by month.

CLV over a horizon of H months = sum over months i = 1..H of
E[spend per purchase] * (E[purchases up to month i] - E[purchases up to month i - 1]) / (1 + d)^i,
with d the monthly discount rate and a month of 30.4375 days converted to the purchase model's
time unit (as lifetimes' ``customer_lifetime_value`` does, with the average Gregorian month instead
of its 4.345 weeks or 30 days). The purchases come from a BG/NBD or Pareto/NBD model, the spend from
the Gamma-Gamma model; both were fitted on the same summary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.btyd import TIME_UNITS, BTYDSummary
from segkit.models.gamma_gamma import GammaGammaModel
from segkit.models.purchases import AGE, FREQUENCY, MONETARY, RECENCY, PurchaseModel, horizon_name, summary_columns


def customer_lifetime_value(
    purchases: PurchaseModel,
    spend: GammaGammaModel,
    summary: BTYDSummary,
    *,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
) -> pd.DataFrame:
    """Per-customer P(alive), expected purchases, expected spend and discounted CLV.

    Parameters
    ----------
    purchases : PurchaseModel
        A fitted BG/NBD or Pareto/NBD model.
    spend : GammaGammaModel
        A fitted Gamma-Gamma model.
    summary : BTYDSummary
        The customers to value, in the purchase model's time unit.
    horizon_months : int, default 12
        Months ahead (30.4375 days each).
    monthly_discount_rate : float, default 0.01
        Discount rate per month (0.01 is about 12.7 % a year); 0 for undiscounted value.

    Returns
    -------
    pandas.DataFrame
        customer id, ``p_alive``, ``expected_purchases_<H>M``, ``expected_spend`` (currency per
        purchase) and ``clv_<H>M`` (currency).

    Raises
    ------
    InputError
        When the horizon or rate is out of range, or the summary's unit is not the model's.
    """
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise InputError(f"horizon_months must be a whole number of months, 1 or more, not {horizon_months!r}")
    if not 0 <= monthly_discount_rate < 1:
        raise InputError(f"monthly_discount_rate must be at least 0 and below 1, not {monthly_discount_rate!r}")
    if purchases.unit_ is not None and summary.unit != purchases.unit_:
        raise InputError(f"the summary is in {summary.unit!r} but the purchase model was fitted in {purchases.unit_!r}")
    (x, tx, T, m), _, table = summary_columns(summary, [FREQUENCY, RECENCY, AGE, MONETARY], model="CLV", signed=[MONETARY])
    month = TIME_UNITS["M"] / TIME_UNITS[summary.unit]
    value = spend.expected_spend(x, m)
    previous = np.zeros(len(x))
    clv = np.zeros(len(x))
    for i in range(1, int(horizon_months) + 1):
        cumulative = purchases.expected_purchases(i * month, x, tx, T)
        clv += value * (cumulative - previous) / (1 + monthly_discount_rate) ** i
        previous = cumulative
    key = table.columns[0]
    return pd.DataFrame(
        {
            key: table[key].to_numpy(),
            "p_alive": purchases.p_alive(x, tx, T),
            horizon_name("expected_purchases", horizon_months, "M"): previous,
            "expected_spend": value,
            horizon_name("clv", horizon_months, "M"): clv,
        }
    )


@accepts_frames("clv")
def value_concentration(clv: pd.Series, *, shares: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2)) -> pd.DataFrame:
    """Share of the total future value held by the top x % of customers.

    Parameters
    ----------
    clv : pandas.Series
        CLV per customer.
    shares : tuple of float
        Top shares of customers (0.1 = the top 10 %).

    Returns
    -------
    pandas.DataFrame
        ``top_share``, ``customers`` (how many that is, at least one) and ``value_share``.
    """
    values = np.sort(clv.to_numpy(dtype=float))[::-1]
    total = values.sum()
    rows = []
    for share in shares:
        k = max(1, int(np.ceil(share * len(values)))) if len(values) else 0
        rows.append({"top_share": share, "customers": k, "value_share": values[:k].sum() / total if total > 0 else np.nan})
    return pd.DataFrame(rows)
