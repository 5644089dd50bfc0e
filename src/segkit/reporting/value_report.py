"""The sections of the customer-value report, rendered from one prepared run.

`ValueReport` computes nothing new: it asks the value package for tables and keys
(`segkit.value.overview`) and shows them with the `Report` helpers, names and sentences from the
catalogues in the report language. The notebook calls one method per section, between its prose.
"""

from __future__ import annotations

from typing import Any

from segkit.core.errors import InputError
from segkit.reporting import value_charts as charts
from segkit.reporting.formats import fmt_date, fmt_float, fmt_int, fmt_pct
from segkit.reporting.migration_section import migration_periods
from segkit.reporting.names import map_title, segment_names, stage_names
from segkit.reporting.playbook import playbook
from segkit.reporting.profile_tables import segment_profile_tables
from segkit.reporting.purchasing_section import purchasing_power
from segkit.reporting.report import Report
from segkit.value.overview import customer_attributes, value_overview
from segkit.value.retention import cohort_retention, retention_by_period
from segkit.value.rfm import score_bands

SUMMARY_FORMATS = {
    "customers": "int",
    "customer_share": "pct",
    "revenue": "money",
    "revenue_share": "pct",
    "average_order_value": "money",
    "median_recency": "number",
    "median_frequency": "number",
    "median_monetary": "money",
}
METRIC_KEYS = (
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "mean_monetary",
    "customers",
    "customer_share",
    "revenue_share",
    "customer_share_axis",
    "revenue_share_axis",
    "equality",
    "lorenz",
    "cohort",
    "months_since_first",
    "before",
    "after",
    "pareto_point",
    "gini",
    "snapshot",
)


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"value.metrics.{k}" for k in keys}


def tier_bands(keys: Any, cuts: Any, segmap: Any, report: Report) -> str:
    """The tiers in words: "A = the customers that make up the first 80 % of revenue, B = the next 15 %, C = the rest".

    Parameters
    ----------
    keys : sequence of str
        The tier keys, best first (k + 1).
    cuts : sequence of float
        The k cumulative revenue shares that end the tiers.
    segmap : SegmentMap
        The tier map (names its keys).
    report : Report
        The report (language and catalogue).

    Returns
    -------
    str
    """
    names = segment_names(segmap, report.language)
    shares = [cuts[0], *(b - a for a, b in zip(cuts, cuts[1:]))]
    parts = [report.t("value.tier_bands.first", tier=names[keys[0]], share=fmt_pct(shares[0]))]
    parts += [report.t("value.tier_bands.next", tier=names[k], share=fmt_pct(x)) for k, x in zip(keys[1:], shares[1:])]
    parts.append(report.t("value.tier_bands.rest", tier=names[keys[-1]]))
    return report.t("value.tier_bands.separator").join(parts)


