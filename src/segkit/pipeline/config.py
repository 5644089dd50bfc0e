"""Run configuration for `segkit run`: read one YAML file, check every key, resolve every path.

Everything a person can get wrong in a config (an unknown or misspelt key, a missing file, a bad
date, an unknown notebook) raises `InputError` naming the config file and the key, before any
notebook starts. Relative paths are resolved against ``base_dir``, which defaults to the
current directory (run from the project root, as ``make demo`` does); notebooks receive absolute paths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from segkit.core.errors import InputError
from segkit.core.yaml_files import UniqueKeyLoader, parse_yaml
from segkit.pipeline.config_checks import hint, no_unknown, notebook_list, positive_int, separate_outputs
from segkit.pipeline.config_inputs import INPUT_KEYS, INPUTS, InputFile, read_inputs
from segkit.pipeline.config_segments import SEGMENT_KEYS, SegmentSettings, read_segments
from segkit.reporting.i18n import LANGUAGES

#: Top-level keys and what they mean (the README table documents the same).
KEYS = {
    "run_id": "name of the run: output goes to reports/<run_id>/ and data/processed/<run_id>/",
    "language": "report language: en | zh",
    "as_of": "analysis date YYYY-MM-DD; empty = the day after the last purchase",
    "pseudonymize_ids": "show keyed-hash pseudonyms instead of customer ids in per-customer tables",
    "pseudonymize_key": "secret key for the pseudonyms (else $SEGKIT_PSEUDONYM_KEY, else random per run)",
    "inputs": "input files: transactions, customers, survey, needs, risk, holdings, complaints (each notebook says which it requires)",
    "notebooks": "notebooks to run, in order (names in notebooks/ without extension)",
    "cleaning": "cleaning options (segkit.prep.CleaningOptions), applied once for the whole run",
    "engine": "where cleaning and aggregation run: auto | pandas | duckdb | spark (default auto)",
    "spark_master": "Spark master URL for engine: spark (default local[2])",
    "churn_days": "churn threshold in days for every report; empty = the 90th percentile of purchase gaps",
    "migration_days": "the migration compares segments with this many days before as_of (default 90)",
    "lifetime_value": "lifetime-value and churn models: {time_unit: W, horizon_months: 12, monthly_discount_rate: 0.01, calibration_end: '', churn_window_days: 90, at_risk_top_share: 0.2, at_risk_min_risk: 0.5}",
    "value_clusters": "data-driven value segments: {method: kmeans | gmm | none, k: 0 (= chosen), k_min: 3, k_max: 8}",
    "segments": "your own class schemes: {tier_cuts: [0.8, 0.95], tier_names: [...], rules: file.yaml, strategy: file.yaml}",
    "parameters": "extra parameters per notebook: {notebook: {parameter: value}}",
    "base_dir": "folder relative paths are resolved against (default: the current directory)",
    "notebooks_dir": "folder holding the notebooks (default: <base_dir>/notebooks)",
    "reports_dir": "root of the report folders (default: <base_dir>/reports)",
    "processed_dir": "root of the processed-data folders (default: <base_dir>/data/processed)",
    "kernel": "Jupyter kernel that executes the notebooks (default: python3)",
    "cell_timeout": "seconds one notebook cell may run before the run fails (default: 1800)",
}
#: Where cleaning and aggregation run (`segkit.pipeline.prepare.choose_engine`).
ENGINES = ("auto", "pandas", "duckdb", "spark")
#: Settings that hold for every report of a run alike: a top-level key, never a notebook parameter.
RUN_WIDE = ("as_of", "churn_days", "migration_days", "cleaning_options", "engine", "lifetime_value", "value_clusters", "segments")
#: The lifetime-value settings and their defaults (`segkit.models.lifetime_value.fit_lifetime_value`).
LIFETIME_VALUE = {
    "time_unit": "W",
    "horizon_months": 12,
    "monthly_discount_rate": 0.01,
    "calibration_end": "",
    "churn_window_days": 90,
    "at_risk_top_share": 0.2,
    "at_risk_min_risk": 0.5,
}
#: The value-cluster settings and their defaults (`segkit.models.ValueClusters`; method none = off).
VALUE_CLUSTERS = {"method": "kmeans", "k": 0, "k_min": 3, "k_max": 8}
#: Folder names a run id may not take (they are used by the pipeline itself).
RESERVED_RUN_IDS = ("failed",)
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class _TextDatesLoader(UniqueKeyLoader):
    """Safe loader that leaves dates as text (a bad date reaches our message, not a YAML traceback)
    and refuses a key given twice."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration; ``raw`` keeps the YAML as written (for the manifest)."""

    source: Path
    run_id: str
    language: str
    as_of: date | None
    pseudonymize_ids: bool
    inputs: dict[str, InputFile]
    notebooks: tuple[str, ...]
    notebook_files: dict[str, Path]
    cleaning: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    notebooks_dir: Path
    reports_dir: Path
    processed_dir: Path
    kernel: str
    cell_timeout: int
    raw: dict[str, Any]
    engine: str = "auto"
    spark_master: str = "local[2]"
    churn_days: int | None = None
    migration_days: int = 90
    lifetime_value: dict[str, Any] = field(default_factory=lambda: dict(LIFETIME_VALUE))
    value_clusters: dict[str, Any] = field(default_factory=lambda: dict(VALUE_CLUSTERS))
    segments: SegmentSettings = field(default_factory=SegmentSettings)
    only: tuple[str, ...] = ()  # --only: a partial rerun keeps the other notebooks' published pages
    pseudonymize_key: str | None = field(default=None, repr=False)


