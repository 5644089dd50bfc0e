"""Statistical helpers shared by the domain modules (multiple-testing adjustment, chi-square independence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
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


@dataclass(frozen=True)
class IndependenceTest:
    """Pearson's chi-square test of independence on a contingency table, with Cramér's V.

    Attributes
    ----------
    chi2 : float
        The statistic (NaN when the table has fewer than 2 non-empty rows or columns).
    dof : int
        Degrees of freedom, (rows − 1)(columns − 1); 0 for such a table.
    p_value : float
        The p-value (NaN for such a table).
    cramers_v : float
        Cramér's V, 0 (independent) to 1 (NaN for such a table).
    low_expected_share : float
        Share of cells with an expected count below 5 (the test is rough above 20 %).
    """

    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    low_expected_share: float


def independence_test(counts: pd.DataFrame | np.ndarray) -> IndependenceTest:
    """Chi-square test of independence (Pearson, without continuity correction) and Cramér's V.

    Empty rows and columns are dropped first: a level nobody has carries no information and
    would make the expected counts zero.

    Parameters
    ----------
    counts : pandas.DataFrame or numpy.ndarray
        A contingency table of counts (groups × values).

    Returns
    -------
    IndependenceTest
        The statistic, degrees of freedom, p-value, Cramér's V and the share of small expected counts.
    """
    table = np.rint(np.asarray(counts, dtype="float64")).astype("int64")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0] if table.size else table.reshape(0, 0)
    if table.ndim != 2 or min(table.shape) < 2:
        return IndependenceTest(
            chi2=float("nan"), dof=0, p_value=float("nan"), cramers_v=float("nan"), low_expected_share=float("nan")
        )
    result = stats.chi2_contingency(table, correction=False)
    return IndependenceTest(
        chi2=float(result.statistic),
        dof=int(result.dof),
        p_value=float(result.pvalue),
        cramers_v=float(stats.contingency.association(table, method="cramer", correction=False)),
        low_expected_share=float((result.expected_freq < 5).mean()),
    )
