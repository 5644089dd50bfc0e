"""The churn-risk section of the lifetime-value report, rendered from one prepared run.

The prepare step fitted the churn model once (`segkit.models.churn.ChurnRisk`, in ``models.json``
and the ``churn_*.parquet`` tables); this module shows its test-period quality against the BG/NBD
baseline, the lift by risk tenth and what the model relies on, with text from the catalogues.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.models.at_risk import AT_RISK_MIN_RISK, AT_RISK_TOP_SHARE, high_value_at_risk, stage_conflicts
from segkit.reporting import lifetime_charts as charts
from segkit.reporting.formats import fmt_float, fmt_int, fmt_money, fmt_pct
from segkit.reporting.i18n import catalogue
from segkit.reporting.names import segment_names, stage_names
from segkit.reporting.playbook import playbook
from segkit.reporting.report import Report

#: Rows of the at-risk list the report shows (the file beside the export has them all).
AT_RISK_ROWS = 15


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"churn.columns.{k}" for k in keys}


def _extra(keys: Any) -> dict[str, str]:
    return {k: f"churn.columns_extra.{k}" for k in keys}


class ChurnSection:
    """The churn-risk section for one prepared run.

    Parameters
    ----------
    report : Report
        The display helpers in the report language.
    run : PreparedRun
        The prepared run (its ``models.json`` and churn quality tables).
    """

    def __init__(self, report: Report, run: Any) -> None:
        self.R, self.run = report, run
        self.words = catalogue(report.language)
        self.error = run.errors.get("lifetime_value")
        self.fitted: dict[str, Any] = {} if self.error else run.models
        self.churn: dict[str, Any] | None = self.fitted.get("churn")
        self.failure = self.fitted.get("errors", {}).get("churn")

    def _name(self, model: str) -> str:
        return self.R.t(f"churn.models.{model}")

    def key_numbers(self) -> None:
        """The best model's test ROC-AUC, for the run's index page."""
        if self.churn is not None:
            best = {m["model"]: m for m in self.churn["metrics"]}[self.churn["best"]]
            self.R.key_number("churn_auc", best["roc_auc"], label="churn.keys.auc", fmt="float")

    def summary_sentences(self) -> list[str]:
        """For the executive summary: the best model's quality and the high-value customers at risk."""
        if self.error or self.churn is None:
            return []
        R, churn = self.R, self.churn
        best = {m["model"]: m for m in churn["metrics"]}[churn["best"]]
        out = [R.t("churn.summary.model", model=self._name(churn["best"]), auc=fmt_float(best["roc_auc"], 3))]
        chosen = self._at_risk_table()
        if chosen is not None and len(chosen):
            out.append(R.t("churn.summary.at_risk", count=fmt_int(len(chosen)), stake=fmt_money(chosen["value_at_stake"].sum())))
        return out

    def churn_risk(self) -> None:
        """Quality of every candidate on the test period, the lift of the best one and its inputs."""
        if self.error:
            return
        R, churn = self.R, self.churn
        R.heading("churn.title")
        if churn is None:
            if self.failure:
                R.warn(R.t("churn.failed", error=self.failure))
            return
        R.how_to_read("churn.how", window=churn["window_days"], train=churn["train_cutoff"], test=churn["test_cutoff"])
        metrics = pd.DataFrame(churn["metrics"]).set_index("model")
        best, base = metrics.loc[churn["best"]], metrics.loc["bg_nbd"]
        R.text(
            "churn.best",
            model=self._name(churn["best"]),
            auc=fmt_float(best["roc_auc"], 3),
            low=fmt_float(best["roc_auc_low"], 3),
            high=fmt_float(best["roc_auc_high"], 3),
            baseline=fmt_float(base["roc_auc"], 3),
            verdict=R.t("churn.verdict.beats" if churn["beats_baseline"] else "churn.verdict.loses"),
        )
        shown = metrics.reset_index().assign(
            model=lambda f: f["model"].map(self._name),
            roc_auc_interval=lambda f: [
                f"{fmt_float(a, 3)} – {fmt_float(b, 3)}" for a, b in zip(f["roc_auc_low"], f["roc_auc_high"])
            ],
            pr_auc_interval=lambda f: [
                f"{fmt_float(a, 3)} – {fmt_float(b, 3)}" for a, b in zip(f["pr_auc_low"], f["pr_auc_high"])
            ],
        )
        columns = ["model", "roc_auc", "roc_auc_interval", "pr_auc", "pr_auc_interval", "customers", "churn_rate"]
        R.table(
            shown[columns],
            formats={"roc_auc": "float", "pr_auc": "float", "roc_auc_interval": "text", "pr_auc_interval": "text",
                     "customers": "int", "churn_rate": "pct"},
            labels=_labels(columns),
        )  # fmt: skip
        lift = self.run.churn_quality("lift")
        lift = lift.loc[lift["model"] == churn["best"]]
        first = lift.iloc[0]
        R.text("churn.lift", capture=fmt_pct(first["capture"]), lift=fmt_float(first["lift"], 1))
        columns = ["decile", "customers", "churners", "churn_rate", "lift", "capture"]
        R.table(
            lift[columns],
            formats={"decile": "int", "customers": "int", "churners": "int", "churn_rate": "pct", "lift": "float",
                     "capture": "pct"},
            labels=_labels(columns),
            max_rows=len(lift),
        )  # fmt: skip
        importance = self.run.churn_quality("importance").head(10)
        R.text("churn.importance", model=self._name(str(importance["model"].iloc[0])))
        names = {f: self.words.get(f"churn.features.{f}", f) for f in importance["feature"]}
        R.table(
            importance.assign(feature=importance["feature"].map(names))[["feature", "importance", "std"]],
            formats={"importance": "float", "std": "float"},
            labels=_labels(("feature", "importance", "std")),
        )

    # -- calibration, the at-risk list and the rules' disagreements
    def calibration(self) -> None:
        """Predicted against observed churn per risk group, for the learned models and the baseline."""
        if self.error or self.churn is None:
            return
        R = self.R
        table = self.run.churn_quality("calibration")
        R.heading("churn.calibration.title", level=3)
        R.how_to_read("churn.calibration.how")
        names = {m: self._name(m) for m in table["model"].unique()}
        labels = {k: R.t(f"churn.calibration.{k}") for k in ("predicted", "observed", "perfect")}
        R.figure(charts.calibration_curve(table, names=names, labels=labels))
        best = table.loc[table["model"] == self.churn["best"]]
        if len(best):
            gaps = (best["predicted"] - best["observed"]).abs()
            worst = best.loc[gaps.idxmax()]
            R.text(
                "churn.calibration.worst",
                model=self._name(self.churn["best"]),
                gap=fmt_pct(gaps.max()),
                predicted=fmt_pct(worst["predicted"]),
                observed=fmt_pct(worst["observed"]),
            )

    def _thresholds(self) -> tuple[float, float]:
        settings = self.run.settings.get("lifetime_value") or {}
        return (
            float(settings.get("at_risk_top_share", AT_RISK_TOP_SHARE)),
            float(settings.get("at_risk_min_risk", AT_RISK_MIN_RISK)),
        )

    def _at_risk_table(self) -> pd.DataFrame | None:
        """The at-risk list with 8-class keys and stages; None without CLV or churn risk."""
        values = self.run.lifetime_value
        clv = next((c for c in values.columns if c.startswith("clv_")), None)
        if clv is None or "churn_risk" not in values.columns:
            return None
        top, risk = self._thresholds()
        labels = self.run.customers[["customer_id", "eight_class", "lifecycle_stage"]]
        return high_value_at_risk(values.merge(labels, on="customer_id", how="left"), clv_col=clv, top_share=top, min_risk=risk)

    def at_risk(self) -> None:
        """The high-value customers most at risk, with their 8-class segment's actions."""
        if self.error or self.churn is None:
            return
        R, values = self.R, self.run.lifetime_value
        chosen = self._at_risk_table()
        if chosen is None:
            return
        top, risk = self._thresholds()
        clv = next(c for c in values.columns if c.startswith("clv_"))
        R.heading("churn.at_risk.title", level=3)
        R.how_to_read("churn.at_risk.how", top=fmt_pct(top), risk=fmt_float(risk, 2))
        if chosen.empty:
            R.text("churn.at_risk.none", top=fmt_pct(top), risk=fmt_float(risk, 2))
            return
        total = float(values[clv].clip(lower=0).sum())
        stake = float(chosen["value_at_stake"].sum())
        shown = chosen.head(AT_RISK_ROWS)
        R.text(
            "churn.at_risk.summary",
            count=fmt_int(len(chosen)),
            stake=fmt_money(stake),
            share=fmt_pct(stake / total if total > 0 else float("nan")),
            shown=fmt_int(len(shown)),
        )
        eight = self.run.segmentation.maps["eight_class"]
        keys = pd.DataFrame({"key": sorted(shown["eight_class"].dropna().unique())})
        actions = playbook("eight_class", keys, R.language).set_index("key")["actions"]
        table = shown.assign(
            actions=shown["eight_class"].map(actions),
            eight_class=shown["eight_class"].map(segment_names(eight, R.language)),
            lifecycle_stage=shown["lifecycle_stage"].map(stage_names(R.language)),
            clv=shown[clv],
        )
        columns = ["customer_id", "eight_class", "lifecycle_stage", "clv", "p_alive", "churn_risk", "value_at_stake", "actions"]
        R.table(
            table[columns],
            formats={"eight_class": "text", "lifecycle_stage": "text", "clv": "money", "p_alive": "pct", "churn_risk": "pct",
                     "value_at_stake": "money", "actions": "text"},
            labels=_extra(columns[1:]),
            max_rows=AT_RISK_ROWS,
        )  # fmt: skip

    def conflicts(self) -> None:
        """Customers a top RFM segment rewards and the gap rule writes off, and the models' view of them."""
        if self.error:
            return
        R = self.R
        _, risk = self._thresholds()
        table = stage_conflicts(self.run.customers, self.run.lifetime_value, min_risk=risk)
        R.heading("churn.conflicts.title", level=3)
        R.how_to_read("churn.conflicts.how", churn=fmt_int(self.run.settings["churn_days"]))
        both = int(table["customers"].sum())
        if both == 0:
            R.text("churn.conflicts.none")
            return
        merged = self.run.customers.merge(self.run.lifetime_value, on="customer_id")
        chosen = merged.loc[merged["rfm10"].isin(table["segment"]) & (merged["lifecycle_stage"] == "churned")]
        leaving = table["leaving"].sum() if table["leaving"].notna().all() else None
        R.text(
            "churn.conflicts.all_leaving" if leaving == both else "churn.conflicts.some",
            customers=fmt_int(both),
            p_alive=fmt_pct(chosen["p_alive"].median()),
            leaving=fmt_int(leaving) if leaving is not None else "–",
            risk=fmt_float(risk, 2),
        )
        names = segment_names(self.run.segmentation.maps["rfm10"], R.language)
        columns = ["segment", "customers", "median_p_alive", "median_churn_risk", "leaving"]
        R.table(
            table.assign(segment=table["segment"].map(names))[columns],
            formats={"segment": "text", "customers": "int", "median_p_alive": "pct", "median_churn_risk": "pct",
                     "leaving": "int"},
            labels=_extra(columns),
        )  # fmt: skip
