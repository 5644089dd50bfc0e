"""Statistical helpers shared by the domain modules (multiple-testing adjustment)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from segkit.core.errors import InputError


def adjust_pvalues(pvalues: Sequence[float], *, method: str = "holm") -> np.ndarray:
    """Holm (family-wise) or Benjamini–Hochberg ("bh", false discovery rate) adjusted p-values; NaN kept.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values of one family of tests; NaN entries are left out of the family.
    method : {"holm", "bh"}, default "holm"
        ``"holm"`` (Holm's step-down) controls the family-wise error rate, ``"bh"``
        (Benjamini–Hochberg) the false discovery rate.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (float64, at most 1) in the order of `pvalues`; NaN where the input is NaN.

    Raises
    ------
    InputError
        When `method` is neither ``"holm"`` nor ``"bh"`` (checked once some p-value is not NaN).
    """
    p = np.asarray(pvalues, dtype="float64")
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    if method == "bh":
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
        return out
    if method != "holm":
        raise InputError(f"p-value correction {method!r} is unknown; use holm or bh")
    q = p[ok]
    order = np.argsort(q)
    m = len(q)
    stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    out[ok] = adjusted
    return out
