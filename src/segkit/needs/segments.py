"""Needs by customer segment: linking respondents to segments, priority ranks per segment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from segkit.needs.priority import priority_matrix
from segkit.survey.read import Survey


def respondent_segments(respondents: pd.DataFrame, segments: pd.Series, *, key: str = "customer_id") -> pd.Series:
    """Map respondents to segments: `segments` is indexed by `key` (customer id); the result is
    indexed by respondent_id. Respondents without a customer id or segment get NA."""
    mapped = respondents[key].map(segments)
    return pd.Series(mapped.to_numpy(), index=respondents["respondent_id"].to_numpy(), name="segment")


def priority_by_segment(
    survey: Survey, segments: pd.Series, *, small_base: int = 30, crosshair: str = "midpoint", urgency: pd.Series | None = None
) -> pd.DataFrame:
    """The priority matrix within each segment (`segments`: respondent_id → segment), with the
    rank of each need in its segment, so a reviewer sees which needs matter to whom."""
    parts = []
    for segment, members in segments.dropna().groupby(segments.dropna()):
        sub = survey.subset(members.index)
        if not len(sub.ratings):
            continue
        pm = priority_matrix(sub, crosshair=crosshair, small_base=small_base, urgency=urgency).table
        parts.append(pm.assign(segment=segment, n_segment=len(members), rank=np.arange(1, len(pm) + 1)))
    if not parts:
        return pd.DataFrame(columns=["segment", "item", "rank", "score", "quadrant"])
    return pd.concat(parts, ignore_index=True)




#: Customer columns that may describe respondents in a report (never names, phones or e-mails).
PROFILE_COLUMNS = ("customer_type", "province", "industry", "age_band", "gender")


def respondent_profile(
    survey: Survey,
    customers: pd.DataFrame | None = None,
    *,
    context: Mapping[str, pd.Series] | None = None,
    measure: str = "satisfaction",
    columns: Sequence[str] = PROFILE_COLUMNS,
) -> pd.DataFrame:
    """One row per respondent: survey scores, customer attributes (only `columns`, so personal
    data never reach a report), any `context` Series keyed by customer id (value segment,
    lifecycle stage, ...) and the respondent's `measure` rating of every need (columns = item ids)."""
    profile = survey.respondents.drop(columns=[c for c in ("name", "phone", "email") if c in survey.respondents])
    if customers is not None:
        keep = [c for c in columns if c in customers.columns]
        attributes = customers.drop_duplicates("customer_id").set_index("customer_id")[keep]
        profile = profile.join(attributes, on="customer_id")
    for name, series in (context or {}).items():
        profile = profile.assign(**{name: profile["customer_id"].map(series)})
    ratings = survey.wide(measure)
    return profile.join(ratings, on="respondent_id")
