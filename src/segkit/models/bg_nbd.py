"""The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
purchase they drop out with probability p ~ Beta(a, b). Fitted by maximum likelihood on frequency
x, recency t_x and age T. The likelihood, P(alive) and the conditional expectation are equations
(6), (13) and (10) of the paper; the unconditional expectation is equation (9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from segkit.models.purchases import PurchaseModel


class BetaGeoModel(PurchaseModel):
    """BG/NBD: purchase rate Gamma(r, alpha) while alive, dropout after a purchase Beta(a, b).

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

    Examples
    --------
    >>> model = BetaGeoModel().fit(btyd_summary(lines, observation_end="1997-09-30"))  # doctest: +SKIP
    >>> model.params_["r"]  # doctest: +SKIP
    0.2426
    """

    NAME = "BG/NBD"
    PARAMS = ("r", "alpha", "a", "b")

    @staticmethod
    def _branches(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log of the likelihood's two branches (less the common factor): still alive at T, gone after the last purchase."""
        r, alpha, a, b = params
        repeat = x > 0
        x1 = np.where(repeat, x, 1.0)  # keeps b + x - 1 > 0 where the term is not used
        gone_never = betaln(a, b + x) - (r + x) * np.log(alpha + T)
        gone_after_last = np.where(repeat, betaln(a + 1, b + x1 - 1) - (r + x) * np.log(alpha + tx), -np.inf)
        return gone_never, gone_after_last

    @staticmethod
    def _terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        return common + np.logaddexp(*BetaGeoModel._branches(params, x, tx, T))

    @staticmethod
    def _gradient(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        """d(log-likelihood term) / d(r, alpha, a, b) per customer (digamma functions, no numerical steps)."""
        r, alpha, a, b = params
        repeat = x > 0
        x1 = np.where(repeat, x, 1.0)
        common = np.stack(
            [psi(r + x) - psi(r) + np.log(alpha), np.full_like(x, r / alpha), np.full_like(x, psi(a + b) - psi(a)),
             np.full_like(x, psi(a + b) - psi(b))], axis=1,
        )  # fmt: skip
        never = np.stack(
            [-np.log(alpha + T), -(r + x) / (alpha + T), psi(a) - psi(a + b + x), psi(b + x) - psi(a + b + x)], axis=1
        )
        after = np.stack(
            [-np.log(alpha + tx), -(r + x) / (alpha + tx), psi(a + 1) - psi(a + b + x), psi(b + x1 - 1) - psi(a + b + x)], axis=1
        )
        gone_never, gone_after_last = BetaGeoModel._branches(params, x, tx, T)
        total = np.logaddexp(gone_never, gone_after_last)
        w_never, w_after = np.exp(gone_never - total), np.exp(gone_after_last - total)
        return common + w_never[:, None] * never + w_after[:, None] * np.where(repeat[:, None], after, 0.0)

    def _starts(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> list[list[float]]:
        scale = max(float(np.median(T)), 1e-3)
        return [[1.0, 1.0, 1.0, 1.0], [0.5, scale / 4, 1.0, 3.0], [0.2, scale, 0.5, 2.0]]

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at the end of the period | x, t_x, T) (equation 13); 1 for customers without a repeat.

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
        x1 = np.where(x > 0, x, 1.0)
        log_odds = np.log(a) - np.log(b + x1 - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.where(x > 0, expit(-log_odds), 1.0)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next `t` units given the history (equation 10).

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
        head = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * head * self.p_alive(frequency, recency, T)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases in the first `t` units after a first purchase, E[X(t)] (equation 9).

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
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
