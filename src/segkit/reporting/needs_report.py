"""The sections of the need-priority report, rendered from one prepared run.

`NeedsReport` reads the survey, the customer attributes, complaints, risk answers and holdings
from the prepared run (`segkit.pipeline.prepare.PreparedRun`), asks the needs package for tables
and keys (`segkit.needs.analysis`) and shows them with the `Report` helpers, names and sentences
from the catalogues in the report language. The notebook calls one method per section.

Without transactions (a survey-only run) every survey section is still shown; the per-segment
views need customer ids that link respondents to buyers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segkit.needs import complaints as needs_complaints
from segkit.needs import kano as needs_kano
from segkit.needs import net_promoter as needs_nps
from segkit.needs import priority as needs_priority
from segkit.needs.analysis import analyse, extremes_profile
from segkit.needs.importance_performance import IPA_QUADRANTS
from segkit.needs.segments import customer_types, link_respondents
from segkit.reporting import needs_charts as plots
from segkit.reporting import needs_text
from segkit.reporting.formats import fmt_int
from segkit.reporting.i18n import catalogue as words_of
from segkit.reporting.names import segment_labels, segment_names, stage_names
from segkit.reporting.need_cluster_section import NeedClusterSection
from segkit.reporting.report import Report
from segkit.survey.read import base_sizes

#: Backlog weight keys -> the column whose name they are shown with.
COMPONENT_NAMES = {
    "priority_score": "score",
    "gap": "gap",
    "opportunity": "opportunity",
    "kano": "kano_class",
    "complaint_urgency": "complaint_urgency",
}
BACKLOG_COLUMNS = (
    "rank",
    "item",
    "backlog_score",
    "priority_score",
    "gap",
    "opportunity",
    "kano_class",
    "quadrant",
    "top_k_share",
)
#: Bootstrap resamples of the derived importance and of the backlog stability.
N_BOOT_DERIVED, N_BOOT_BACKLOG = 200, 100


class NeedsReport(NeedClusterSection):
    """Every section of the need report for one prepared run.

    Parameters
    ----------
    report : Report
        The display helpers in the report language.
    run : PreparedRun
        The prepared run (its survey, optional attributes, complaints, risk and holdings).
    small_base : int
        Results on fewer answers are flagged.
    top_k : int
        Backlog stability: share of resamples in which a need stays in the top `top_k`.
    seed : int
        Seed of every bootstrap and random tie break.
    followup : mapping of str to str, optional
        The follow-up lists the run wrote (`segkit.pipeline.followup_files.written_followup`);
        the NPS, extremes and suitability sections name them.
    """

    def __init__(
        self,
        report: Report,
        run: Any,
        *,
        small_base: int = 30,
        top_k: int = 5,
        seed: int = 0,
        followup: Mapping[str, str] | None = None,
    ) -> None:
        self.R, self.run, self.followup = report, run, dict(followup or {})
        self.small_base, self.top_k, self.seed = small_base, top_k, seed
        language = report.language
        self.words = words_of(language)
        self.sep = "、" if language == "zh" else ", "
        S = self.survey = run.survey
        self.items = S.catalogue.ids
        self.L = S.catalogue.labels(language)
        attributes = run.optional("attributes")
        self.customers = attributes if attributes is not None else pd.DataFrame({"customer_id": pd.Series(dtype="str")})
        self.segment_of = self.stage_of = pd.Series(dtype="str")
        order, n_customers = None, S.n
        if run.has("transactions"):
            value_map = run.segmentation.maps["eight_class"]
            self.segment_of = pd.Series(
                segment_labels(value_map, language).to_numpy(), index=value_map.table["customer_id"].to_numpy()
            )
            stages = run.lifecycle.table
            self.stage_of = pd.Series(
                stages["stage"].map(stage_names(language)).to_numpy(), index=stages["customer_id"].to_numpy()
            )
            order = list(segment_names(value_map, language).values())  # value order (重要价值客户 first)
            n_customers = len(run.customer_table)
        types = customer_types(attributes)
        self.customer_type = types.map(self.value_names("values", types.dropna().unique()))
        self.links = link_respondents(S.respondents, segments=self.segment_of, types=self.customer_type, segment_order=order)
        self.dictionary = needs_complaints.load_dictionary()
        self.complaint_rows = self._optional("complaints")
        self.urgency = needs_complaints.complaint_urgency(
            self.complaint_rows, dictionary=self.dictionary, items=self.items, n_customers=n_customers
        )
        self.A = analyse(
            S,
            complaints=self.urgency,
            small_base=small_base,
            top_k=top_k,
            seed=seed,
            n_boot_derived=N_BOOT_DERIVED,
            n_boot_backlog=N_BOOT_BACKLOG,
        )

    # -- summary
    def summary(self) -> None:
        R, A, L = self.R, self.A, self.L
        R.heading("needs.title", level=1)
        R.text("needs.intro", n=self.survey.n, items=len(self.items))
        sentences = needs_text.summary_sentences(A.matrix, A.backlog.table, language=R.language, labels=L)
        if A.kano_table is not None:
            by_class = A.kano_table.groupby("category")["item"].apply(lambda s: self.sep.join(L[i] for i in s))
            sentences.append(R.t("needs.summary.kano", must=by_class.get("M", "–"), attractive=by_class.get("A", "–")))
        if (o := A.overall_nps) is not None:
            sentences.append(
                R.t("needs.summary.nps", nps=f"{o.nps:.1f}", low=f"{o.ci_low:.1f}", high=f"{o.ci_high:.1f}", n=fmt_int(o.n))
            )
        R.summary(sentences)
        if A.n_small_base:
            R.warn(R.t("needs.small_base_warning", n=A.n_small_base, base=self.small_base))

    def key_numbers(self) -> None:
        if self.A.overall_nps is not None:
            self.R.key_number("nps", self.A.overall_nps.nps, label="needs.col.nps", fmt="float")
        self.R.key_number("respondents", self.survey.n, label="needs.col.n")

    # -- the survey
    def catalogue(self) -> None:
        """The need catalogue with its tags, then the base sizes."""
        R, items = self.R, self.survey.catalogue.items
        R.heading("needs.sections.catalogue")
        R.how_to_read("needs.how.catalogue")
        tags = items.assign(
            label=items["item"].map(self.L),
            category=items["category"].map(self.value_names("category", items["category"])),
            **{t: items[t].map(self.names("tags", items[t].unique())) for t in ("functional", "level", "role", "horizon")},
        )
        self.show(
            tags[["item", "label", "functional", "level", "role", "horizon", "category"]].rename(
                columns={"item": "id", "level": "level_tag"}
            )
        )
        R.heading("needs.sections.bases", level=3)
        R.how_to_read("needs.how.bases")
        self.show(base_sizes(self.survey).assign(label=lambda f: f["item"].map(self.L)).rename(columns={"item": "id"}))

    def priority(self) -> None:
        R, matrix, L = self.R, self.A.matrix, self.L
        R.heading("needs.sections.priority")
        if matrix is None:
            return self._no_data("needs.col.importance", "needs.col.urgency", sep=" × ", analysis="priority")
        quadrants = self.names("quadrant", needs_priority.QUADRANTS)
        R.how_to_read("needs.how.priority", crosshair=R.t(f"needs.crosshair.{matrix.crosshair}"))
        R.figure(
            plots.priority_chart(
                matrix.table,
                importance_line=matrix.importance_line,
                urgency_line=matrix.urgency_line,
                labels=L,
                x_label=R.t("needs.chart.importance"),
                y_label=R.t("needs.chart.urgency"),
                quadrant_names=quadrants,
            )
        )
        table = matrix.table.assign(item=matrix.table["item"].map(L), quadrant=matrix.table["quadrant"].map(quadrants))
        self.show(
            table[["item", "n_importance", "importance", "urgency", "score", "quadrant", "share_important", "small_base"]].rename(
                columns={"n_importance": "n"}
            ),
            formats={"share_important": "pct"},
        )

    def gap(self) -> None:
        gaps = self.A.gaps
        self.R.heading("needs.sections.gap")
        if gaps is None:
            return self._no_data("needs.col.importance", "needs.col.satisfaction", analysis="gap")
        self.R.how_to_read("needs.how.gap")
        self.show(
            gaps.assign(item=gaps["item"].map(self.L))[
                ["item", "n", "importance", "satisfaction", "gap", "ci_low", "ci_high", "p_adjusted", "small_base"]
            ]
        )

    def opportunity(self) -> None:
        R, opportunity = self.R, self.A.opportunity
        R.heading("needs.sections.opportunity")
        if opportunity is None:
            return self._no_data("needs.col.importance", "needs.col.satisfaction", analysis="opportunity")
        R.how_to_read("needs.how.opportunity")
        R.figure(
            plots.bar_chart(
                opportunity.set_index("item")["opportunity"], labels=self.L, x_label=R.t("needs.chart.opportunity"), reference=10
            )
        )
        status = self.names("status", ("underserved", "overserved", "served"))
        self.show(
            opportunity.assign(item=opportunity["item"].map(self.L), status=opportunity["status"].map(status))[
                ["item", "n", "importance", "satisfaction", "opportunity", "status"]
            ]
        )

    def ipa(self) -> None:
        R, ipa = self.R, self.A.ipa
        R.heading("needs.sections.ipa")
        if ipa is None:
            return self._no_data("needs.col.importance", "needs.col.satisfaction", analysis="ipa")
        quadrants = self.names("ipa_quadrant", IPA_QUADRANTS)
        R.how_to_read("needs.how.ipa", model=R.t(f"needs.ipa_model.{ipa.model}"))
        R.figure(
            plots.ipa_chart(
                ipa.table,
                importance_line=ipa.importance_line,
                performance_line=ipa.performance_line,
                model=ipa.model,
                labels=self.L,
                x_label=R.t("needs.chart.performance"),
                y_label=R.t("needs.chart.importance"),
                quadrant_names=quadrants,
            )
        )
        self.show(
            ipa.table.assign(item=ipa.table["item"].map(self.L), quadrant=ipa.table["quadrant"].map(quadrants))[
                ["item", "importance", "performance", "quadrant"]
            ]
        )

    def kano(self) -> None:
        R, table, L = self.R, self.A.kano_table, self.L
        R.heading("needs.sections.kano")
        if table is None:
            return self._no_data("needs.col.kano", analysis="kano")
        classes = self.names("kano_class", needs_kano.CLASSES)
        R.how_to_read("needs.how.kano", table=R.t("needs.kano_table.classic"))
        R.figure(
            plots.better_worse_chart(
                table, labels=L, x_label=R.t("needs.chart.worse"), y_label=R.t("needs.chart.better"), class_names=classes
            )
        )
        shown = table.assign(
            item=table["item"].map(L),
            category=table["category"].map(classes),
            seed_class=table["seed_class"].map(self.names("seed_class", needs_kano.SEED_CLASS.values())),
        )
        self.show(
            shown[
                [
                    "item",
                    "n",
                    "A",
                    "O",
                    "M",
                    "I",
                    "R",
                    "Q",
                    "category",
                    "seed_class",
                    "category_strength",
                    "total_strength",
                    "fong_significant",
                    "better",
                    "worse",
                ]
            ],
            formats={"category_strength": "pct", "total_strength": "pct"},
        )
        continuous = needs_kano.continuous_kano(self.survey.kano)
        _, q_by_item = needs_kano.questionable_rates(self.A.classified)
        self.show(
            continuous.merge(q_by_item[["item", "rate"]], on="item")
            .rename(columns={"rate": "questionable_rate"})
            .assign(item=lambda f: f["item"].map(L))[["item", "n", "functional_mean", "dysfunctional_mean", "questionable_rate"]],
            formats={"questionable_rate": "pct"},
        )

    def derived(self) -> None:
        R, derived, weights = self.R, self.A.derived, self.A.weights
        R.heading("needs.sections.derived")
        if derived is None or weights is None:
            return self._no_data("needs.col.satisfaction", analysis="derived")
        R.how_to_read("needs.how.derived", r2=f"{weights.r2:.2f}", n=weights.n)
        R.figure(
            plots.derived_vs_stated_chart(
                derived, labels=self.L, x_label=R.t("needs.chart.stated"), y_label=R.t("needs.chart.derived")
            )
        )
        self.show(
            derived.assign(item=derived["item"].map(self.L))[
                ["item", "stated", "raw", "ci_low", "ci_high", "rescaled", "rank_stated", "rank_derived"]
            ],
            formats={"rescaled": "pct", "raw": "float", "ci_low": "float", "ci_high": "float"},
        )

    def nps(self) -> None:
        """The overall NPS, then the NPS of each segment and customer type."""
        R, overall = self.R, self.A.overall_nps
        R.heading("needs.sections.nps")
        if overall is None:
            return self._no_data("needs.col.nps", analysis="nps")
        scores = self.survey.respondents["nps"]
        R.how_to_read("needs.how.nps")
        self.show(pd.DataFrame([overall.as_dict()])[["n", "promoters", "detractors", "nps", "ci_low", "ci_high"]])
        self.detractors_note()
        R.heading("needs.sections.nps_segment", level=3)
        R.how_to_read("needs.how.nps_segment")
        for grouping in self.links.groupings:
            by_group = needs_nps.nps_by_group(
                scores, grouping.reindex(self.survey.respondents["respondent_id"]), small_base=self.small_base
            )
            R.figure(plots.interval_chart(by_group, value_col="nps", label_col="group", x_label=R.t("needs.chart.nps")))
            self.show(
                by_group.rename(columns={"group": "segment"})[
                    ["segment", "n", "nps", "ci_low", "ci_high", "p_adjusted", "small_base"]
                ]
            )

    def extremes(self) -> None:
        R, L = self.R, self.L
        R.heading("needs.sections.extremes")
        if "extremes" not in self.A.applicable:
            self._no_data("needs.col.satisfaction")
            return self.least_satisfied_note()
        R.how_to_read("needs.how.extremes", share="20%")
        customers = self.customers.assign(customer_type=self.customers["customer_id"].map(self.customer_type))
        extremes, features = extremes_profile(
            self.survey, customers, context={"segment": self.segment_of, "stage": self.stage_of}, seed=self.seed, share=0.2
        )
        feature_names = {
            **{f: R.t(f"needs.features.{f}") for f in features if f not in self.items},
            **{i: f"{R.t('needs.col.satisfaction')} · {L[i]}" for i in self.items},
        }
        for sentence in needs_text.extremes_sentences(extremes, language=R.language, labels=feature_names):
            R.text("needs.sentence", s=sentence)
        self.show(
            extremes.differences.assign(feature=extremes.differences["feature"].map(feature_names))[
                ["feature", "level", "top", "bottom", "smd", "q"]
            ],
            max_rows=15,
        )
        self.least_satisfied_note()

    # -- the backlog (the provenance closes the report: `NeedsSections.provenance`)
    def backlog(self) -> None:
        R, backlog = self.R, self.A.backlog
        R.heading("needs.sections.backlog")
        weights = ", ".join(f"{R.t('needs.col.' + COMPONENT_NAMES[k])} {v:.0%}" for k, v in backlog.weights.items())
        R.how_to_read("needs.how.backlog", n_boot=N_BOOT_BACKLOG, k=self.top_k, weights=weights)
        stability = self.A.stability if self.A.stability is not None else pd.DataFrame({"item": [], "top_k_share": []})
        table = backlog.table.merge(stability[["item", "top_k_share"]], on="item", how="left").assign(
            item=lambda f: f["item"].map(self.L)
        )
        if self.A.stability is None:
            R.warn(R.t("needs.skipped", reason=self.A.skipped.get("stability", "")))
        if "kano_class" in table:
            table = table.assign(kano_class=table["kano_class"].map(self.names("kano_class", needs_kano.CLASSES)))
        if "quadrant" in table:
            table = table.assign(quadrant=table["quadrant"].map(self.names("quadrant", needs_priority.QUADRANTS)))
        self.show(
            table[[c for c in BACKLOG_COLUMNS if c in table]].rename(columns={"priority_score": "score"}),
            formats={"top_k_share": "pct", "rank": "int"},
        )