class ValueReport:
    """Every section of the value report for one prepared run (`segkit.pipeline.prepare.PreparedRun`)."""

    def __init__(self, report: Report, run: Any) -> None:
        self.R, self.run = report, run
        self.seg, self.life = run.segmentation, run.lifecycle
        try:  # a file spanning less than migration_days has nothing to compare with: that section says so
            self.moved: Any = run.migration()
        except InputError:
            self.moved = None
        self.overview = value_overview(self.seg, self.life, self.moved)
        self.features = self.seg.features.table
        self.L = {k: report.t(f"value.metrics.{k}") for k in METRIC_KEYS}
        quantile = self.life.churn_quantile
        self.churn_rule = (
            report.t("value.churn_rule.given")
            if quantile is None
            else report.t("value.churn_rule.data", quantile=f"{100 * quantile:g}", gaps=fmt_int(self.life.gaps))
        )

    # -- summary and index
    def summary(self) -> None:
        R, o, seg, f = self.R, self.overview, self.seg, self.features
        rfm10 = o.summaries["rfm10"].set_index("key")
        eight = o.summaries["eight_class"].set_index("key")
        names = segment_names(seg.maps["rfm10"], R.language)
        first, last, as_of = fmt_date(f["first_purchase"].min()), fmt_date(f["last_purchase"].max()), fmt_date(seg.features.as_of)
        R.heading("value.title", level=1)
        R.text("value.intro", as_of=as_of, customers=fmt_int(o.customers), first=first, last=last)
        R.summary(
            [
                R.t("value.summary.customers", customers=fmt_int(o.customers), first=first, last=last, as_of=as_of),
                R.t(
                    "value.pareto_sentence",
                    customers=f"{100 * seg.tiers.customer_share_at_cut:.1f}",
                    revenue=f"{100 * seg.tiers.cuts[0]:.0f}",
                ),
                R.t("value.summary.gini", gini=fmt_float(seg.tiers.gini)),
                R.t(
                    "value.summary.top_segment",
                    segment=names[o.largest_segment],
                    share=fmt_pct(rfm10.loc[o.largest_segment, "customer_share"]),
                    revenue_share=fmt_pct(rfm10.loc[o.largest_segment, "revenue_share"]),
                ),
                R.t(
                    "value.summary.important_value",
                    share=fmt_pct(o.important_value_share),
                    revenue_share=fmt_pct(eight.loc["important_value", "revenue_share"]),
                ),
                R.t(
                    "value.summary.churn",
                    share=fmt_pct(o.churned_share),
                    days=fmt_int(self.life.churn_days),
                    rule=self.churn_rule,
                ),
                self._migration_sentence(),
            ]
        )
        audit = self.run.audit
        R.data_quality(audit.audit, audit.raw_rows, audit.kept_rows)

    def key_numbers(self) -> None:
        R, o, tiers = self.R, self.overview, self.seg.tiers
        R.key_number("customers", o.customers, label="value.keys.customers")
        R.key_number("top_share", tiers.customer_share_at_cut, label="value.keys.top_share", fmt="pct")
        R.key_number("gini", tiers.gini, label="value.keys.gini", fmt="float")
        R.key_number("champions", o.champions_share, label="value.keys.champions", fmt="pct")
        R.key_number("important_value", o.important_value_share, label="value.keys.important_value", fmt="pct")
        R.key_number("churned", o.churned_share, label="value.keys.churned", fmt="pct")
        R.key_number("churn_days", self.life.churn_days, label="value.keys.churn_days")

    # -- features and scores
    def distributions(self) -> None:
        R, seg = self.R, self.seg
        R.heading("value.sections.distributions")
        R.how_to_read("value.how_to_read.distributions")
        R.figure(charts.rfm_distributions(self.features, labels=self.L))
        R.heading("value.sections.scores", level=3)
        R.how_to_read("value.how_to_read.scores", bins=seg.scores.bins)
        bands = score_bands(seg.scores)
        R.table(
            bands.assign(metric=[self.L[m] for m in bands["metric"]]),
            formats={"customers": "int", "min": "number", "max": "number"},
            max_rows=3 * seg.scores.bins,
            labels=_labels(("metric", "score", "customers", "min", "max")),
        )

    def heatmap(self) -> None:
        self.R.heading("value.sections.heatmap")
        self.R.how_to_read("value.how_to_read.heatmap")
        self.R.figure(charts.rfm_heatmap(self.seg.scores.table, bins=self.seg.scores.bins, labels=self.L))

    # -- segment maps
    def segment_map(self, name: str) -> None:
        """The segment table of one map, with the 8-class codes beside the names and a warning per empty segment."""
        R, segmap, summary = self.R, self.seg.maps[name], self.overview.summaries[name]
        names = segment_names(segmap, R.language)
        shown = summary["key"].map(names)
        if "code" in segmap.segments:  # the 8-class codes (R F M, 1 = high)
            codes = dict(zip(segmap.segments["key"], segmap.segments["code"]))
            shown = summary["key"].map(codes).str.cat(shown, sep=" ")
        R.table(
            summary.assign(segment=shown)[["segment", *SUMMARY_FORMATS]],
            formats=SUMMARY_FORMATS,
            labels=_labels(("segment", *SUMMARY_FORMATS)),
            max_rows=len(summary),
        )
        for key in segmap.empty:
            R.warn(R.t("value.warnings.empty_segment", segment=names[key], map=map_title(segmap, R.language)))

    def rfm_segments(self) -> None:
        R, summary = self.R, self.overview.summaries["rfm10"]
        R.heading("value.sections.segments")
        R.how_to_read("value.how_to_read.segments")
        names = segment_names(self.seg.maps["rfm10"], R.language)
        R.figure(charts.segment_shares(summary, names=summary["key"].map(names).tolist(), labels=self.L))
        self.segment_map("rfm10")

    def eight_classes(self) -> None:
        R, eight = self.R, self.seg.maps["eight_class"]
        refs = eight.params["references"]
        R.heading("value.sections.eight_class")
        R.how_to_read(
            "value.how_to_read.eight_class",
            reference=R.t(f"value.reference.{eight.params['reference']}"),
            r_ref=fmt_float(refs["recency"], 1),
            f_ref=fmt_float(refs["frequency"], 2),
            m_ref=fmt_float(refs["monetary"]),
        )
        self.segment_map("eight_class")

    def pareto(self) -> None:
        R, tiers = self.R, self.seg.tiers
        R.heading("value.sections.pareto")
        R.how_to_read("value.how_to_read.pareto", tiers=tier_bands(tiers.keys, tiers.cuts, self.seg.maps["value_tier"], R))
        R.text(
            "value.pareto_sentence", customers=f"{100 * tiers.customer_share_at_cut:.1f}", revenue=f"{100 * tiers.cuts[0]:.0f}"
        )
        R.figure(
            charts.lorenz(
                tiers.lorenz, cut=tiers.cuts[0], customer_share_at_cut=tiers.customer_share_at_cut, gini=tiers.gini, labels=self.L
            )
        )
        self.segment_map("value_tier")
        if "strategic_tier" in self.seg.maps:
            cuts = self.seg.maps["strategic_tier"].params["cuts"]
            R.heading("value.maps.strategic_tier", level=3)
            R.text("value.strategic_how_to_read", first=fmt_pct(cuts[0]), second=fmt_pct(cuts[1] - cuts[0]))
            self.segment_map("strategic_tier")

    def purchasing_power(self) -> None:
        """Average-order-value tiers and, when the lines have a cost, margin by 8-class segment."""
        purchasing_power(self)

    # -- lifecycle, retention, cohorts, migration
    def lifecycle(self) -> None:
        R, life = self.R, self.life
        sizes = life.sizes
        names = sizes["key"].map(stage_names(R.language))
        R.heading("value.sections.lifecycle")
        R.how_to_read(
            "value.how_to_read.lifecycle",
            churn=fmt_int(life.churn_days),
            rule=self.churn_rule,
            new=fmt_int(life.new_days),
            risk=fmt_int(life.at_risk_days),
        )
        R.figure(charts.stage_bars(sizes, names=names.tolist(), labels=self.L))
        buyer_share = sizes["customers"].where(sizes["key"] != "potential") / self.overview.buyers  # the summary's base
        R.table(
            sizes.assign(stage=names, buyer_share=buyer_share)[["stage", "customers", "share", "buyer_share"]],
            formats={"customers": "int", "share": "pct", "buyer_share": "pct"},
            labels={
                "stage": "value.metrics.stage",
                "customers": "value.metrics.customers",
                "share": "value.metrics.customer_share",
                "buyer_share": "value.metrics.buyer_share",
            },
        )
        R.heading("value.sections.retention", level=3)
        R.how_to_read("value.how_to_read.retention")
        R.table(
            retention_by_period(self.run.visits).tail(13),
            formats={"buyers": "int", "retained": "int", "new": "int", "retention_rate": "pct", "churn_rate": "pct"},
            labels=_labels(("period", "buyers", "retained", "new", "retention_rate", "churn_rate")),
        )

    def cohorts(self) -> None:
        self.R.heading("value.sections.cohorts")
        self.R.how_to_read("value.how_to_read.cohorts")
        self.R.figure(charts.cohort_heatmap(cohort_retention(self.run.visits).pct, labels=self.L))

    def _migration_sentence(self) -> str:
        R, o, days = self.R, self.overview, fmt_int(self.run.settings["migration_days"])
        if self.moved is None:
            return R.t("value.migration_unavailable", days=days, before=fmt_date(self.run.settings["earlier_as_of"]))
        moves = {k: fmt_int(o.moves.get(k, 0)) for k in ("upgraded", "downgraded", "new")}
        return R.t("value.summary.migration", days=days, up=moves["upgraded"], down=moves["downgraded"], new=moves["new"])

    def migration(self) -> None:
        R, moved, days = self.R, self.moved, self.run.settings["migration_days"]
        R.heading("value.sections.migration")
        if moved is None:
            R.warn(self._migration_sentence())
            return
        R.how_to_read("value.how_to_read.migration", days=fmt_int(days), before=fmt_date(self.run.settings["earlier_as_of"]))
        names = segment_names(self.seg.maps["rfm10"], R.language, keys=["not_yet"])
        R.figure(
            charts.migration_heatmap(
                moved.pct,
                moved.counts,
                row_names=[names[k] for k in moved.counts.index],
                column_names=[names[k] for k in moved.counts.columns],
                labels=self.L,
            )
        )
        R.table(
            moved.moves.assign(direction=[R.t(f"value.directions.{d}") for d in moved.moves["direction"]]),
            formats={"customers": "int", "revenue": "money"},
            labels=_labels(("direction", "customers", "revenue")),
        )

    def migration_periods(self, periods: int = 4) -> None:
        """The 8-class model and the lifecycle stages at ``periods + 1`` snapshots ``migration_days`` apart."""
        migration_periods(self, periods)

    # -- profiles and playbook
    def profiles(self) -> None:
        attributes = customer_attributes(self.features, self.run.optional("attributes"), self.run.line_attributes)
        segment_profile_tables(self.R, self.seg, attributes, map_name="rfm10")

    def playbook(self) -> None:
        R = self.R
        R.heading("value.sections.playbook")
        R.how_to_read("value.how_to_read.playbook")
        strategy = self.run.settings.get("strategy")  # the run config's segments.strategy, when given
        for name, segmap in self.seg.maps.items():
            if name == "value_cluster":  # the clusters borrow the 8-class entries (cluster report)
                continue
            R.heading_text(map_title(segmap, R.language), level=3)
            book = playbook(name, self.overview.summaries[name], R.language, strategy=strategy)
            names = segment_names(self.seg.maps[name], R.language)
            R.table(
                book.assign(segment=book["key"].map(names))[["segment", "customers", "revenue_share", "actions", "kpi"]],
                formats={"customers": "int", "revenue_share": "pct", "actions": "text", "kpi": "text"},
                labels=_labels(("segment", "customers", "revenue_share", "actions", "kpi")),
                max_rows=len(book),
            )
        R.heading("value.maps.lifecycle", level=3)
        book = playbook("lifecycle", self.life.sizes, R.language, strategy=strategy)
        R.table(
            book.assign(segment=book["key"].map(stage_names(R.language)))[["segment", "customers", "actions", "kpi"]],
            formats={"customers": "int", "actions": "text", "kpi": "text"},
            labels=_labels(("segment", "customers", "actions", "kpi")),
            max_rows=len(book),
        )

    def export_and_provenance(self, export_files: tuple[str, str, str], *, run_id: str, pseudonymize_ids: bool) -> None:
        """Where the CRM export is (Parquet, CSV and Excel file names), then the provenance of the whole report."""
        R, seg, life = self.R, self.seg, self.life
        R.heading("value.sections.export")
        R.how_to_read("value.how_to_read.export", parquet=export_files[0], csv=export_files[1], xlsx=export_files[2])
        R.provenance(
            {
                "run_id": run_id,
                "language": R.language,
                "engine": self.run.settings["engine"],
                "as_of": fmt_date(seg.features.as_of),
                "cleaning_options": self.run.audit.options,
                "churn_days": life.churn_days,
                "churn_rule": life.churn_rule,
                "migration_days": self.run.settings["migration_days"],
                "pseudonymize_ids": pseudonymize_ids,
                "score_thresholds": {m: list(v) for m, v in seg.scores.thresholds.items()},
                "tie_rule": seg.scores.tie_rule,
                "eight_class_references": seg.maps["eight_class"].params["references"],
                "tier_cuts": list(seg.tiers.cuts),
            },
            {k: v for k, v in self.run.inputs.items() if k in ("transactions", "customers")},
        )
