"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

A customer's purchases are Gamma(p, nu) around their own mean, and nu ~ Gamma(q, gamma) across
customers. Fitted on the customers with at least one repeat purchase of positive value (the mean
repeat spend m_x over x repeat purchases is the datum); the model then shrinks each customer's
observed mean towards the population mean, more for customers with few purchases.

Customers without a repeat purchase, or whose repeat purchases are all worth nothing (returns,
free samples), carry no information on spend and are left out of the fit, as in the literature;
lifetimes raises instead. Their expected spend is the population mean p gamma / (q - 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln, psi

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.models.btyd import BTYDSummary
from segkit.models.fitting import fit_maximum_likelihood
from segkit.models.purchases import FREQUENCY, MONETARY, summary_columns


class GammaGammaModel:
    """Gamma-Gamma spend model: expected value of a customer's future purchases.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 is plain maximum likelihood.

    Attributes
    ----------
    params_ : dict of str to float
        ``p``, ``q``, ``gamma`` (gamma in currency).
    standard_errors_ : dict of str to float
        Standard errors from the observed information.
    log_likelihood_ : float
        Log-likelihood at the optimum.
    n_customers_ : int
        Customers fitted on (repeat buyers with positive repeat spend).
    n_no_repeat_ : int
        Customers left out because they made no repeat purchase.
    n_zero_value_ : int
        Customers left out because their repeat purchases were worth nothing, or less after
        returns (a mean repeat spend of zero or below).
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and mean spend among the fitted customers; the model
        assumes the two are independent, so a large value (above about 0.3) is a warning.
    """

    NAME = "Gamma-Gamma"
    PARAMS = ("p", "q", "gamma")

    def __init__(self, *, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _terms(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        p, q, gamma = params
        px = p * x
        return (
            gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + (px - 1) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(x * m + gamma)
        )  # fmt: skip

    @staticmethod
    def _gradient(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """d(log-likelihood term) / d(p, q, gamma) per customer."""
        p, q, gamma = params
        px = p * x
        return np.stack(
            [x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - np.log(x * m + gamma)),
             psi(px + q) - psi(q) + np.log(gamma) - np.log(x * m + gamma), q / gamma - (px + q) / (x * m + gamma)],
            axis=1,
        )  # fmt: skip

    @accepts_frames("summary")
    def fit(
        self, summary: BTYDSummary | pd.DataFrame, *, frequency_col: str = FREQUENCY, monetary_col: str = MONETARY
    ) -> GammaGammaModel:
        """Fit on the customers with a repeat purchase of positive value.

        Parameters
        ----------
        summary : BTYDSummary or pandas.DataFrame
            One row per customer with repeat purchases and their mean value.
        frequency_col, monetary_col : str
            Column names (the defaults are those of `btyd_summary`).

        Returns
        -------
        self
            With ``params_``, ``standard_errors_``, ``log_likelihood_``, ``n_customers_``,
            ``n_no_repeat_``, ``n_zero_value_`` and ``frequency_spend_correlation_``.

        Raises
        ------
        InputError
            When the columns are invalid, fewer than two customers qualify, or the fit does not converge.
        """
        (x, m), _, _ = summary_columns(summary, [frequency_col, monetary_col], model=self.NAME, signed=[monetary_col])
        used = (x > 0) & (m > 0)
        self.n_no_repeat_ = int((x == 0).sum())
        self.n_zero_value_ = int(((x > 0) & (m <= 0)).sum())
        if used.sum() < 2:
            raise InputError(
                f"{self.NAME}: {int(used.sum())} customers have a repeat purchase of positive value; the spend model needs "
                "at least two (and many more for a useful fit)"
            )
        x, m = x[used], m[used]
        mean = float(m.mean())
        starts = [[1.0, 1.0, 1.0], [2.0, 3.0, mean], [5.0, 3.0, 2 * mean]]
        result = fit_maximum_likelihood(
            self._terms, [x, m], names=self.PARAMS, starts=starts, model=self.NAME, penalizer_coef=self.penalizer_coef,
            gradient=self._gradient,
        )  # fmt: skip
        self.fit_ = result
        self.params_, self.standard_errors_ = result.params, result.standard_errors
        self.log_likelihood_, self.n_customers_ = result.log_likelihood, result.n_customers
        self.frequency_spend_correlation_ = float(np.corrcoef(x, m)[0, 1]) if len(x) > 2 else float("nan")
        return self

    def _p(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise InputError(f"{self.NAME}: the model is not fitted yet; call fit() first")
        return self.params_["p"], self.params_["q"], self.params_["gamma"]

    def population_mean(self) -> float:
        """Mean spend per purchase in the population, p gamma / (q - 1) (infinite when q <= 1).

        Returns
        -------
        float
            The mean; ``inf`` when q <= 1 (the model has no finite mean).
        """
        p, q, gamma = self._p()
        return p * gamma / (q - 1) if q > 1 else float("inf")

    def expected_spend(self, frequency: Any, monetary: Any) -> np.ndarray:
        """Expected value of a customer's future purchase, E[M | x, m_x] = p (gamma + x m_x) / (p x + q - 1).

        Parameters
        ----------
        frequency, monetary : array-like
            Repeat purchases and their mean value; customers with x = 0 get the population mean,
            a mean below zero (net returns) counts as zero.

        Returns
        -------
        numpy.ndarray
            Expected spend per purchase, in currency.
        """
        p, q, gamma = self._p()
        x, m = np.asarray(frequency, dtype=float), np.maximum(np.asarray(monetary, dtype=float), 0.0)
        return p * (gamma + x * m) / (p * x + q - 1)

    def as_dict(self) -> dict[str, Any]:
        """The fitted model for ``models.json``.

        Returns
        -------
        dict
            Parameters, standard errors, log-likelihood, customers fitted and left out.
        """
        self._p()
        return {
            "params": self.params_,
            "standard_errors": self.standard_errors_,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_no_repeat": self.n_no_repeat_,
            "n_zero_value_repeat": self.n_zero_value_,
            "frequency_spend_correlation": self.frequency_spend_correlation_,
            "penalizer_coef": self.penalizer_coef,
            "at_bound": list(self.fit_.at_bound),
        }
