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
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from segkit.core.errors import InputError

#: The optimiser searches log(parameter) in [-LOG_BOUND, LOG_BOUND].
LOG_BOUND = 12.0
#: Above this many customers the starting points are compared on a sample of this size.
SUBSAMPLE = 20_000
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
    at_bound : tuple of str
        Parameters that ran to the edge of the search range (below e^-12 or above e^12, about
        6e-6 and 1.6e5): the data do not identify them (for example no dropout at all, so the
        dropout parameters grow without limit). Their standard errors are NaN.
    """

    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    starts: int
    converged: int
    at_bound: tuple[str, ...] = ()


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
    gradient: TermsFunction | None = None,
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
    gradient : callable, optional
        ``gradient(params, *data)`` -> the derivative of each row's term by each natural
        parameter, shape (rows, parameters); without it the optimiser differentiates numerically.
    penalizer_coef : float, default 0.0
        L2 penalty ``penalizer_coef * sum(params ** 2)`` added to the mean negative log-likelihood
        per customer (lifetimes' convention; its BG/NBD also rescales time, so its alpha is
        penalised on another scale).

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
    scale, tried = float(weights.sum()), len(starts)
    if n > SUBSAMPLE:  # the starting points race on a sample; the winner's optimum starts the full fit
        sample = np.random.default_rng(0).choice(n, SUBSAMPLE, replace=False)
        found, converged = _search(terms, gradient, *compress([np.asarray(d)[sample] for d in data]), penalizer_coef, starts)
        if found is not None:
            starts = [list(np.exp(found.x))]
        best, _ = _search(terms, gradient, columns, weights, penalizer_coef, starts)
    else:
        best, converged = _search(terms, gradient, columns, weights, penalizer_coef, starts)
    if best is None or not converged:
        raise InputError(
            f"{model}: the fit did not converge from any of {tried} starting points; the data may hold too "
            "few repeat purchases, or the time unit may be too small or too large for the span"
        )
    params = np.exp(best.x)
    at_bound = [name for name, v in zip(names, best.x, strict=True) if abs(v) > LOG_BOUND - 1e-3]
    log_likelihood = float(np.dot(weights, terms(params, *columns)))
    errors = (
        np.full(len(names), np.nan)
        if at_bound
        else standard_errors(
            lambda p: float(np.dot(weights, terms(p, *columns))) - scale * penalizer_coef * float(np.sum(p**2)), params
        )
    )
    return FitResult(
        params=dict(zip(names, map(float, params), strict=True)),
        standard_errors=dict(zip(names, map(float, errors), strict=True)),
        log_likelihood=log_likelihood,
        n_customers=n,
        starts=tried,
        converged=converged,
        at_bound=tuple(at_bound),
    )


def _search(
    terms: TermsFunction,
    gradient: TermsFunction | None,
    columns: Sequence[np.ndarray],
    weights: np.ndarray,
    penalizer_coef: float,
    starts: Sequence[Sequence[float]],
) -> tuple[Any, int]:
    """The best optimum from `starts` (L-BFGS-B on log parameters) and how many starts converged."""
    scale = float(weights.sum())

    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            value = float(np.dot(weights, terms(params, *columns)))
        if not np.isfinite(value):
            return 1e300
        return -value / scale + penalizer_coef * float(np.sum(params**2))  # lifetimes' scaling of the penalty

    def jacobian(log_params: np.ndarray) -> np.ndarray:
        params = np.exp(log_params)
        assert gradient is not None
        with np.errstate(all="ignore"):
            natural = -(weights @ gradient(params, *columns)) / scale + 2 * penalizer_coef * params
        return np.where(np.isfinite(natural), natural * params, 0.0)  # chain rule to log parameters

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(starts[0])
    best, converged = None, 0
    for start in starts:
        x0 = np.clip(np.log(np.asarray(start, dtype=float)), -LOG_BOUND, LOG_BOUND)
        found = optimize.minimize(
            objective,
            x0,
            jac=jacobian if gradient is not None else None,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
        )
        if found.fun < 1e299:
            converged += int(found.success)
            if best is None or found.fun < best.fun:
                best = found
    if best is not None and not best.success:
        if np.any(np.abs(best.x) > LOG_BOUND - 1e-3):  # at the edge the likelihood is flat: nothing to polish
            converged += 1
        else:  # line-search trouble next to the optimum: polish with Nelder-Mead once
            polished = optimize.minimize(
                objective, best.x, method="Nelder-Mead", bounds=bounds, options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 600}
            )
            if polished.fun <= best.fun:
                best = polished
            converged += int(polished.success)
    return best, converged


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