def available_notebooks(folder: Path) -> dict[str, Path]:
    """Notebook name → file in `folder`: the ``.ipynb`` when present, else the jupytext ``.py``."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.py")) + sorted(folder.glob("*.ipynb")):
        if re.match(r"^\d\d-", path.stem):
            found[path.stem] = path  # .ipynb sorts after .py and wins
    return dict(sorted(found.items()))


def load_config(
    path: str | Path, *, run_id: str | None = None, language: str | None = None, only: Sequence[str] | None = None
) -> RunConfig:
    """Read and check a run config; `run_id`, `language` and `only` override it (command-line flags)."""
    source = Path(path)
    name = source.name
    if not source.is_file():
        raise InputError(f"{source}: config file not found")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: the config is not UTF-8 text; save it as UTF-8") from None
    raw = parse_yaml(text, source=name, loader=_TextDatesLoader) or {}
    if not isinstance(raw, dict):
        raise InputError(f"{name}: expected a mapping of keys (run_id, language, inputs, ...), got {type(raw).__name__}")
    no_unknown(raw, KEYS, where=name)

    base = Path(raw.get("base_dir") or ".").expanduser()
    base = (base if base.is_absolute() else Path.cwd() / base).resolve()

    def folder(key: str, default: str) -> Path:
        value = Path(str(raw.get(key) or default)).expanduser()
        return (value if value.is_absolute() else base / value).resolve()

    chosen_id = str(run_id or raw.get("run_id") or "")
    if not _RUN_ID.match(chosen_id) or chosen_id in RESERVED_RUN_IDS:
        raise InputError(
            f"{name}: run_id {chosen_id!r} is not usable as a folder name; use letters, digits, '.', '_' or '-' "
            f"(up to 80, not {', '.join(RESERVED_RUN_IDS)})"
        )
    chosen_language = language or raw.get("language") or "en"
    if chosen_language not in LANGUAGES:
        raise InputError(f"{name}: language {chosen_language!r} is not supported; use one of {', '.join(LANGUAGES)}")

    inputs = read_inputs(raw.get("inputs"), base=base, where=name)
    notebooks_dir = folder("notebooks_dir", "notebooks")
    files = available_notebooks(notebooks_dir) if notebooks_dir.is_dir() else {}
    wanted = tuple(only) if only else notebook_list(raw, files, where=name)
    if not wanted:
        raise InputError(f"{name}: no notebooks to run; list them under 'notebooks' (found none in {notebooks_dir})")
    for notebook in wanted:
        if notebook not in files:
            raise InputError(
                f"{name}: unknown notebook {notebook!r}{hint(notebook, files)}; {notebooks_dir} has {', '.join(files) or 'none'}"
            )

    cleaning = raw.get("cleaning") or {}
    if not isinstance(cleaning, dict):
        raise InputError(f"{name}: 'cleaning' must be a mapping of cleaning options")
    from segkit.prep.options import CleaningOptions

    try:
        CleaningOptions.from_mapping(cleaning)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None
    parameters = raw.get("parameters") or {}
    if not isinstance(parameters, dict) or not all(isinstance(v, dict) for v in parameters.values()):
        raise InputError(f"{name}: 'parameters' must map a notebook name to a mapping of parameters")
    for notebook in parameters:
        if notebook not in files:
            raise InputError(f"{name}: parameters for unknown notebook {notebook!r}{hint(notebook, files)}")
    pseudonymize = raw.get("pseudonymize_ids", False)
    if not isinstance(pseudonymize, bool):
        raise InputError(f"{name}: pseudonymize_ids must be true or false, got {pseudonymize!r}")
    timeout = positive_int(raw.get("cell_timeout", 1800), key="cell_timeout", unit="seconds", where=name)

    engine = str(raw.get("engine") or "auto")
    if engine not in ENGINES:
        raise InputError(f"{name}: engine {engine!r} is not one of {', '.join(ENGINES)}")
    churn_days = raw.get("churn_days")
    if churn_days in ("", None):
        churn_days = None
    else:
        churn_days = positive_int(churn_days, key="churn_days", unit="days", where=name)
    migration_days = positive_int(raw.get("migration_days", 90), key="migration_days", unit="days", where=name)
    lifetime_value = _lifetime_value(raw.get("lifetime_value"), where=name)
    value_clusters = _value_clusters(raw.get("value_clusters"), where=name)
    segments = read_segments(raw.get("segments"), folder=source.resolve().parent, where=name)
    for notebook, values in parameters.items():
        for key in RUN_WIDE:
            if key in values:
                raise InputError(
                    f"{name}: parameters.{notebook}.{key}: {key} applies to every report of a run; "
                    f"set it at the top level of the config instead ({key}: {values[key]!r})"
                )

    reports_dir, processed_dir = folder("reports_dir", "reports"), folder("processed_dir", "data/processed")
    separate_outputs(reports_dir, processed_dir, run_id=chosen_id, inputs=inputs, where=name)
    return RunConfig(
        source=source.resolve(),
        run_id=chosen_id,
        language=chosen_language,
        as_of=_as_of(raw.get("as_of"), where=name),
        pseudonymize_ids=pseudonymize,
        inputs=inputs,
        notebooks=wanted,
        notebook_files={n: files[n] for n in wanted},
        cleaning=dict(cleaning),
        parameters={k: dict(v) for k, v in parameters.items()},
        notebooks_dir=notebooks_dir,
        reports_dir=reports_dir,
        processed_dir=processed_dir,
        kernel=str(raw.get("kernel") or "python3"),
        cell_timeout=timeout,
        raw=raw,
        pseudonymize_key=str(raw["pseudonymize_key"]) if raw.get("pseudonymize_key") else None,
        engine=engine,
        spark_master=str(raw.get("spark_master") or "local[2]"),
        churn_days=churn_days,
        migration_days=migration_days,
        lifetime_value=lifetime_value,
        value_clusters=value_clusters,
        segments=segments,
        only=tuple(only or ()),
    )


def _value_clusters(section: object, *, where: str) -> dict[str, Any]:
    if section in (None, ""):
        return dict(VALUE_CLUSTERS)
    if not isinstance(section, dict):
        raise InputError(f"{where}: value_clusters must be a mapping such as {{method: kmeans, k_max: 8}}")
    no_unknown(section, VALUE_CLUSTERS, where=f"{where}: value_clusters")
    out = {**VALUE_CLUSTERS, **section}
    if out["method"] not in ("kmeans", "gmm", "none"):
        raise InputError(f"{where}: value_clusters.method must be kmeans, gmm or none, got {out['method']!r}")
    for key in ("k", "k_min", "k_max"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or not (value == 0 and key == "k" or 2 <= value <= 20):
            allowed = "0 (chosen from the data) or 2 to 20" if key == "k" else "from 2 to 20"
            raise InputError(f"{where}: value_clusters.{key} must be a whole number {allowed}, got {value!r}")
    if out["k_min"] > out["k_max"]:
        raise InputError(f"{where}: value_clusters.k_min ({out['k_min']}) is above k_max ({out['k_max']})")
    return out


def _lifetime_value(section: object, *, where: str) -> dict[str, Any]:
    if section in (None, ""):
        return dict(LIFETIME_VALUE)
    if not isinstance(section, dict):
        raise InputError(f"{where}: lifetime_value must be a mapping such as {{time_unit: W, horizon_months: 12}}")
    no_unknown(section, LIFETIME_VALUE, where=f"{where}: lifetime_value")
    out = {**LIFETIME_VALUE, **section}
    if out["time_unit"] not in ("D", "W", "M"):
        raise InputError(f"{where}: lifetime_value.time_unit must be D, W or M, got {out['time_unit']!r}")
    months = out["horizon_months"]
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise InputError(f"{where}: lifetime_value.horizon_months must be a whole number from 1 to 120, got {months!r}")
    rate = out["monthly_discount_rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
        raise InputError(f"{where}: lifetime_value.monthly_discount_rate must be a number from 0 to below 1, got {rate!r}")
    window = out["churn_window_days"]
    if window in (None, 0, False):
        out["churn_window_days"] = None
    elif isinstance(window, bool) or not isinstance(window, int) or not 7 <= window <= 730:
        raise InputError(
            f"{where}: lifetime_value.churn_window_days must be a whole number of days from 7 to 730, got {window!r}"
        )
    for key, low in (("at_risk_top_share", "above 0"), ("at_risk_min_risk", "0")):
        value = out[key]
        fits = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (0 < value <= 1 if low == "above 0" else 0 <= value <= 1)
        )
        if not fits:
            raise InputError(f"{where}: lifetime_value.{key} must be a number from {low} to 1, got {value!r}")
    end = out["calibration_end"]
    try:
        out["calibration_end"] = "" if end in (None, "") else date.fromisoformat(str(end)).isoformat()
    except ValueError:
        raise InputError(f"{where}: lifetime_value.calibration_end {end!r} is not a date; write it as YYYY-MM-DD") from None
    return out


def _as_of(value: object, *, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: as_of {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2011-12-10)") from None


__all__ = ["INPUTS", "INPUT_KEYS", "SEGMENT_KEYS", "InputFile", "RunConfig", "SegmentSettings", "load_config"]
