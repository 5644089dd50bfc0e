"""The data-driven value segments section, rendered from one prepared run.

The prepare step fitted the clusters once (`segkit.models.clusters.ValueClusters`, stored with
the segmenter's state); this module shows how k was chosen, how stable the clusters are, what
each cluster is (with the playbook's actions of its 8-class archetype), how the clusters cut
across the 8-class model and how customers moved between them, with text from the catalogues.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.models.cluster_profiles import crosstab
from segkit.reporting import cluster_charts
from segkit.reporting.formats import fmt_date, fmt_float, fmt_int, fmt_pct
from segkit.reporting.names import segment_names
from segkit.reporting.playbook import cluster_playbook
from segkit.reporting.profile_tables import segment_profile_tables
from segkit.reporting.report import Report
from segkit.value.overview import customer_attributes

#: A mean bootstrap ARI below this makes the report say the clusters are not stable.
UNSTABLE_ARI = 0.6
PROFILE_FORMATS = {
    "customers": "int",
    "share": "pct",
    "median_recency": "number",
    "median_frequency": "number",
    "median_monetary": "money",
    "revenue_share": "pct",
    "archetype": "text",
    "actions": "text",
}


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"clusters.columns.{k}" for k in keys}


class ClusterSection:
    """The data-driven value segments of one prepared run.

    Parameters
    ----------
    report : Report
        The display helpers in the report language.
    run : PreparedRun
        The prepared run (its segmentation with the ``value_cluster`` map and the fitted clusters).
    """

    def __init__(self, report: Report, run: Any) -> None:
        self.R, self.run = report, run
        self.error: str | None = run.errors.get("transactions") or run.errors.get("value_clusters")
        self.fitted: Any = None
        if not self.error and run.settings.get("segmenter", {}).get("clusters"):
            self.fitted = run.clusters

    def key_numbers(self) -> None:
        """The number of clusters, for the run's index page."""
        if self.fitted is not None:
            self.R.key_number("value_clusters", self.fitted.k_, label="clusters.keys.k")

    def summary_sentences(self) -> list[str]:
        """For the executive summary: how many segments the data fall into and what the best one holds."""
        if self.fitted is None:
            return []
        first = self.fitted.profile_.iloc[0]
        name = segment_names(self.run.segmentation.maps["value_cluster"], self.R.language)[str(first["key"])]
        share = first["revenue_share"] if "revenue_share" in first else float("nan")
        return [
            self.R.t(
                "clusters.summary", k=fmt_int(self.fitted.k_), name=name, share=fmt_pct(first["share"]), revenue=fmt_pct(share)
            )
        ]

    def clusters(self) -> None:
        """How k was chosen, stability, the clusters with their actions, the cross-tab and the migration."""
        R = self.R
        if self.run.errors.get("transactions"):
            return
        R.heading("clusters.title")
        if self.error:
            R.warn(R.t("clusters.failed", error=self.error))
            return
        if self.fitted is None:
            R.text("clusters.none")
            return
        fitted = self.fitted
        R.how_to_read("clusters.how_to_read", method=R.t(f"clusters.methods.{fitted.method}"), k=fmt_int(fitted.k_))
        self.selection()
        self.stability()
        self.profile()
        self.eight_class_crosstab()
        self.profiles()
        self.migration()

    def selection(self) -> None:
        R, fitted = self.R, self.fitted
        criterion = "fixed" if fitted.k else ("silhouette" if fitted.method == "kmeans" else "bic")
        table = fitted.selection_
        R.text(
            "clusters.selection_how",
            k_min=fmt_int(table["k"].min()),
            k_max=fmt_int(table["k"].max()),
            k=fmt_int(fitted.k_),
            criterion=R.t(f"clusters.criterion.{criterion}"),
        )
        labels = {k: R.t(f"clusters.chart.{k}") for k in ("k", "silhouette", "bic", "chosen")}
        R.figure(cluster_charts.selection_curve(table, chosen=fitted.k_, labels=labels))
        if fitted.method == "kmeans" and int(table.loc[table["bic"].idxmin(), "k"]) == int(table["k"].max()):
            R.text("clusters.bic_edge", k=fmt_int(table["k"].max()))
        R.table(
            table[["k", "silhouette", "bic", "inertia"]],
            formats={"k": "int", "silhouette": "float", "bic": "int", "inertia": "int"},
            labels=_labels(("k", "silhouette", "bic", "inertia")),
            max_rows=len(table),
        )

    def stability(self) -> None:
        R, fitted = self.R, self.fitted
        seeds, boots = fitted.stability_.get("seeds", {}), fitted.stability_.get("bootstrap", {})
        R.text(
            "clusters.stability",
            seeds=fmt_int(seeds.get("runs", 0)),
            seed_ari=fmt_float(seeds.get("mean", float("nan")), 2),
            boots=fmt_int(boots.get("runs", 0)),
            boot_ari=fmt_float(boots.get("mean", float("nan")), 2),
            agreement=fmt_float(fitted.method_agreement_, 2),
        )
        if boots and boots["mean"] < UNSTABLE_ARI:
            R.warn(R.t("clusters.unstable", boot_ari=fmt_float(boots["mean"], 2)))
        if fitted.n_customers_ > fitted.sample_size:
            R.text("clusters.sample", sample=fmt_int(fitted.sample_size), customers=fmt_int(fitted.n_customers_))

    def profile_table(self) -> pd.DataFrame:
        """Per cluster in rank order: name, size, medians, revenue share, archetype name, actions."""
        R, fitted = self.R, self.fitted
        segmap = self.run.segmentation.maps["value_cluster"]
        names = segment_names(segmap, R.language)
        eight = segment_names(self.run.segmentation.maps["eight_class"], R.language)
        book = cluster_playbook(fitted.profile_[["key", "archetype"]], R.language)
        table = fitted.profile_.merge(book[["key", "actions"]], on="key", how="left")
        return table.assign(segment=table["key"].map(names), archetype=table["archetype"].map(eight))[
            ["segment", *PROFILE_FORMATS]
        ]

    def profile(self) -> None:
        R = self.R
        R.how_to_read("clusters.profile_how")
        table = self.profile_table()
        R.table(table, formats=PROFILE_FORMATS, labels=_labels(("segment", *PROFILE_FORMATS)), max_rows=len(table))

    def eight_class_crosstab(self) -> None:
        R, maps = self.R, self.run.segmentation.maps
        counts = crosstab(maps["value_cluster"], maps["eight_class"])
        shares = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
        shares = shares.loc[:, counts.sum(axis=0) > 0]
        rows, columns = segment_names(maps["value_cluster"], R.language), segment_names(maps["eight_class"], R.language)
        shown = shares.rename(index=rows, columns=columns)
        R.how_to_read("clusters.crosstab_how")
        R.table(
            shown.rename_axis(R.t("clusters.columns.segment")).reset_index(),
            formats={c: "pct" for c in shown.columns},
            max_rows=len(shown),
        )

    def profiles(self) -> None:
        """The clusters' mix over the customer attributes (region, industry, type ...), with the tests."""
        run = self.run
        attributes = customer_attributes(run.segmentation.features.table, run.optional("attributes"), run.line_attributes)
        segment_profile_tables(self.R, run.segmentation, attributes, map_name="value_cluster", level=3)

    def migration(self) -> None:
        R = self.R
        moved = self.run.migration("value_cluster")
        names = segment_names(self.run.segmentation.maps["value_cluster"], R.language, keys=["not_yet"])
        R.how_to_read("clusters.migration_how", before=fmt_date(self.run.settings["earlier_as_of"]))
        shown = moved.counts.rename(index=names, columns=names)
        R.table(
            shown.rename_axis(R.t("clusters.columns.segment")).reset_index(),
            formats={c: "int" for c in shown.columns},
            max_rows=len(shown),
        )
