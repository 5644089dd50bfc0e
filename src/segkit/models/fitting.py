"""Maximum-likelihood fitting shared by the lifetime-value models.

Every model's parameters are positive, so the optimiser works on their logarithms (no bounds to
hit, better-conditioned steps). Several starting points are tried and the best converged optimum
kept; standard errors come from the inverse of the observed information (the Hessian of the
negative log-likelihood in the natural parameters, by central differences). An optional L2 penalty
on the parameters is added as lifetimes does (``penalizer_coef * sum(params ** 2)``).

Customers with identical summaries contribute identical terms, so the data are compressed to the
distinct rows with a weight each: a 1M-customer summary in weeks has far fewer distinct rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from segkit.core.errors import InputError

#: log-likelihood terms: (natural parameters, data columns...) -> one term per row.
TermsFunction = Callable[..., np.ndarray]


@dataclass(frozen=True)
class FitResult:
    """A maximum-likelihood fit.

    Attributes
    ----------
    params : dict of str to float
        The fitted parameters by their usual names.
    standard_errors : dict of str to float
        Their standard errors (NaN where the Hessian is not invertible).
    log_likelihood : float
        The log-likelihood at the optimum (without the penalty).
    n_customers : int
        Customers the model was fitted on.
    starts : int
        Starting points tried; ``converged`` of them converged.
    converged : int
        Starting points whose optimiser reported success.
    """

    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    starts: int
    converged: int


def compress(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of `columns` and how many customers share each.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Equal-length columns of one summary (for example frequency, recency, T).

    Returns
    -------
    tuple of (list of numpy.ndarray, numpy.ndarray)
        The distinct rows as columns and the count of each row.
    """
    frame = pd.DataFrame({str(i): np.asarray(c, dtype=float) for i, c in enumerate(columns)})
    counted = frame.value_counts(sort=False).reset_index()
    return [counted[str(i)].to_numpy() for i in range(len(columns))], counted["count"].to_numpy(dtype=float)


def fit_maximum_likelihood(
    terms: TermsFunction,
    data: Sequence[np.ndarray],
    *,
    names: Sequence[str],
    starts: Sequence[Sequence[float]],
    model: str,
    penalizer_coef: float = 0.0,
) -> FitResult:
    """Maximise the sum of `terms` over positive parameters from several starting points.

    Parameters
    ----------
    terms : callable
        ``terms(params, *data)`` -> the log-likelihood of each (distinct) row.
    data : sequence of numpy.ndarray
        The model's columns, one entry per customer.
    names : sequence of str
        Parameter names, in the order `terms` takes them.
    starts : sequence of sequence of float
        Starting points in the natural (positive) parameters.
    model : str
        Name of the model, for messages.
    penalizer_coef : float, default 0.0
        L2 penalty ``penalizer_coef * sum(params ** 2)`` subtracted from the log-likelihood.

    Returns
    -------
    FitResult
        Parameters, standard errors, log-likelihood and convergence counts.

    Raises
    ------
    InputError
        When there are no customers, or no start converges to a finite optimum.
    """
    n = len(data[0]) if data else 0
    if n == 0:
        raise InputError(f"{model}: there are no customers to fit the model on")
    if penalizer_coef < 0:
        raise InputError(f"{model}: penalizer_coef must be zero or positive, not {penalizer_coef}")
    columns, weights = compress(data)
    scale = float(weights.sum())

    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            value = float(np.dot(weights, terms(params, *columns)))
        if not np.isfinite(value):
            return 1e300
        return -(value - penalizer_coef * float(np.sum(params**2))) / scale

    best, converged = None, 0
    for start in starts:
        found = optimize.minimize(objective, np.log(np.asarray(start, dtype=float)), method="BFGS", options={"gtol": 1e-9})
        if not found.success:  # BFGS can stop on precision loss next to the optimum: polish with Nelder-Mead
            found = optimize.minimize(
                objective, found.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000}
            )
        if found.success and found.fun < 1e299:
            converged += 1
            if best is None or found.fun < best.fun:
                best = found
    if best is None:
        raise InputError(
            f"{model}: the fit did not converge from any of {len(starts)} starting points; the data may hold too "
            "few repeat purchases, or the time unit may be too small or too large for the span"
        )
    params = np.exp(best.x)
    log_likelihood = float(np.dot(weights, terms(params, *columns)))
    errors = standard_errors(lambda p: float(np.dot(weights, terms(p, *columns))) - penalizer_coef * float(np.sum(p**2)), params)
    return FitResult(
        params=dict(zip(names, map(float, params), strict=True)),
        standard_errors=dict(zip(names, map(float, errors), strict=True)),
        log_likelihood=log_likelihood,
        n_customers=n,
        starts=len(starts),
        converged=converged,
    )


def standard_errors(log_likelihood: Callable[[np.ndarray], float], params: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information: sqrt of the diagonal of the inverse Hessian.

    Parameters
    ----------
    log_likelihood : callable
        The log-likelihood of natural parameters.
    params : numpy.ndarray
        The optimum.

    Returns
    -------
    numpy.ndarray
        One standard error per parameter; NaN when the Hessian is not negative definite.
    """
    k = len(params)
    steps = 1e-4 * np.maximum(np.abs(params), 1e-3)
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * steps[i], np.eye(k)[j] * steps[j]
            value = (
                log_likelihood(params + ei + ej)
                - log_likelihood(params + ei - ej)
                - log_likelihood(params - ei + ej)
                + log_likelihood(params - ei - ej)
            ) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    diagonal = np.diag(covariance)
    return np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.nan)
