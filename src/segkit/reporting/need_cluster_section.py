"""The need report's "Need-based segments" section: respondents clustered on their need importance.

`NeedClusterSection` is a base of `segkit.reporting.needs_report.NeedsReport`: it fits
`segkit.needs.need_clusters.NeedClusters` on the run's survey and shows the k-selection curve,
the segments with their defining and top needs (catalogue names), importance and Kano class by
segment, who is in each segment (chi-square per characteristic), the cross-tab against the
8-class value map when respondents link to customers with transactions, and how stable the
segments are. Computation returns keys; every word shown comes from the catalogues.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from segkit.core.errors import InputError
from segkit.needs import kano as needs_kano
from segkit.needs.need_cluster_profiles import ClusterProfiles, attribute_columns, cluster_kano, cluster_profiles
from segkit.needs.need_clusters import CLUSTER_PREFIX, NeedClusters
from segkit.needs.segments import respondent_profile
from segkit.reporting import needs_charts as plots
from segkit.reporting.formats import fmt_float, fmt_int, fmt_pct, fmt_pvalue
from segkit.reporting.names import segment_names
from segkit.reporting.needs_sections import NeedsSections

#: Significance level of the characteristic tests named in the text.
ALPHA = 0.05
#: Below this silhouette the segments overlap (Kaufman & Rousseeuw: no substantial structure).
WEAK_SILHOUETTE = 0.25
#: Attribute name of the value segment in the profiles.
VALUE_SEGMENT = "value_segment"


class NeedClusterSection(NeedsSections):
    """The need-based segments section (see the module docstring)."""

    seed: int
    customers: pd.DataFrame

    @cached_property
    def need_cluster_fit(self) -> NeedClusters | None:
        """The fitted segments, None when the survey has no importance ratings or too few respondents."""
        survey = self.survey
        if "importance" not in survey.measures():
            return None
        try:
            return NeedClusters(random_state=self.seed).fit(
                survey.ratings, respondents=survey.respondents["respondent_id"], items=self.items
            )
        except InputError:
            return None

    def cluster_names(self) -> dict[str, str]:
        """Cluster key -> ``Need segment 1`` ... in the report language."""
        fit = self.need_cluster_fit
        keys = fit.clusters_ if fit is not None else []
        return {k: self.R.t("needs.clusters.name", n=k.removeprefix(CLUSTER_PREFIX)) for k in keys}

    def need_clusters(self) -> None:
        """The section: how, choice of k, the segments, importance, Kano, characteristics, value map, stability."""
        R, fit = self.R, self.need_cluster_fit
        R.heading("needs.sections.need_clusters")
        if "importance" not in self.survey.measures():
            return self._no_data("needs.col.importance")
        if fit is None:
            rated = self.survey.ratings.dropna(subset=["value"])
            n_items = rated.loc[rated["measure"] == "importance", "item"].nunique()
            return R.text("needs.clusters.too_few", n=self.survey.n, items=n_items)
        R.how_to_read(
            "needs.clusters.how",
            n_init=fit.n_init,
            standardise=R.t(f"needs.clusters.standardise.{fit.standardise}"),
            max_missing=fmt_pct(fit.max_missing, 0),
            k_low=fit.k_range[0],
            k_high=fit.k_range[1],
        )
        self._selection(fit)
        self._segments(fit)
        self._kano_by_cluster(fit)
        self._attributes(fit)
        self._value_map(fit)

    # -- the parts
    def _selection(self, fit: NeedClusters) -> None:
        R = self.R
        R.heading("needs.clusters.headings.selection", level=3)
        R.text(
            "needs.clusters.base",
            used=fmt_int(len(fit.labels_)),
            n=fmt_int(fit.n_respondents_),
            missing=fmt_int(fit.n_excluded_ - fit.n_flat_),
            flat=fmt_int(fit.n_flat_),
            imputed=fmt_int(fit.n_imputed_),
        )
        R.figure(plots.silhouette_chart(fit.selection_, x_label=R.t("needs.chart.k"), y_label=R.t("needs.chart.silhouette")))
        R.text("needs.clusters.chosen", k=fit.k_, silhouette=fmt_float(fit.silhouette_))
        if fit.silhouette_ < WEAK_SILHOUETTE:
            R.text("needs.clusters.weak")
        by_kind = fit.stability_.groupby("kind")["ari"].mean()
        values = {
            "n_seeds": fit.n_seeds,
            "n_boot": fit.n_boot,
            "ari": fmt_float(fit.ari_mean_),
            "ari_seed": fmt_float(by_kind.get("seed")),
            "ari_boot": fmt_float(by_kind.get("bootstrap")),
        }
        if fit.stable_:
            R.text("needs.clusters.stable", **values)
        else:
            R.warn(R.t("needs.clusters.unstable", threshold=fmt_float(fit.min_stable_ari, 1), **values))

    def _segments(self, fit: NeedClusters) -> None:
        R, L, names = self.R, self.L, self.cluster_names()

        def needs_of(keys: tuple[str, ...]) -> str:
            return self.sep.join(L.get(k, k) for k in keys) or "–"

        R.heading("needs.clusters.headings.segments", level=3)
        table = fit.describe_.assign(
            cluster=fit.describe_["cluster"].map(names),
            defining=fit.describe_["defining"].map(needs_of),
            top_needs=fit.describe_["top"].map(needs_of),
        )
        self.show(table[["cluster", "n", "share", "defining", "top_needs"]], formats={"share": "pct", "n": "int"})
        R.heading("needs.clusters.headings.profiles", level=3)
        R.text("needs.clusters.profile")
        profiles = fit.profiles_
        means = profiles.pivot(index="item", columns="cluster", values="mean").reindex(index=fit.items_, columns=fit.clusters_)
        overall = profiles.drop_duplicates("item").set_index("item")["overall"].reindex(fit.items_)
        shown = means.rename(columns=names).assign(overall=overall).reset_index().rename_axis(columns=None)
        self.show(
            shown.assign(item=shown["item"].map(L)),
            formats={c: "float" for c in [*names.values(), "overall"]},
            max_rows=len(fit.items_),
        )

    def _kano_by_cluster(self, fit: NeedClusters) -> None:
        if self.A.kano_table is None:
            return
        R, names = self.R, self.cluster_names()
        R.heading("needs.clusters.headings.kano", level=3)
        R.text("needs.clusters.kano")
        table = cluster_kano(self.A.classified, fit)
        classes = self.names("kano_class", needs_kano.CLASSES)
        wide = table.pivot(index="item", columns="cluster", values="category").reindex(
            index=[i for i in fit.items_ if i in set(table["item"])], columns=fit.clusters_
        )
        shown = wide.apply(lambda column: column.map(classes)).rename(columns=names).reset_index().rename_axis(columns=None)
        self.show(shown.assign(item=shown["item"].map(self.L)), max_rows=len(fit.items_))

    def _respondent_attributes(self) -> tuple[pd.DataFrame, list[str]]:
        """Respondents with their customer characteristics (never personal data) and the columns to profile."""
        frame = respondent_profile(self.survey, self.customers).drop(columns=self.items, errors="ignore")
        return frame, attribute_columns(frame)

    def _attributes(self, fit: NeedClusters) -> None:
        R = self.R
        R.heading("needs.clusters.headings.attributes", level=3)
        frame, columns = self._respondent_attributes()
        if not columns:
            return R.text("needs.clusters.no_attributes")
        R.how_to_read("needs.clusters.attributes_how")
        profiles = cluster_profiles(fit, frame, columns=columns)
        features = {c: str(self.words.get(f"needs.features.{c}", c)) for c in columns}
        tests = profiles.tests
        differing = tests.loc[tests["p_adjusted"] < ALPHA, "attribute"].map(features).tolist()
        if differing:
            R.text("needs.clusters.attributes_differ", attributes=self.sep.join(differing))
        else:
            R.text("needs.clusters.attributes_same", attributes=self.sep.join(features.values()))
        self.show(
            tests.assign(attribute=tests["attribute"].map(features))[
                ["attribute", "n", "missing", "chi2", "dof", "p_adjusted", "cramers_v", "low_expected"]
            ],
            formats={"chi2": "float", "cramers_v": "float", "low_expected": "pct", "dof": "int"},
        )
        for column in columns:
            self._shares(profiles, column, label=features[column])

    def _shares(self, profiles: ClusterProfiles, attribute: str, *, label: str, values: dict | None = None) -> None:
        """One characteristic's values (rows) by segment (columns), as shares within each segment;
        `values` names the values (default: the catalogue's ``needs.values.*``, else the value)."""
        names = self.cluster_names()
        shares = profiles.shares(attribute).T
        mapping = values if values is not None else self.value_names("values", shares.index)
        shown = shares.rename(columns=names, index=lambda v: str(mapping.get(v, v))).rename_axis(label).reset_index()
        self.R.table(shown, formats={c: "pct" for c in names.values()}, max_rows=len(shown))

    def _value_map(self, fit: NeedClusters) -> None:
        R = self.R
        R.heading("needs.clusters.headings.value", level=3)
        if not self.run.has("transactions"):
            return R.text("needs.clusters.no_value")
        value_map = self.run.segmentation.maps["eight_class"]
        order = list(value_map.segments["key"])
        segments = pd.Series(
            pd.Categorical(value_map.table["segment"], categories=order), index=value_map.table["customer_id"].to_numpy()
        )
        frame = self.survey.respondents[["respondent_id", "customer_id"]]
        profiles = cluster_profiles(fit, frame, columns=[], segments=segments, segment_name=VALUE_SEGMENT)
        test = profiles.tests.iloc[0]
        sentence = R.t(
            "needs.clusters.value_test",
            chi2=fmt_float(test["chi2"]),
            dof=int(test["dof"]),
            p=p if (p := fmt_pvalue(test["p"])).startswith("<") else f"= {p}",
            v=fmt_float(test["cramers_v"]),
        )
        R.text("needs.clusters.value", test=sentence)
        label = str(self.words["needs.features.value_segment"])
        self._shares(profiles, VALUE_SEGMENT, label=label, values=segment_names(value_map, R.language))
