"""The Chinese 8-class RFM model (重要价值客户 ... 一般挽留客户)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.maps import SegmentMap, _catalogue

# --------------------------------------------------------------------------------------------
# The Chinese 8-class RFM model

#: Code (R F M, 1 = high; high R = recent) -> key and value rank. Names: the catalogues
#: (``value.segment_names.eight_class.<key>``: 重要价值客户 ...).
EIGHT_CLASSES = {
    "111": ("important_value", 1),
    "011": ("important_retain", 2),
    "101": ("important_develop", 3),
    "001": ("important_winback", 4),
    "110": ("general_value", 5),
    "010": ("general_retain", 6),
    "100": ("general_develop", 7),
    "000": ("general_winback", 8),
}


@accepts_frames("features")
def eight_class(
    features: pd.DataFrame,
    *,
    reference: str = "mean",
    basis: str = "value",
    references: Mapping[str, float] | None = None,
    customer_col: str = schema.CUSTOMER_ID,
) -> SegmentMap:
    """The Chinese 8-class model: R, F and M each high or low against the all-customer reference.

    High R means *recent*: recency days strictly below the reference. High F and M mean strictly
    above it, so a mass of customers sitting exactly on a median of 1 order counts as low.
    `basis` = "value" compares raw recency / frequency / monetary, "score" compares the 1..k
    scores (where a higher R score already means more recent); `reference` = "mean" | "median".
    `references` fixes the reference values (column -> value), e.g. to label an earlier
    snapshot against today's means so that a move reflects the customer, not the crowd.
    The codes read R F M: 111 重要价值客户 (recent, frequent, high spend), 011 重要保持客户 (lapsed,
    frequent, high spend), 101 重要发展客户 (recent, infrequent, high spend), 001 重要挽留客户 ...

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with recency, frequency and monetary (``basis="value"``) or r_score,
        f_score and m_score (``basis="score"``), e.g. ``rfm_scores(...).table``.
    reference : {"mean", "median"}, default "mean"
        The all-customer statistic each column is compared with.
    basis : {"value", "score"}, default "value"
        Compare the raw features or their 1..k scores.
    references : mapping of str to float, optional
        Fixed reference per column (all three columns of `basis`); replaces `reference`.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    SegmentMap
        Named ``"eight_class"``: `table` has the customer id, ``segment`` (the key, e.g.
        ``important_value``) and ``code`` (``"101"``); `segments` has key, rank and code; `params`
        holds reference, basis and the reference values used.

    Raises
    ------
    InputError
        When `reference` or `basis` is unknown, or a column (of `features` or `references`) is missing.
    """
    if reference not in ("mean", "median"):
        raise InputError(f"reference: {reference!r} is not supported; use 'mean' or 'median'")
    if basis not in ("value", "score"):
        raise InputError(f"basis: {basis!r} is not supported; use 'value' or 'score'")
    cols = ["recency", "frequency", "monetary"] if basis == "value" else ["r_score", "f_score", "m_score"]
    require_columns(features, [customer_col, *cols], what="8-class model")
    refs = dict(references) if references else {c: float(getattr(features[c].astype(float), reference)()) for c in cols}
    require_columns(pd.DataFrame(columns=list(refs)), cols, what="8-class references")
    r_col, f_col, m_col = cols
    r_high = features[r_col] < refs[r_col] if basis == "value" else features[r_col] > refs[r_col]
    # The code as a number 0..7 (R = 4, F = 2, M = 1), then looked up: "101" -> important_develop.
    number = (
        4 * r_high.to_numpy(dtype=int)
        + 2 * (features[f_col] > refs[f_col]).to_numpy(dtype=int)
        + (features[m_col] > refs[m_col]).to_numpy(dtype=int)
    )
    codes = np.array([f"{n:03b}" for n in range(8)], dtype=object)
    keys = np.array([EIGHT_CLASSES[c][0] for c in codes], dtype=object)
    table = pd.DataFrame(
        {
            customer_col: features[customer_col].to_numpy(),
            "segment": pd.array(keys[number], dtype="str"),
            "code": pd.array(codes[number], dtype="str"),
        }
    )
    segments = _catalogue([{"key": k, "rank": r} for k, r in EIGHT_CLASSES.values()])
    segments = segments.assign(code=segments["key"].map({v[0]: c for c, v in EIGHT_CLASSES.items()}))
    return SegmentMap(
        name="eight_class", segments=segments, table=table, params={"reference": reference, "basis": basis, "references": refs}
    )
