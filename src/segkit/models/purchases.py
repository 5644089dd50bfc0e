"""What the purchase-count models (BG/NBD, Pareto/NBD) share: inputs, checks, fitting and prediction.

A model is fitted on a BTYD summary (`segkit.models.btyd.btyd_summary`): repeat purchases
(frequency), the time between the first and last purchase (recency) and between the first purchase
and the end of the calibration period (T), in one time unit. The fitted model keeps that unit
(``unit_``) so every prediction says which unit its horizon is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.btyd import TIME_UNITS, BTYDSummary
from segkit.models.fitting import FitResult, fit_maximum_likelihood

FREQUENCY, RECENCY, AGE, MONETARY = "btyd_frequency", "btyd_recency", "btyd_T", "btyd_monetary"


def summary_columns(
    summary: BTYDSummary | pd.DataFrame, columns: Sequence[str], *, model: str, signed: Sequence[str] = ()
) -> tuple[list[np.ndarray], str | None, pd.DataFrame]:
    """The named columns of a summary as float arrays, with the summary's unit when it knows one.

    Parameters
    ----------
    summary : BTYDSummary or pandas.DataFrame
        The per-customer summary.
    columns : sequence of str
        Frequency, recency and T columns (Gamma-Gamma: frequency and monetary).
    model : str
        Name of the model, for messages.
    signed : sequence of str
        Columns that may be negative (a mean repeat spend after returns).

    Returns
    -------
    tuple
        The arrays, the unit (None for a bare DataFrame) and the table.

    Raises
    ------
    InputError
        When a column is missing, not numeric, negative or not finite (the first such row is named).
    """
    table, unit = (summary.table, summary.unit) if isinstance(summary, BTYDSummary) else (summary, None)
    require_columns(table, list(columns), what=f"{model} input")
    arrays = []
    for name in columns:
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | ((values < 0) & (name not in signed))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{model} input: column {name!r}: {int(bad.sum())} of {len(values)} values are missing, negative or "
                f"not finite (row {row + 1})"
            )
        arrays.append(values)
    return arrays, unit, table


def check_counts(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, *, model: str) -> None:
    """Refuse summaries that no purchase history can produce.

    Parameters
    ----------
    frequency, recency, age : numpy.ndarray
        Repeat purchases, recency and T of each customer.
    model : str
        Name of the model, for messages.

    Raises
    ------
    InputError
        When a frequency is not whole, recency exceeds T, or a customer without repeat purchases
        has a non-zero recency (the first such row is named).
    """
    checks = (
        (frequency != np.round(frequency), "the frequency (repeat purchases) is not a whole number"),
        (recency > age + 1e-9, "recency is larger than T (the last purchase after the end of the period)"),
        ((frequency == 0) & (recency > 0), "a customer without repeat purchases has a recency above 0"),
    )
    for bad, problem in checks:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(f"{model} input: {int(bad.sum())} customers where {problem} (row {row + 1})")


class PurchaseModel:
    """Base of the purchase-count models: fit on a summary, then predict per customer.

    Subclasses define `PARAMS` (names), `_terms` (log-likelihood per customer), `_starts`,
    `p_alive`, `expected_purchases` and `expected_purchases_new`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 is plain maximum likelihood.
    """

    NAME = ""
    PARAMS: tuple[str, ...] = ()

    def __init__(self, *, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    # -- what subclasses provide
    @staticmethod
    def _terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _starts(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> list[list[float]]:
        raise NotImplementedError

    #: d(term) / d(params) per customer, or None to differentiate numerically.
    _gradient: Any = None

    # -- fitting
    @accepts_frames("summary")
    def fit(
        self, summary: BTYDSummary | pd.DataFrame, *, frequency_col: str = FREQUENCY, recency_col: str = RECENCY, T_col: str = AGE
    ) -> Self:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : BTYDSummary or pandas.DataFrame
            One row per customer: repeat purchases, recency and T in one time unit.
        frequency_col, recency_col, T_col : str
            Column names (the defaults are those of `btyd_summary`).

        Returns
        -------
        self
            With ``params_``, ``standard_errors_``, ``log_likelihood_``, ``n_customers_``,
            ``unit_`` (None when fitted on a bare DataFrame) and ``fit_``.

        Raises
        ------
        InputError
            When the summary is invalid or the fit does not converge.
        """
        (x, tx, T), unit, _ = summary_columns(summary, [frequency_col, recency_col, T_col], model=self.NAME)
        check_counts(x, tx, T, model=self.NAME)
        if len(x) == 0:
            raise InputError(f"{self.NAME}: there are no customers to fit the model on")
        result = fit_maximum_likelihood(
            self._terms, [x, tx, T], names=self.PARAMS, starts=self._starts(x, tx, T), model=self.NAME,
            penalizer_coef=self.penalizer_coef, gradient=self._gradient,
        )  # fmt: skip
        self._set(result, unit, summary)
        return self

    def _set(self, result: FitResult, unit: str | None, summary: Any) -> None:
        self.fit_ = result
        self.params_ = result.params
        self.standard_errors_ = result.standard_errors
        self.log_likelihood_ = result.log_likelihood
        self.n_customers_ = result.n_customers
        self.unit_ = unit
        self.calibration_end_ = summary.observation_end if isinstance(summary, BTYDSummary) else None

    def _p(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise InputError(f"{self.NAME}: the model is not fitted yet; call fit() first")
        return tuple(self.params_[k] for k in self.PARAMS)

    def as_dict(self) -> dict[str, Any]:
        """The fitted model for ``models.json``: parameters, standard errors, log-likelihood, size, unit."""
        self._p()
        end = self.calibration_end_
        return {
            "params": self.params_,
            "standard_errors": self.standard_errors_,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "time_unit": self.unit_,
            "calibration_end": None if end is None else str(pd.Timestamp(end).date()),
            "penalizer_coef": self.penalizer_coef,
            "at_bound": list(self.fit_.at_bound),
        }

    # -- predictions
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        raise NotImplementedError

    @accepts_frames("summary")
    def predict(self, summary: BTYDSummary, *, horizon: float, customer_col: str | None = None) -> pd.DataFrame:
        """P(alive) and expected purchases over the next `horizon` units, per customer.

        Parameters
        ----------
        summary : BTYDSummary
            The summary to predict for (usually the one fitted on), in the model's time unit.
        horizon : float
            Length of the prediction window in the model's time unit.
        customer_col : str, optional
            Customer id column; default the summary table's first column.

        Returns
        -------
        pandas.DataFrame
            customer id, ``p_alive`` and ``expected_purchases_<horizon><unit>`` (for example
            ``expected_purchases_26W``).

        Raises
        ------
        InputError
            When the model is unfitted or the summary's unit differs from the model's.
        """
        self._p()
        if self.unit_ is not None and summary.unit != self.unit_:
            raise InputError(f"{self.NAME}: the summary is in {summary.unit!r} but the model was fitted in {self.unit_!r}")
        (x, tx, T), unit, table = summary_columns(summary, [FREQUENCY, RECENCY, AGE], model=self.NAME)
        key = customer_col or table.columns[0]
        return pd.DataFrame(
            {
                key: table[key].to_numpy(),
                "p_alive": self.p_alive(x, tx, T),
                horizon_name("expected_purchases", horizon, unit): self.expected_purchases(horizon, x, tx, T),
            }
        )


def horizon_name(prefix: str, horizon: float, unit: str | None) -> str:
    """Column name with its horizon and unit: ``expected_purchases_26W``, ``clv_12M``.

    Parameters
    ----------
    prefix : str
        What the column holds.
    horizon : float
        The horizon (a whole number is written without decimals).
    unit : str or None
        ``D``, ``W`` or ``M``; None writes ``units``.

    Returns
    -------
    str
        The column name.
    """
    if unit is not None and unit not in TIME_UNITS:
        raise InputError(f"unit: {unit!r} is not a time unit; use one of {', '.join(TIME_UNITS)}")
    number = f"{horizon:g}"
    return f"{prefix}_{number}{unit or 'units'}"
