"""The BG/NBD purchase process (Fader, Hardie & Lee 2005), simulated exactly, for the demo's BTYD group.

Each customer of the group makes a first purchase on a given day; from then on, while alive, they
buy as a Poisson process with rate lambda ~ Gamma(shape ``r``, rate ``alpha``) per week, and after
each repeat purchase they become inactive with probability p ~ Beta(``a``, ``b``). The draw is
exact: the number of repeat purchases a customer makes before dropping out is geometric with
parameter p (support 1, 2, ...), the Poisson events in the observation window are, given their
count, uniform on it, and the customer's observed repeats are the first of those events up to the
dropout. Event times are rounded to whole days; two events on one day are two orders but one
purchase day (with the default parameters this is rare).

`segkit.datasets.population` calls `simulate_bg_nbd` with its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: True parameters of the demo's BTYD group (rate in purchases per week).
BTYD_R, BTYD_ALPHA, BTYD_A, BTYD_B = 0.6, 4.0, 0.8, 3.0
#: Days per time unit of the rate (a week).
BTYD_UNIT_DAYS = 7.0


@dataclass(frozen=True)
class BGNBDDraw:
    """Purchase days of a simulated BG/NBD cohort and each customer's latent draws.

    Attributes
    ----------
    customer : numpy.ndarray
        Position (0 .. n-1) of the customer of each purchase, sorted by customer, then day.
    day : numpy.ndarray
        Day index of each purchase (first purchases included), within the period.
    rate : numpy.ndarray
        Each customer's purchase rate lambda per week.
    dropout : numpy.ndarray
        Each customer's dropout probability p.
    alive_at_end : numpy.ndarray
        Whether the customer is still alive at the end of the period.
    """

    customer: np.ndarray
    day: np.ndarray
    rate: np.ndarray
    dropout: np.ndarray
    alive_at_end: np.ndarray


def simulate_bg_nbd(
    rng: np.random.Generator,
    first_day: np.ndarray,
    *,
    period_days: int,
    r: float = BTYD_R,
    alpha: float = BTYD_ALPHA,
    a: float = BTYD_A,
    b: float = BTYD_B,
    unit_days: float = BTYD_UNIT_DAYS,
) -> BGNBDDraw:
    """Draw every purchase day of customers who follow the BG/NBD process from `first_day` on.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    first_day : numpy.ndarray
        Day index (0 = first day of the period) of each customer's first purchase.
    period_days : int
        Days in the period; purchases fall on days ``first_day .. period_days - 1``.
    r, alpha : float
        Shape and rate of the Gamma distribution of the purchase rate (per `unit_days`).
    a, b : float
        Parameters of the Beta distribution of the dropout probability.
    unit_days : float, default 7.0
        Days per time unit of the rate.

    Returns
    -------
    BGNBDDraw
        The purchase days (first purchases included) and the latent draws.
    """
    first_day = np.asarray(first_day, dtype=np.int64)
    n = len(first_day)
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    # Repeat purchases made before dropping out (after each one the customer leaves with p).
    lifetime_purchases = rng.geometric(np.clip(dropout, 1e-12, 1.0))
    # An event at t days rounds to day first + round(t): observed when that day is in the period.
    horizon = (period_days - first_day - 0.5) / unit_days
    events = rng.poisson(rate * horizon)
    owner = np.repeat(np.arange(n), events)
    t = rng.random(len(owner)) * horizon[owner]
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(events) - events, events)
    kept = rank < lifetime_purchases[owner]
    repeat_day = first_day[owner[kept]] + np.rint(t[kept] * unit_days).astype(np.int64)
    customer = np.concatenate([np.arange(n), owner[kept]])
    day = np.concatenate([first_day, np.minimum(repeat_day, period_days - 1)])
    order = np.lexsort((day, customer))
    return BGNBDDraw(
        customer=customer[order], day=day[order], rate=rate, dropout=dropout, alive_at_end=lifetime_purchases > events
    )
