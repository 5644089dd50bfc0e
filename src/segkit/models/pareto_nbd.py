"""The Pareto/NBD model of repeat purchases (Schmittlein, Morrison & Colombo 1987).

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); the lifetime
is exponential with rate mu ~ Gamma(s, beta), so a customer can leave at any time. Fitted by
maximum likelihood; the likelihood and P(alive) follow Fader & Hardie's note "A Note on Deriving
the Pareto/NBD Model and Related Expressions" (2005), with the Gaussian hypergeometric term A0
written in logs so that large frequencies do not overflow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, gammaln, hyp2f1, logsumexp

from segkit.models.purchases import PurchaseModel

#: Terms of the series that evaluates 2F1(1, c - b; c; z) where scipy's hyp2f1 gives up.
SERIES_TERMS = 4000


def log_hyp2f1_a1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a + 1; z) for a, b > 0 and 0 <= z < 1, without overflow for large b.

    scipy's value is used where it is finite. For hundreds of purchases (b = r + x) and z near 1
    it overflows: there Euler's transformation 2F1(a, b; a+1; z) = (1 - z)^(1-b) 2F1(1, a+1-b; a+1; z)
    takes the large factor into logs, and where scipy cannot evaluate the second function either,
    its series sum_n (a+1-b)_n / (a+1)_n z^n (positive terms, summed in logs) is used.
    """
    a, b, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, z)))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.log(hyp2f1(a, b, a + 1, z))
        bad = ~np.isfinite(out)
        if bad.any():
            a1, b1, z1 = a[bad], b[bad], z[bad]
            euler = (1 - b1) * np.log1p(-z1) + np.log(hyp2f1(1.0, a1 + 1 - b1, a1 + 1, z1))
            still = ~np.isfinite(euler)
            if still.any():
                k = np.arange(SERIES_TERMS)[None, :]
                steps = (
                    np.log(a1[still, None] + 1 - b1[still, None] + k) - np.log(a1[still, None] + 1 + k) + np.log(z1[still, None])
                )
                log_terms = np.concatenate([np.zeros((int(still.sum()), 1)), np.cumsum(steps, axis=1)[:, :-1]], axis=1)
                euler[still] = (1 - b1[still]) * np.log1p(-z1[still]) + logsumexp(log_terms, axis=1)
            out[bad] = euler
    return out


def log_a0(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """log A0 of Fader & Hardie's note (equations 19-20), for alpha >= beta and alpha < beta.

    Parameters
    ----------
    params : numpy.ndarray
        ``r, alpha, s, beta``.
    x, tx, T : numpy.ndarray
        Repeat purchases, recency and age.

    Returns
    -------
    numpy.ndarray
        log A0 per customer (``-inf`` where t_x = T, as A0 = 0 there).
    """
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1.0
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    q1, q2 = big + tx, big + T
    first = log_hyp2f1_a1(rsx, second, gap / q1) - rsx * np.log(q1)
    last = log_hyp2f1_a1(rsx, second, gap / q2) - rsx * np.log(q2)
    with np.errstate(divide="ignore"):  # t_x = T gives A0 = 0, log A0 = -inf
        return first + np.log1p(-np.exp(np.minimum(last - first, 0.0)))  # log(e^first - e^last)


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD: purchase rate Gamma(r, alpha), dropout rate Gamma(s, beta).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 is plain maximum likelihood.

    Attributes
    ----------
    params_ : dict of str to float
        ``r``, ``alpha``, ``s``, ``beta`` (alpha and beta in the summary's time unit).
    standard_errors_, log_likelihood_, n_customers_, unit_
        As for `segkit.models.bg_nbd.BetaGeoModel`.
    """

    NAME = "Pareto/NBD"
    PARAMS = ("r", "alpha", "s", "beta")

    @staticmethod
    def _terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = params
        rsx = r + s + x
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        gone = np.log(s) - np.log(rsx) + log_a0(params, x, tx, T)
        return head + np.logaddexp(alive, gone)

    def _starts(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> list[list[float]]:
        scale = max(float(np.median(T)), 1e-3)
        return [[1.0, 1.0, 1.0, 1.0], [0.5, scale / 4, 0.5, scale / 4], [0.5, scale, 1.0, scale]]

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at the end of the period | x, t_x, T).

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, recency and age in the model's time unit.

        Returns
        -------
        numpy.ndarray
            The probability of each customer.
        """
        params = np.asarray(self._p())
        r, alpha, s, beta = params
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(divide="ignore"):
            log_odds = (
                np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                + log_a0(params, x, tx, T)
            )  # fmt: skip
        return expit(-log_odds)

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
            E[Y(t) | x, t_x, T] = P(alive) (r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T) / (beta + T + t))^(s - 1)].
        """
        r, alpha, s, beta = self._p()
        x, T = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        rate = (r + x) / (alpha + T)
        if abs(s - 1) < 1e-9:
            window = (beta + T) * np.log((beta + T + t) / (beta + T))
        else:
            window = (beta + T) / (s - 1) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
        return self.p_alive(frequency, recency, T) * rate * window

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases in the first `t` units after a first purchase, E[X(t)].

        Parameters
        ----------
        t : array-like
            Time since the first purchase in the model's time unit.

        Returns
        -------
        numpy.ndarray
            r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)].
        """
        r, alpha, s, beta = self._p()
        t = np.asarray(t, dtype=float)
        if abs(s - 1) < 1e-9:
            return r * beta / alpha * np.log((beta + t) / beta)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
