"""The prepare step: every input read, validated and cleaned once; every report reads the result.

`prepare` runs intake and validation on every input of a run, cleans the transactions on the
chosen engine, aggregates them to the per-customer, per-order and per-purchase-day tables, fits
the value segmentation and the lifecycle stages once, and writes all of it into one folder
(Parquet plus ``prepared.json`` with the resolved run-wide parameters and the audit).
`segkit.pipeline.prepared.PreparedRun` opens that folder; `prepared` is what a notebook calls: the folder a run passes,
or, opened on its own in JupyterLab, the demo data prepared through the same function.

An input that fails validation does not stop the others: its message is kept in
``prepared.json`` and raised (as `InputError`) by whichever report asks for that input, so a bad
survey costs the need report only.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.core.errors import InputError
from segkit.core.files import file_sha256, write_json_atomic, write_parquet_atomic
from segkit.core.privacy import filter_pii
from segkit.intake.customers import load_customers
from segkit.intake.files import read_table
from segkit.intake.transactions import load_transactions
from segkit.intake.yaml_files import copy_as_utf8
from segkit.models.clusters import ValueClusters
from segkit.models.lifetime_value import fit_lifetime_value
from segkit.pipeline.config import LIFETIME_VALUE, VALUE_CLUSTERS, InputFile
from segkit.pipeline.config_segments import SegmentSettings
from segkit.pipeline.engine_choice import choose_engine
from segkit.pipeline.prepared import MODELS, PREPARED, PreparedRun
from segkit.prep import aggregate
from segkit.prep.cleaning import clean_transactions, write_audit_json
from segkit.prep.options import CleaningOptions
from segkit.survey.catalogue import load_catalogue
from segkit.survey.load import read_survey
from segkit.value.lifecycle import lifecycle_stages
from segkit.value.segmentation import Segmenter

#: Layout version of a prepared folder; a cached demo folder of another version is prepared again.
LAYOUT = 4
#: Demo inputs a notebook prepares by itself when opened without a prepared folder.
DEMO_INPUTS = {
    "transactions": ("transactions.csv", "demo"),
    "customers": ("customers.csv", None),
    "survey": ("survey.csv", None),
    "needs": ("needs.yaml", None),
    "complaints": ("complaints.csv", None),
    "risk": ("risk.csv", None),
    "holdings": ("holdings.csv", None),
}
TABLES = (
    "customer_table",
    "earlier_customer_table",
    "orders",
    "visits",
    "attributes",
    "complaints",
    "risk",
    "holdings",
    "survey_ratings",
    "survey_kano",
    "survey_respondents",
    "missing",
)


def prepare(
    inputs: Mapping[str, InputFile],
    out_dir: str | Path,
    *,
    as_of: str | pd.Timestamp | None = None,
    churn_days: int | None = None,
    migration_days: int = 90,
    cleaning: Mapping[str, Any] | None = None,
    engine: str = "auto",
    spark_master: str = "local[2]",
    lifetime_value: Mapping[str, Any] | None = None,
    value_clusters: Mapping[str, Any] | None = None,
    segments: SegmentSettings | None = None,
) -> PreparedRun:
    """Prepare a run once into `out_dir` and return it opened.

    Parameters
    ----------
    inputs : mapping of str to InputFile
        transactions, customers, survey, needs, complaints, risk, holdings (any subset).
    out_dir : str or Path
        Folder to write; created, and replaced atomically when it exists.
    as_of : str or Timestamp, optional
        Analysis date. Lines on or after it are left out by the ``date_window`` cleaning rule
        (counted in the audit), so a backdated analysis sees the data as they were.
    churn_days : int, optional
        Fixed churn threshold; default derived from the data (90th percentile of gaps).
    migration_days : int
        The migration compares the segments with this many days before `as_of`.
    cleaning : mapping, optional
        `segkit.prep.options.CleaningOptions` overrides.
    engine : str
        ``auto`` | ``pandas`` | ``duckdb`` | ``spark``: where cleaning and aggregation run.
    spark_master : str
        Spark master URL for ``engine: spark`` (``local[2]``, ``spark://host:7077``, ``yarn``).
    lifetime_value : mapping, optional
        ``time_unit``, ``horizon_months``, ``monthly_discount_rate``, ``calibration_end`` of the
        lifetime-value models (`segkit.pipeline.config.LIFETIME_VALUE` gives the defaults).
    value_clusters : mapping, optional
        ``method`` (kmeans | gmm | none), ``k`` (0 = chosen), ``k_min``, ``k_max`` of the
        data-driven value segments (`segkit.pipeline.config.VALUE_CLUSTERS`). A clustering that
        cannot be fitted is an error of its own (``value_clusters``); the rest of the run goes on.
    segments : SegmentSettings, optional
        The config's ``segments`` section: tier cuts and names, the user's rule and strategy files.

    Returns
    -------
    PreparedRun
    """
    final = Path(out_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".preparing", dir=final.parent))
    try:
        meta = _prepare_into(
            work,
            inputs,
            as_of=as_of,
            churn_days=churn_days,
            migration_days=migration_days,
            cleaning=dict(cleaning or {}),
            engine=engine,
            spark_master=spark_master,
            lifetime_value={**LIFETIME_VALUE, **(lifetime_value or {})},
            value_clusters={**VALUE_CLUSTERS, **(value_clusters or {})},
            segments=segments or SegmentSettings(),
        )
        write_json_atomic(meta, work / PREPARED)
        if final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
            work.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            work.rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PreparedRun(final)


def _prepare_into(
    work: Path,
    inputs: Mapping[str, InputFile],
    *,
    as_of,
    churn_days,
    migration_days,
    cleaning,
    engine,
    spark_master,
    lifetime_value,
    value_clusters,
    segments,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    meta: dict[str, Any] = {
        "inputs": {k: {"path": v.where, **v.record()} for k, v in inputs.items()},
        "errors": errors,
        "layout": LAYOUT,
    }

    def attempt(name: str, step) -> Any:
        try:
            return step()
        except InputError as error:
            errors[name] = str(error)
            return None

    attributes = attempt("customers", lambda: _load_attributes(inputs["customers"], meta)) if "customers" in inputs else None
    if attributes is not None:
        write_parquet_atomic(attributes, work / "attributes.parquet")
    settings: dict[str, Any] = {
        "as_of": None,
        "churn_days": churn_days,
        "migration_days": int(migration_days),
        "cleaning": cleaning,
        "engine": None,
    }
    if "transactions" in inputs:
        attempt(
            "transactions",
            lambda: settings.update(
                _prepare_transactions(
                    work,
                    inputs["transactions"],
                    attributes,
                    as_of=as_of,
                    churn_days=churn_days,
                    migration_days=migration_days,
                    cleaning=cleaning,
                    engine=engine,
                    spark_master=spark_master,
                    value_clusters=value_clusters,
                    segments=segments,
                )
            ),
        )
        if settings.get("value_clusters_error"):
            errors["value_clusters"] = settings.pop("value_clusters_error")
        if settings["as_of"] is not None:
            attempt("lifetime_value", lambda: _prepare_lifetime_value(work, settings, lifetime_value))
    if "survey" in inputs or "needs" in inputs:
        attempt("survey", lambda: _prepare_survey(work, inputs))
    for name in ("complaints", "risk", "holdings"):
        if name in inputs:
            frame = attempt(name, lambda name=name: read_table(inputs[name].file, encoding=inputs[name].encoding))
            if frame is not None:
                write_parquet_atomic(frame, work / f"{name}.parquet")
    meta["settings"] = settings
    return meta


def _load_attributes(spec: InputFile, meta: dict[str, Any]) -> pd.DataFrame:
    """The customer attributes with their headers mapped and personal data filtered out (recorded in `meta`)."""
    mapping = spec.mapping if isinstance(spec.mapping, dict) or spec.mapping is None else Path(spec.mapping)
    attributes, removed = filter_pii(load_customers(spec.source, mapping=mapping, encoding=spec.encoding))
    meta.setdefault("privacy", {})["customers"] = removed
    return attributes


def _prepare_transactions(
    work: Path,
    spec: InputFile,
    attributes: pd.DataFrame | None,
    *,
    as_of,
    churn_days,
    migration_days,
    cleaning,
    engine,
    spark_master,
    value_clusters,
    segments: SegmentSettings,
) -> dict[str, Any]:
    raw = load_transactions(spec.source, preset=spec.preset, mapping=spec.mapping, encoding=spec.encoding)
    missing = raw.isna().sum().rename_axis("column").reset_index(name="missing")
    write_parquet_atomic(missing.assign(rows=len(raw)), work / "missing.parquet")
    options = dict(cleaning)
    if as_of:  # a backdated analysis: what happened on or after as_of is not yet known
        cutoff = (pd.Timestamp(as_of).normalize() - pd.Timedelta(days=1)).date().isoformat()
        if not options.get("date_end") or pd.Timestamp(options["date_end"]) > pd.Timestamp(cutoff):
            options["date_end"] = cutoff
    opts = CleaningOptions.from_mapping(options)
    used = choose_engine(engine, spec.path, rows=len(raw))
    frame = _on_engine(raw, used, work, spark_master)
    del raw
    result = clean_transactions(frame, opts)
    clean = result.clean
    if result.kept_rows == 0:
        raise InputError(f"{spec.path.name if spec.path else spec.where}: no rows are left after cleaning; see the audit")
    write_audit_json(result, work / "cleaning_audit.json")
    _write_clean(clean, work / "transactions_clean.parquet")
    customers = aggregate.customer_table(clean)
    write_parquet_atomic(customers, work / "customer_table.parquet")
    write_parquet_atomic(aggregate.order_table(clean), work / "orders.parquet")
    write_parquet_atomic(aggregate.customer_attributes(clean), work / "line_attributes.parquet")
    visits = aggregate.visit_table(clean)
    write_parquet_atomic(visits, work / "visits.parquet")
    segmenter, cluster_error = _fit_segmenter(customers, as_of=as_of or None, clusters=value_clusters, segments=segments)
    earlier = segmenter.as_of_ - pd.Timedelta(days=int(migration_days))
    write_parquet_atomic(aggregate.customer_table(aggregate.before(clean, earlier)), work / "earlier_customer_table.parquet")
    known = attributes["customer_id"] if attributes is not None else None
    life = lifecycle_stages(visits, as_of=segmenter.as_of_, churn_days=churn_days, customers=known)
    labels = segmenter.segmentation_.table
    for name, segmap in segmenter.segmentation_.maps.items():
        if "code" in segmap.table:
            labels = labels.assign(**{f"{name}_code": segmap.table["code"].to_numpy()})
    stages = life.table[["customer_id", "stage"]].rename(columns={"stage": "lifecycle_stage"})
    write_parquet_atomic(labels.merge(stages, on="customer_id", how="outer"), work / "customers.parquet")
    return {
        "as_of": segmenter.as_of_.date().isoformat(),
        "churn_days": life.churn_days,
        "churn_rule": life.churn_rule,
        "churn_quantile": life.churn_quantile,
        "churn_days_given": churn_days is not None,
        "earlier_as_of": earlier.date().isoformat(),
        "engine": used,
        "cleaning": opts.to_dict(),
        "segmenter": segmenter.state(),
        "value_clusters": dict(value_clusters),
        "value_clusters_error": cluster_error,
        "strategy": str(segments.strategy) if segments.strategy else None,
    }


def _fit_segmenter(
    customers: pd.DataFrame, *, as_of, clusters: Mapping[str, Any], segments: SegmentSettings
) -> tuple[Segmenter, str | None]:
    """The run's segmenter with its value clusters; clusters that cannot be fitted leave the rule maps standing."""
    options = segments.segmenter_options()  # tier cuts and names, the user's rule file
    if clusters["method"] == "none":
        return Segmenter(**options).fit(customers, as_of=as_of), None
    k_range = (int(clusters["k_min"]), int(clusters["k_max"]))
    estimator = ValueClusters(method=clusters["method"], k=int(clusters["k"]) or None, k_range=k_range)
    try:
        return Segmenter(**options, clusters=estimator).fit(customers, as_of=as_of), None
    except InputError as error:  # the rule maps alone: raises again when the problem was not the clusters
        return Segmenter(**options).fit(customers, as_of=as_of), str(error)


def _prepare_lifetime_value(work: Path, settings: dict[str, Any], options: Mapping[str, Any]) -> None:
    """Fit the lifetime-value models on the prepared purchase days; ``models.json`` is their provenance."""
    fitted = fit_lifetime_value(
        pd.read_parquet(work / "visits.parquet"),
        observation_end=pd.Timestamp(settings["as_of"]) - pd.Timedelta(days=1),
        unit=options["time_unit"],
        horizon_months=options["horizon_months"],
        monthly_discount_rate=options["monthly_discount_rate"],
        calibration_end=options["calibration_end"] or None,
        churn_window_days=options["churn_window_days"] or None,
        attributes=pd.read_parquet(work / "attributes.parquet") if (work / "attributes.parquet").exists() else None,
    )
    write_parquet_atomic(fitted.table, work / "lifetime_value.parquet")
    if fitted.churn is not None:
        quality = fitted.churn.quality_
        for name in ("metrics", "lift", "calibration", "importance"):
            write_parquet_atomic(getattr(quality, name), work / f"churn_{name}.parquet")
    if fitted.holdout is not None:
        write_parquet_atomic(fitted.holdout.per_customer, work / "holdout.parquet")
        write_parquet_atomic(fitted.holdout.tracking, work / "holdout_tracking.parquet")
        write_parquet_atomic(fitted.holdout.by_frequency, work / "holdout_by_frequency.parquet")
    write_json_atomic(fitted.as_dict(), work / MODELS)
    settings["lifetime_value"] = {
        **fitted.settings,
        "at_risk_top_share": float(options["at_risk_top_share"]),
        "at_risk_min_risk": float(options["at_risk_min_risk"]),
    }


def _on_engine(raw: pd.DataFrame, engine: str, work: Path, spark_master: str) -> Any:
    """The canonical lines as the engine's own frame (DuckDB and Spark read a canonical Parquet copy)."""
    if engine == "pandas":
        return raw
    canonical = write_parquet_atomic(raw, work / "transactions_canonical.parquet")
    if engine == "duckdb":
        return aggregate.scan(canonical, backend="duckdb")
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master(spark_master).appName("segkit").getOrCreate()
    return aggregate.scan(canonical, backend="spark", spark=spark)


def _write_clean(clean: Any, path: Path) -> None:
    if isinstance(clean, pd.DataFrame):
        write_parquet_atomic(clean, path)
    elif hasattr(clean, "write_parquet"):  # DuckDB relation: streamed by DuckDB itself
        tmp = path.with_name(f".{path.name}.tmp")
        clean.write_parquet(str(tmp))
        tmp.replace(path)
    else:  # Spark writes a folder of parts
        clean.write.mode("overwrite").parquet(str(path))


def _prepare_survey(work: Path, inputs: Mapping[str, InputFile]) -> None:
    if "survey" not in inputs or "needs" not in inputs:
        raise InputError("inputs: a survey needs both inputs.survey and inputs.needs (the need catalogue)")
    needs, answers = inputs["needs"], inputs["survey"]  # the copy is UTF-8, whatever the input's encoding
    catalogue = load_catalogue(copy_as_utf8(needs.file, work / "needs.yaml", what="need catalogue", encoding=needs.encoding))
    pattern = answers.column_pattern or "{item}_{measure}"
    survey = read_survey(answers.file, catalogue=catalogue, column_pattern=pattern, encoding=answers.encoding)
    for part in ("ratings", "kano", "respondents"):
        write_parquet_atomic(getattr(survey, part), work / f"survey_{part}.parquet")


def prepared(
    prepared_dir: str | Path = "", *, demo_dir: str | Path = "../data/raw/demo", out_dir: str | Path = "../data/processed/dev"
) -> PreparedRun:
    """The prepared run a notebook works on: `prepared_dir` as `segkit run` passes it, or the demo.

    With an empty `prepared_dir` (a notebook opened on its own), the demo data in `demo_dir` are
    prepared into `out_dir` through `prepare`, and reused while the demo files are unchanged.
    """
    if prepared_dir:
        return PreparedRun(prepared_dir)
    demo = Path(demo_dir)
    if not (demo / "transactions.csv").exists():
        raise InputError(f"{demo}: no demo data; run `segkit demo-data --out {demo}` first")
    inputs = {k: InputFile(path=(demo / f).resolve(), preset=p) for k, (f, p) in DEMO_INPUTS.items() if (demo / f).exists()}
    folder = Path(out_dir)
    if (folder / PREPARED).is_file():
        run = PreparedRun(folder)
        same = {k: v.get("sha256") for k, v in run.meta["inputs"].items()} == {k: file_sha256(v.file) for k, v in inputs.items()}
        if same and run.meta.get("layout") == LAYOUT:
            return run
    return prepare(inputs, folder)
