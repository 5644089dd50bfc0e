"""The churn-risk section of the lifetime-value report, rendered from one prepared run.

The prepare step fitted the churn model once (`segkit.models.churn.ChurnRisk`, in ``models.json``
and the ``churn_*.parquet`` tables); this module shows its test-period quality against the BG/NBD
baseline, the lift by risk tenth and what the model relies on, with text from the catalogues.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.reporting.formats import fmt_float, fmt_pct
from segkit.reporting.i18n import catalogue
from segkit.reporting.report import Report


def _labels(keys: Any) -> dict[str, str]:
    return {k: f"churn.columns.{k}" for k in keys}


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
