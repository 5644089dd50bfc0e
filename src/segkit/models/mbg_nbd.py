"""The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for customer base analysis").

As BG/NBD, but a customer may drop out right after the first purchase as well as after each
repeat, so a customer who never came back is not taken to be alive for sure: with dropout
probability p ~ Beta(a, b) after every purchase, first included. Likelihood, P(alive) and the
expectations are those of the paper (and of lifetimes' ``ModifiedBetaGeoFitter``, which the tests
check against).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from segkit.models.bg_nbd import BetaGeoModel


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD: purchase rate Gamma(r, alpha) while alive, dropout Beta(a, b) after every purchase, the first included.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 is plain maximum likelihood.

    Attributes
    ----------
    params_ : dict of str to float
        ``r``, ``alpha`` (in the summary's time unit), ``a``, ``b``.
    standard_errors_ : dict of str to float
        Standard errors from the observed information.
    log_likelihood_ : float
        Log-likelihood at the optimum.
    n_customers_ : int
        Customers fitted on.
    unit_ : str or None
        Time unit of the summary (``D``, ``W``, ``M``).
    """

    NAME = "MBG/NBD"

    @staticmethod
    def _branches(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log of the two branches (less the common factor): still alive at T, gone after the last purchase."""
        r, alpha, a, b = params
        alive = betaln(a, b + x + 1) - (r + x) * np.log(alpha + T)
        gone = betaln(a + 1, b + x) - (r + x) * np.log(alpha + tx)  # B(a, b+x+1) a / (b+x) = B(a+1, b+x)
        return alive, gone

    @staticmethod
    def _terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        return common + np.logaddexp(*ModifiedBetaGeoModel._branches(params, x, tx, T))

    @staticmethod
    def _gradient(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        """d(log-likelihood term) / d(r, alpha, a, b) per customer."""
        r, alpha, a, b = params
        common = np.stack(
            [psi(r + x) - psi(r) + np.log(alpha), np.full_like(x, r / alpha), np.full_like(x, psi(a + b) - psi(a)),
             np.full_like(x, psi(a + b) - psi(b))], axis=1,
        )  # fmt: skip
        tail = psi(a + b + x + 1)
        alive_d = np.stack([-np.log(alpha + T), -(r + x) / (alpha + T), psi(a) - tail, psi(b + x + 1) - tail], axis=1)
        gone_d = np.stack([-np.log(alpha + tx), -(r + x) / (alpha + tx), psi(a + 1) - tail, psi(b + x) - tail], axis=1)
        alive, gone = ModifiedBetaGeoModel._branches(params, x, tx, T)
        total = np.logaddexp(alive, gone)
        return common + np.exp(alive - total)[:, None] * alive_d + np.exp(gone - total)[:, None] * gone_d

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at the end of the period | x, t_x, T); below 1 for customers without a repeat too.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, recency and age in the model's time unit.

        Returns
        -------
        numpy.ndarray
            The probability of each customer.
        """
        r, alpha, a, b = self._p()
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.asarray(expit(-log_odds))

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next `t` units given the history.

        Parameters
        ----------
        t : float
            Length of the window in the model's time unit.
        frequency, recency, T : array-like
            Repeat purchases, recency and age.

        Returns
        -------
        numpy.ndarray
            E[Y(t) | x, t_x, T] per customer.
        """
        r, alpha, a, b = self._p()
        x, T = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        z = t / (alpha + T + t)
        head = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, a + b + x, z)
        return (a + b + x) / (a - 1) * head * self.p_alive(frequency, recency, T)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases in the first `t` units after a first purchase, E[X(t)].

        Parameters
        ----------
        t : array-like
            Time since the first purchase in the model's time unit.

        Returns
        -------
        numpy.ndarray
            E[X(t)] for a new customer.
        """
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
