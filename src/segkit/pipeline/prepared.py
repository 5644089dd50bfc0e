"""A prepared run, opened: what every report of a run reads (see `segkit.pipeline.prepare`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.core.errors import InputError
from segkit.models.clusters import FrozenClusters, ValueClusters
from segkit.prep.aggregate import scan
from segkit.survey.catalogue import load_catalogue
from segkit.survey.likert import LikertScale
from segkit.survey.read import Survey
from segkit.value.lifecycle import Lifecycle, lifecycle_stages
from segkit.value.migration_periods import PeriodMigration, migration_over_periods, stages_over_periods
from segkit.value.segmentation import Segmentation, Segmenter
from segkit.value.transitions import Migration, migrate_snapshot

#: The file that makes a folder a prepared run.
PREPARED = "prepared.json"
#: The fitted lifetime-value models of a run (parameters, errors, fit, holdout figures).
MODELS = "models.json"


@dataclass(frozen=True)
class AuditSummary:
    """The cleaning audit as a report needs it (see `segkit.prep.cleaning.CleaningResult`)."""

    audit: pd.DataFrame
    raw_rows: int
    kept_rows: int
    raw_revenue: float
    kept_revenue: float
    outlier_threshold: float | None
    options: dict[str, Any]


class PreparedRun:
    """A prepared run folder, opened: tables, resolved settings, the fitted segmentation.

    The segmentation and lifecycle stages are re-derived deterministically from the stored
    per-customer and per-day tables with the settings resolved at prepare time, so every report
    of a run gives one customer one stage and one segment (``customers.parquet`` holds them).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not (self.folder / PREPARED).is_file():
            raise InputError(f"{self.folder}: not a prepared run (no {PREPARED}); run segkit run, or segkit.pipeline.prepare")
        self.meta: dict[str, Any] = json.loads((self.folder / PREPARED).read_text(encoding="utf-8"))
        self.settings: dict[str, Any] = self.meta["settings"]
        self.errors: dict[str, str] = self.meta.get("errors", {})

    def __repr__(self) -> str:
        return f"PreparedRun({str(self.folder)!r})"

    # -- what is there
    @property
    def inputs(self) -> dict[str, str]:
        """Input name -> path of every input the run was given."""
        return {k: v["path"] for k, v in self.meta["inputs"].items()}

    def has(self, name: str) -> bool:
        """Whether input `name` was given and read without error."""
        return name in self.meta["inputs"] and name not in self.errors

    def _require(self, needs: str) -> None:
        """`InputError` with prepare's message when input `needs` failed, or a hint when the run has none."""
        if needs in self.errors:
            raise InputError(self.errors[needs])
        if needs not in self.meta["inputs"]:
            raise InputError(f"this run has no inputs.{needs}; add it to the run config")

    def _table(self, name: str, *, needs: str) -> pd.DataFrame:
        if needs in self.errors:
            raise InputError(self.errors[needs])
        path = self.folder / f"{name}.parquet"
        if not path.exists():
            raise InputError(f"this run has no inputs.{needs}; add it to the run config")
        return pd.read_parquet(path)

    def optional(self, name: str) -> pd.DataFrame | None:
        """Table `name` (attributes, complaints, risk, holdings) or None when the run has no such input."""
        needs = "customers" if name == "attributes" else name
        return self._table(name, needs=needs) if self.has(needs) else None

    # -- transactions
    @cached_property
    def audit(self) -> AuditSummary:
        data = json.loads(self._path("cleaning_audit.json", needs="transactions").read_text(encoding="utf-8"))
        return AuditSummary(
            audit=pd.DataFrame(data["rules"]),
            raw_rows=data["raw_rows"],
            kept_rows=data["kept_rows"],
            raw_revenue=data["raw_revenue"],
            kept_revenue=data["kept_revenue"],
            outlier_threshold=data["outlier_threshold"],
            options=data["options"],
        )

    def _path(self, name: str, *, needs: str) -> Path:
        if needs in self.errors:
            raise InputError(self.errors[needs])
        path = self.folder / name
        if not path.exists():
            raise InputError(f"this run has no inputs.{needs}; add it to the run config")
        return path

    @cached_property
    def customer_table(self) -> pd.DataFrame:
        return self._table("customer_table", needs="transactions")

    @cached_property
    def orders(self) -> pd.DataFrame:
        return self._table("orders", needs="transactions")

    @cached_property
    def visits(self) -> pd.DataFrame:
        return self._table("visits", needs="transactions")

    @cached_property
    def line_attributes(self) -> pd.DataFrame:
        """Region, country or type per customer as the transaction lines give them (may be just ids)."""
        return self._table("line_attributes", needs="transactions")

    @cached_property
    def missing(self) -> pd.DataFrame:
        return self._table("missing", needs="transactions")

    @cached_property
    def customers(self) -> pd.DataFrame:
        """One row per customer: features, scores, every map's key, the 8-class code, the lifecycle stage."""
        return self._table("customers", needs="transactions")

    @property
    def as_of(self) -> pd.Timestamp:
        if self.settings.get("as_of") is None:
            self._require("transactions")
        return pd.Timestamp(self.settings["as_of"])

    @cached_property
    def segmenter(self) -> Segmenter:
        if "segmenter" not in self.settings:  # transactions absent or unusable: say why
            self._require("transactions")
        state = self.settings["segmenter"]["params"]
        fitted = self.settings["segmenter"].get("clusters")
        clusters = FrozenClusters(ValueClusters.from_state(fitted)) if fitted else None
        names = state.get("tier_names")  # runs prepared before tier names were settable have none
        params = {
            **state,
            "tier_cuts": tuple(state["tier_cuts"]),
            "tier_names": tuple(names) if names is not None else None,
            "clusters": clusters,
        }
        return Segmenter(**params).fit(self.customer_table, as_of=self.as_of)

    @property
    def clusters(self) -> ValueClusters:
        """The fitted value clusters (k chosen, selection curve, stability, profile), as prepared."""
        if "value_clusters" in self.errors:
            raise InputError(self.errors["value_clusters"])
        fitted = self.settings["segmenter"].get("clusters") if "segmenter" in self.settings else None
        if not fitted:
            raise InputError("this run has no value clusters (value_clusters.method is none, or there are no transactions)")
        return ValueClusters.from_state(fitted)

    @property
    def segmentation(self) -> Segmentation:
        return self.segmenter.segmentation_

    @cached_property
    def lifecycle(self) -> Lifecycle:
        known = self.optional("attributes")
        churn = self.settings["churn_days"] if self.settings["churn_days_given"] else None
        return lifecycle_stages(
            self.visits, as_of=self.as_of, churn_days=churn, customers=known["customer_id"] if known is not None else None
        )

    def migration(self, map_name: str = "rfm10") -> Migration:
        """Migration of `map_name` from ``migration_days`` before `as_of`, labelled by this run's segmenter."""
        earlier = self._table("earlier_customer_table", needs="transactions")
        return migrate_snapshot(earlier, self.segmentation, as_of=pd.Timestamp(self.settings["earlier_as_of"]), map_name=map_name)

    @cached_property
    def clean_lines(self) -> Any:
        """The cleaned transaction lines, opened lazily with DuckDB (what every earlier snapshot is made of)."""
        return scan(self._path("transactions_clean.parquet", needs="transactions"), backend="duckdb")

    def migration_over_periods(self, periods: int = 4, map_name: str = "eight_class") -> PeriodMigration:
        """`map_name` at ``periods + 1`` snapshots ``migration_days`` apart up to `as_of`, labelled by this run's segmenter."""
        days = int(self.settings["migration_days"])
        return migration_over_periods(
            self.clean_lines, self.segmenter, as_of=self.as_of, periods=periods, days=days, map_name=map_name
        )

    def stages_over_periods(self, periods: int = 4) -> PeriodMigration:
        """Lifecycle stages at ``periods + 1`` snapshots ``migration_days`` apart, with this run's thresholds."""
        life = self.lifecycle
        return stages_over_periods(
            self.visits,
            as_of=self.as_of,
            churn_days=life.churn_days,
            at_risk_days=life.at_risk_days,
            new_days=life.new_days,
            periods=periods,
            days=int(self.settings["migration_days"]),
        )

    # -- lifetime value
    @cached_property
    def models(self) -> dict[str, Any]:
        """``models.json``: each lifetime-value model's parameters, errors and fit, and the holdout check."""
        if "lifetime_value" in self.errors:
            raise InputError(self.errors["lifetime_value"])
        return json.loads(self._path(MODELS, needs="transactions").read_text(encoding="utf-8"))

    @cached_property
    def lifetime_value(self) -> pd.DataFrame:
        """Per customer: the BTYD summary, P(alive), expected purchases, expected spend and CLV."""
        if "lifetime_value" in self.errors:
            raise InputError(self.errors["lifetime_value"])
        return self._table("lifetime_value", needs="transactions")

    def holdout(self, view: str = "by_frequency") -> pd.DataFrame:
        """The holdout check: ``by_frequency``, ``tracking`` or ``per_customer`` (``holdout``)."""
        name = {"by_frequency": "holdout_by_frequency", "tracking": "holdout_tracking", "per_customer": "holdout"}[view]
        return self._table(name, needs="transactions")

    def churn_quality(self, view: str = "metrics") -> pd.DataFrame:
        """The churn model's test-period quality: ``metrics``, ``lift``, ``calibration`` or ``importance``."""
        return self._table(f"churn_{view}", needs="transactions")

    # -- survey
    @cached_property
    def survey(self) -> Survey:
        catalogue = load_catalogue(self._path("needs.yaml", needs="survey"))
        parts = {p: self._table(f"survey_{p}", needs="survey") for p in ("ratings", "kano", "respondents")}
        return Survey(**parts, catalogue=catalogue, scale=LikertScale.default(), source=Path(self.inputs["survey"]).name)
