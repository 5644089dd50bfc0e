"""Who is in each needs-based segment: attribute mixes with chi-square tests, value segments, Kano classes.

`cluster_profiles` cross-tabulates the clusters of a fitted `NeedClusters` against respondent
attributes (gender, age band, customer type, ... — whatever the respondents carry) and, when
respondents link to customers, against a value segment given as a plain Series customer id →
segment key (so needs never imports value). `cluster_kano` gives each cluster's Kano class mix
and dominant class per need. Results are keys and counts; names are the report's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.core.privacy import is_pii_column
from segkit.core.stats import adjust_pvalues, independence_test
from segkit.needs.kano import CLASSES, category, kano_counts
from segkit.needs.need_clusters import NeedClusters

#: Respondent columns never profiled: ids and the survey's own scores.
NOT_ATTRIBUTES = ("respondent_id", "customer_id", "overall_satisfaction", "nps")
TEST_COLUMNS = ["attribute", "n", "missing", "levels", "chi2", "dof", "p", "p_adjusted", "cramers_v", "low_expected"]


@dataclass(frozen=True)
class ClusterProfiles:
    """Each cluster's mix over each attribute, and a chi-square test of cluster × attribute.

    Attributes
    ----------
    tests : pandas.DataFrame
        Per attribute: n (clustered respondents with a value), missing (without), levels,
        chi2, dof, p, p_adjusted (over the attributes), cramers_v and low_expected (share of
        cells with an expected count below 5).
    mix : pandas.DataFrame
        Per attribute × value × cluster: count and share (of the cluster's respondents with a value).
    clusters : list of str
        The cluster keys in their order.
    """

    tests: pd.DataFrame
    mix: pd.DataFrame
    clusters: list[str]

    def shares(self, attribute: str) -> pd.DataFrame:
        """Cluster (rows) × value (columns) shares of one attribute, values in their order.

        Parameters
        ----------
        attribute : str
            A profiled attribute.

        Returns
        -------
        pandas.DataFrame
            Each row sums to 1 (a cluster without any value for the attribute is left out).
        """
        part = self.mix[self.mix["attribute"] == attribute]
        values = list(dict.fromkeys(part["value"]))
        table = part.pivot(index="cluster", columns="value", values="share")
        return table.reindex(index=[c for c in self.clusters if c in table.index], columns=values).rename_axis(columns=None)


@accepts_frames("respondents")
def attribute_columns(respondents: pd.DataFrame, *, exclude: Sequence[str] = NOT_ATTRIBUTES, max_levels: int = 12) -> list[str]:
    """Respondent columns worth profiling: text or categorical, 2 to `max_levels` distinct values,
    not an id, not a survey score and never personal data (names, phones, e-mails).

    Parameters
    ----------
    respondents : pandas.DataFrame
        One row per respondent.
    exclude : sequence of str, default `NOT_ATTRIBUTES`
        Columns never profiled.
    max_levels : int, default 12
        Columns with more distinct values (free text, dates, cities) are skipped.

    Returns
    -------
    list of str
        The columns, in the frame's order.
    """
    found = []
    for column in respondents.columns:
        values = respondents[column]
        if column in exclude or is_pii_column(str(column)) or pd.api.types.is_numeric_dtype(values.dtype):
            continue
        if 2 <= values.nunique(dropna=True) <= max_levels:
            found.append(str(column))
    return found


@accepts_frames("respondents", "segments")
def cluster_profiles(
    clusters: NeedClusters,
    respondents: pd.DataFrame,
    *,
    columns: Sequence[str],
    segments: pd.Series | None = None,
    segment_name: str = "value_segment",
    respondent_col: str = "respondent_id",
    customer_col: str = "customer_id",
    correction: str = "holm",
) -> ClusterProfiles:
    """Cross-tabulate the clusters against respondent attributes and, optionally, a value segment.

    Only clustered respondents count; one without a value for an attribute is left out of that
    attribute's table (counted in ``missing``). The test is Pearson's chi-square of independence
    without continuity correction (`segkit.core.stats.independence_test`); p-values are adjusted
    over the attributes by `correction`, because several attributes are tested at once.

    Parameters
    ----------
    clusters : NeedClusters
        A fitted estimator (its ``labels_`` and ``clusters_``).
    respondents : pandas.DataFrame
        One row per respondent with `respondent_col`, the `columns` and, for `segments`, `customer_col`.
    columns : sequence of str
        The attributes to profile (e.g. from `attribute_columns`); a categorical column keeps
        its category order, others are sorted.
    segments : pandas.Series, optional
        Customer id → value segment key; profiled as attribute `segment_name` through
        `customer_col` (a categorical Series keeps its category order).
    segment_name : str, default "value_segment"
        Attribute name of the value segment.
    respondent_col, customer_col : str
        Columns of respondent and customer ids.
    correction : {"holm", "bh"}, default "holm"
        Multiple-testing adjustment over the attributes.

    Returns
    -------
    ClusterProfiles
        The tests and the mixes.

    Raises
    ------
    InputError
        When `clusters` is not fitted, a column is missing, or respondent ids repeat.
    """
    if not hasattr(clusters, "labels_"):
        raise InputError("cluster profiles: fit the NeedClusters first")
    needed = [respondent_col, *columns, *([customer_col] if segments is not None else [])]
    missing = [c for c in needed if c not in respondents.columns]
    if missing:
        raise InputError(f"cluster profiles: the respondents lack column(s) {', '.join(map(str, missing))}")
    if respondents[respondent_col].duplicated().any():
        raise InputError(f"cluster profiles: respondent ids repeat in column {respondent_col!r}")
    frame = respondents.set_index(respondent_col)
    attributes: dict[str, pd.Series] = {str(c): frame[c] for c in columns}
    if segments is not None:
        mapped = frame[customer_col].map(segments)
        if isinstance(segments.dtype, pd.CategoricalDtype):
            mapped = mapped.astype(segments.dtype)
        attributes[segment_name] = mapped
    labels, order = clusters.labels_, list(clusters.clusters_)
    tests, mixes = [], []
    for name, values in attributes.items():
        test, mix = _profile_one(name, values.reindex(labels.index), labels, order)
        tests.append(test)
        mixes.append(mix)
    table = pd.DataFrame(tests, columns=[c for c in TEST_COLUMNS if c != "p_adjusted"])
    table = table.assign(p_adjusted=adjust_pvalues(table["p"].to_numpy(), method=correction))[TEST_COLUMNS]
    mix = (
        pd.concat(mixes, ignore_index=True)
        if mixes
        else pd.DataFrame(columns=["attribute", "value", "cluster", "count", "share"])
    )
    return ClusterProfiles(tests=table, mix=mix, clusters=order)


def _profile_one(name: str, values: pd.Series, labels: pd.Series, order: list[str]) -> tuple[dict, pd.DataFrame]:
    known = values.notna().to_numpy()
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = [v for v in values.cat.categories if (values == v).any()]
    else:
        levels = sorted(values[known].astype("str").unique())
        values = values.astype("str").where(known)
    counts = pd.crosstab(labels[known], values[known]).reindex(index=order, columns=levels, fill_value=0)
    result = independence_test(counts)
    shares = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0)
    mix = (
        counts.stack(future_stack=True)
        .rename("count")
        .rename_axis(["cluster", "value"])
        .reset_index()
        .assign(share=lambda f: shares.stack(future_stack=True).to_numpy(), attribute=name)
    )
    test = {
        "attribute": name,
        "n": int(known.sum()),
        "missing": int((~known).sum()),
        "levels": len(levels),
        "chi2": result.chi2,
        "dof": result.dof,
        "p": result.p_value,
        "cramers_v": result.cramers_v,
        "low_expected": result.low_expected_share,
    }
    return test, mix[["attribute", "value", "cluster", "count", "share"]]


@accepts_frames("classified")
def cluster_kano(
    classified: pd.DataFrame, clusters: NeedClusters, *, tie_threshold: float = 0.0, class_col: str = "kano_class"
) -> pd.DataFrame:
    """Each cluster's Kano class shares and dominant class per need.

    Parameters
    ----------
    classified : pandas.DataFrame
        Answer pairs with their class (``respondent_id``, ``item``, `class_col`), from
        `segkit.needs.kano.classify_survey`.
    clusters : NeedClusters
        A fitted estimator.
    tie_threshold : float, default 0.0
        As in `segkit.needs.kano.category` (a near tie goes to M > O > A > I).
    class_col : str, default "kano_class"
        Column of the Kano class.

    Returns
    -------
    pandas.DataFrame
        cluster, item, n (classified pairs), a share column per class of `CLASSES`, category;
        clusters in their order, needs in the clustered order (needs without pairs left out).
    """
    labelled = classified.assign(cluster=classified["respondent_id"].map(clusters.labels_)).dropna(subset=["cluster", class_col])
    parts = []
    for cluster in clusters.clusters_:
        counts = kano_counts(labelled[labelled["cluster"] == cluster], class_col=class_col)
        counts = counts.reindex([i for i in clusters.items_ if i in counts.index])
        n = counts.sum(axis=1)
        shares = counts.div(n.where(n > 0), axis=0)
        dominant = [category(_as_counts(row), tie_threshold=tie_threshold) for _, row in counts.iterrows()]
        parts.append(shares.assign(cluster=cluster, n=n.astype("int64"), category=dominant).reset_index())
    if not parts:
        return pd.DataFrame(columns=["cluster", "item", "n", *CLASSES, "category"])
    return pd.concat(parts, ignore_index=True)[["cluster", "item", "n", *CLASSES, "category"]]


def _as_counts(row: pd.Series) -> Mapping[str, int]:
    return {str(k): int(v) for k, v in row.items()}
