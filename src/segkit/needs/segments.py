"""Needs by customer segment: linking respondents to segments, priority ranks per segment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.frames import accepts_frames
from segkit.needs.priority import priority_matrix
from segkit.survey.read import Survey


@accepts_frames("respondents", "segments")
def respondent_segments(respondents: pd.DataFrame, segments: pd.Series, *, key: str = "customer_id") -> pd.Series:
    """Map respondents to segments: `segments` is indexed by `key` (customer id); the result is
    indexed by respondent_id. Respondents without a customer id or segment get NA."""
    mapped = respondents[key].map(segments)
    return pd.Series(mapped.to_numpy(), index=respondents["respondent_id"].to_numpy(), name="segment")


@accepts_frames("segments", "urgency")
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


@accepts_frames("attributes")
def customer_types(attributes: pd.DataFrame | None) -> pd.Series:
    """Each customer's type (``customer_type`` of the customer attributes) by customer id.

    Parameters
    ----------
    attributes : DataFrame, optional
        Customer attributes with ``customer_id``; None when the run has no customer file.

    Returns
    -------
    Series
        Indexed by customer id; empty without attributes or without a ``customer_type`` column.
    """
    if attributes is None or "customer_type" not in attributes:
        return pd.Series(dtype="str")
    return attributes.set_index("customer_id")["customer_type"]


@dataclass(frozen=True)
class RespondentLinks:
    """Respondents linked to what is known of them as customers (both indexed by respondent_id)."""

    segment: pd.Series  # value segment, NA when unlinked
    customer_type: pd.Series  # customer type, NA when unknown

    @property
    def groupings(self) -> list[pd.Series]:
        """The groupings with at least one linked respondent: segment first, then customer type."""
        return [g for g in (self.segment, self.customer_type) if g.notna().any()]

    @property
    def unlinked(self) -> int:
        """Respondents without a segment (no customer id, or a customer id without transactions)."""
        return int(self.segment.isna().sum())


@accepts_frames("respondents", "segments", "types")
def link_respondents(
    respondents: pd.DataFrame, *, segments: pd.Series, types: pd.Series, segment_order: Sequence[str] | None = None
) -> RespondentLinks:
    """Link every respondent to a value segment and a customer type through its customer id.

    Parameters
    ----------
    respondents : DataFrame
        ``respondent_id``, ``customer_id`` (NA for an anonymous respondent).
    segments, types : Series
        Customer id -> segment, customer id -> customer type (may be empty).
    segment_order : sequence of str, optional
        The segments in their order (value rank); the segment Series is then categorical in it,
        so tables and tests list segments in that order rather than alphabetically.

    Returns
    -------
    RespondentLinks
    """
    segment = respondent_segments(respondents, segments)
    if segment_order is not None:
        segment = segment.astype(pd.CategoricalDtype(list(segment_order)))
    return RespondentLinks(segment=segment, customer_type=respondent_segments(respondents, types))


#: Customer columns that may describe respondents in a report (never names, phones or e-mails).
PROFILE_COLUMNS = ("customer_type", "province", "industry", "age_band", "gender")


@accepts_frames("customers", "context")
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
