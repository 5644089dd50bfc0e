"""Follow-up lists: the respondents and holdings a service team should contact, every one of them.

The need report counts detractors, compares the least satisfied respondents and shows the first
rows of the suitability audit; these lists name each case so that somebody can act on it. They
reuse the report's definitions: a detractor is what `segkit.needs.net_promoter.nps` counts as
one (`DETRACTOR_MAX`), the least satisfied are ranked on the overall satisfaction the report's
extremes compare (`satisfaction_extremes`), and a violation is a row of `audit_holdings`.
Identifiers only: no names, phones or e-mails are carried into a list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.needs.net_promoter import DETRACTOR_MAX, valid_scores
from segkit.needs.suitability import SuitabilityAudit

#: Share of the rated respondents in the least satisfied list (before ties at the cut are added).
LEAST_SATISFIED_SHARE = 0.2
#: Ways `least_satisfied` scores a respondent: the overall satisfaction question, or the mean of
#: the respondent's satisfaction ratings of the needs when the survey does not ask it.
SATISFACTION_BASES = ("overall", "needs")


def _who(respondents: pd.DataFrame, rows: pd.Index, segments: pd.Series | None) -> pd.DataFrame:
    """respondent_id, customer_id (when any respondent of the survey has one) and segment (when
    `segments` is given) of the respondents at `rows`."""
    chosen = respondents.loc[rows]
    out = pd.DataFrame({"respondent_id": chosen["respondent_id"].astype("str")}, index=rows)
    if "customer_id" in respondents and respondents["customer_id"].notna().any():
        ids = chosen["customer_id"]
        out = out.assign(customer_id=ids.astype("str").where(ids.notna()))
        if segments is not None:
            out = out.assign(segment=ids.map(segments).astype("object"))
    return out


@accepts_frames("respondents", "segments")
def detractors(respondents: pd.DataFrame, *, segments: pd.Series | None = None, score_col: str = "nps") -> pd.DataFrame:
    """Every respondent whose recommendation score makes them a detractor (0–6), lowest score first.

    The rule is the one `segkit.needs.net_promoter.nps` counts, so the list has exactly
    ``nps(scores).detractors`` rows; respondents who did not answer are not on it.

    Parameters
    ----------
    respondents : pandas.DataFrame
        One row per respondent: ``respondent_id``, the score in `score_col`, ``customer_id``
        (missing for an anonymous respondent) when the survey links respondents to customers.
    segments : pandas.Series, optional
        Customer id -> segment (e.g. the 8-class label); adds ``segment``.
    score_col : str, default "nps"
        The 0–10 recommendation score.

    Returns
    -------
    pandas.DataFrame
        ``respondent_id``, ``customer_id`` (only when some respondent has one), ``segment`` (only
        with `segments` and linked respondents) and ``nps`` (the score, a whole number), ordered
        by score, then respondent id.

    Raises
    ------
    InputError
        When `score_col` is missing or a score is not a whole number 0–10.
    """
    if score_col not in respondents:
        raise InputError(f"survey: no recommendation score column {score_col!r}")
    scores = valid_scores(respondents[score_col])
    chosen = scores.index[scores <= DETRACTOR_MAX]
    table = _who(respondents, chosen, segments).assign(nps=scores.loc[chosen].astype("int64"))
    return table.sort_values(["nps", "respondent_id"], kind="stable", ignore_index=True)


@dataclass(frozen=True)
class LeastSatisfied:
    """The least satisfied respondents and how they were chosen."""

    table: pd.DataFrame  # respondent_id, [customer_id], [segment], satisfaction, [nps]
    basis: str  # one of SATISFACTION_BASES
    share: float
    n_rated: int  # respondents with a satisfaction score
    size: int  # round(share · n_rated), at least 1: the list's size before ties at the cut
    cutoff: float  # the highest score on the list (NaN when nobody is rated)


@accepts_frames("respondents", "need_satisfaction", "segments")
def least_satisfied(
    respondents: pd.DataFrame,
    *,
    need_satisfaction: pd.DataFrame | None = None,
    share: float = LEAST_SATISFIED_SHARE,
    segments: pd.Series | None = None,
    overall_col: str = "overall_satisfaction",
    nps_col: str = "nps",
) -> LeastSatisfied:
    """The bottom `share` of respondents by satisfaction, every respondent tied at the cut included.

    A respondent's satisfaction is their answer to the overall satisfaction question (`overall_col`,
    the score the report's most/least satisfied comparison ranks on). A survey without that
    question uses the mean of the respondent's satisfaction ratings of the needs they rated
    (`need_satisfaction`, as `Survey.wide("satisfaction")` gives it). Respondents without a score
    are not ranked. The cut is the score of the ``size``-th lowest respondent, ``size = round(share
    · n_rated)`` (at least 1, the size of the report's least satisfied group); everybody scoring
    at most the cut is listed, so a 1–5 scale with many ties gives a list longer than ``size``
    rather than an arbitrary choice among equals. The list is ordered by satisfaction, then by
    recommendation score (lowest first, unanswered last), then by respondent id.

    Parameters
    ----------
    respondents : pandas.DataFrame
        One row per respondent: ``respondent_id``, `overall_col` and `nps_col` when asked,
        ``customer_id`` when the survey links respondents to customers.
    need_satisfaction : pandas.DataFrame, optional
        Respondent id (index) × need item satisfaction ratings; used only without `overall_col`.
    share : float, default 0.2
        Share of the rated respondents listed before ties, in (0, 1].
    segments : pandas.Series, optional
        Customer id -> segment; adds ``segment``.
    overall_col, nps_col : str
        The overall satisfaction and recommendation score columns.

    Returns
    -------
    LeastSatisfied
        The list (``respondent_id``, ``customer_id`` and ``segment`` as in `detractors`,
        ``satisfaction``, ``nps`` when the survey asks it), the basis, the share, the number of
        rated respondents, the size before ties and the cut.

    Raises
    ------
    InputError
        When `share` is outside (0, 1], or the survey has neither an overall satisfaction nor
        need satisfaction ratings.
    """
    if not 0 < share <= 1:
        raise InputError(f"least satisfied: share must be above 0 and at most 1, not {share}")
    if overall_col in respondents and respondents[overall_col].notna().any():
        basis, score = "overall", respondents[overall_col].astype("float64")
    elif need_satisfaction is not None and need_satisfaction.notna().to_numpy().any():
        basis = "needs"
        means = need_satisfaction.astype("float64").mean(axis=1)
        score = respondents["respondent_id"].map(means).astype("float64")
    else:
        raise InputError("survey: no overall satisfaction and no need satisfaction ratings to rank respondents by")
    rated = score.index[score.notna()]
    table = _who(respondents, rated, segments).assign(satisfaction=score.loc[rated])
    if nps_col in respondents:
        table = table.assign(nps=respondents.loc[rated, nps_col].astype("float64").astype("Int64"))
    order = table.assign(_nps=table["nps"].astype("float64").fillna(np.inf) if "nps" in table else 0.0)
    order = order.sort_values(["satisfaction", "_nps", "respondent_id"], kind="stable")
    size = max(1, int(round(share * len(order)))) if len(order) else 0
    cutoff = float(order["satisfaction"].iloc[size - 1]) if size else float("nan")
    listed = order[order["satisfaction"] <= cutoff].drop(columns="_nps").reset_index(drop=True)
    return LeastSatisfied(table=listed, basis=basis, share=share, n_rated=len(order), size=size, cutoff=cutoff)


def suitability_violations(
    audit: SuitabilityAudit, *, customer_col: str = "customer_id", product_col: str = "product_id", name_col: str = "product_name"
) -> pd.DataFrame:
    """Every violation of a suitability audit, largest excess first (the report shows only the first rows).

    Parameters
    ----------
    audit : SuitabilityAudit
        From `segkit.needs.suitability.audit_holdings` (with `segments` it carries ``segment``).
    customer_col, product_col, name_col : str
        Customer id, product id and product name columns of the audited holdings.

    Returns
    -------
    pandas.DataFrame
        One row per violating holding: ``customer_id``, ``segment`` (when the audit has one),
        ``product_id``, ``product_name`` (when the holdings give it), ``product_risk`` (``R1``..``R5``),
        ``risk_level`` (the holder's level, ``C1``..``C5``), ``risk_name`` (a `LEVEL_NAMES` key) and
        ``excess`` (levels above the holder's), ordered by excess (largest first), customer, product.
        Other holdings columns are left out, so nothing personal is carried over.
    """
    found = audit.violations
    wanted = [customer_col, "segment", product_col, name_col]
    table = found[[c for c in wanted if c in found]].assign(
        product_risk="R" + found["product_risk"].astype("int64").astype("str"),
        risk_level="C" + found["risk_level"].astype("int64").astype("str"),
        risk_name=found["risk_name"].astype("str"),
        excess=found["excess"].astype("int64"),
    )
    ordered = table.assign(_excess=-table["excess"]).sort_values(["_excess", customer_col, product_col], kind="stable")
    return ordered.drop(columns="_excess").reset_index(drop=True)
