"""CRM export: one row per customer with features, scores, every map's segment and the lifecycle stage.

Written as Parquet (types kept), CSV in UTF-8 with a BOM so that Excel shows Chinese labels, and an
Excel workbook whose ids and codes are text cells (``000123`` stays ``000123``) under two header
rows (the column names in the report language, then the column keys). Every file is written
atomically: a reader sees the old file or the complete new one. A pseudonymised run also writes
``id_map.csv`` (pseudonym -> customer id, mode 0600), which no report links to. Column
units: ``recency``, ``tenure`` and ``mean_days_between`` in days; ``frequency`` in orders (or
purchase days, see the run parameters); ``monetary`` and ``revenue`` in the currency of the data;
scores 1..k with k = best; ``p_alive`` a probability; ``expected_purchases_<H>M`` purchase days
expected in the next H months (30.4375 days each) and ``clv_<H>M`` their discounted value in the
currency of the data, from the run's BG/NBD and Gamma-Gamma models (``models.json``); ``churn_risk``
the probability of no purchase in the churn window, from the churn model. No names,
phones or e-mails are ever exported.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from segkit.core import schema
from segkit.core.files import XLSX_MAX_ROWS, write_csv_atomic, write_parquet_atomic, write_private_csv_atomic, write_xlsx_atomic
from segkit.core.privacy import pseudonymize
from segkit.reporting.export_columns import export_column_labels
from segkit.reporting.names import segment_labels, stage_names
from segkit.value.lifecycle import Lifecycle
from segkit.value.segmentation import Segmentation

#: Per-customer columns exported, in order (those present are kept).
FEATURE_COLUMNS = (
    schema.FIRST_PURCHASE,
    schema.LAST_PURCHASE,
    schema.ORDERS,
    schema.REVENUE,
    "recency",
    "frequency",
    "monetary",
    "tenure",
    "mean_days_between",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
    "rfm_score",
)


#: Export columns that hold counts (days, orders) or scores.
WHOLE_COLUMNS = ("orders", "recency", "frequency", "tenure", "r_score", "f_score", "m_score", "rfm_score")


def customer_segments(
    segmentation: Segmentation,
    lifecycle: Lifecycle | None = None,
    *,
    language: str = "en",
    pseudonymize_ids: bool = False,
    key: str | None = None,
    lifetime_value: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The export table: features, scores, ``<map>`` key and ``<map>_label`` per map, lifecycle stage.

    Customers who only signed up (lifecycle stage "potential") are included with empty features.
    With `lifetime_value` (`PreparedRun.lifetime_value`) the export gains ``p_alive``,
    ``expected_purchases_<H>M`` and ``clv_<H>M``.
    With `pseudonymize_ids` the id is replaced by a keyed hash (`segkit.core.privacy.pseudonymize`).
    """
    table = segmentation.table
    out = table[[schema.CUSTOMER_ID, *[c for c in FEATURE_COLUMNS if c in table.columns]]]
    # Counts and scores are whole numbers; nullable so that sign-ups without purchases stay empty.
    out = out.astype({c: "Int64" for c in WHOLE_COLUMNS if c in out.columns and (out[c].dropna() % 1 == 0).all()})
    for name, segmap in segmentation.maps.items():
        out = out.assign(
            **{name: segmap.table["segment"].to_numpy(), f"{name}_label": segment_labels(segmap, language).to_numpy()}
        )
        if "code" in segmap.table:  # the 8-class code (R F M, 1 = above the reference), not the 1..5 rfm_code
            out = out.assign(**{f"{name}_code": segmap.table["code"].to_numpy()})
    if lifecycle is not None:
        names = stage_names(language)
        stages = lifecycle.table[[schema.CUSTOMER_ID, "stage"]].rename(columns={"stage": "lifecycle_stage"})
        out = out.merge(
            stages.assign(lifecycle_label=stages["lifecycle_stage"].map(names)), on=schema.CUSTOMER_ID, how="outer", sort=False
        )
    if lifetime_value is not None:  # p_alive, expected_purchases_<H>M, clv_<H>M of the run's fitted models
        wanted = [
            c for c in lifetime_value.columns if c in ("p_alive", "churn_risk") or c.startswith(("expected_purchases_", "clv_"))
        ]
        out = out.merge(lifetime_value[[schema.CUSTOMER_ID, *wanted]], on=schema.CUSTOMER_ID, how="left", sort=False)
    if pseudonymize_ids:
        out = out.assign(**{schema.CUSTOMER_ID: pseudonymize(out[schema.CUSTOMER_ID], key=key)})
    return out.reset_index(drop=True)


#: The export's file names in the run's processed folder: Parquet, CSV and the Excel workbook.
EXPORT_FILES = ("customer_segments.parquet", "customer_segments.csv", "customer_segments.xlsx")
#: The owner's key from pseudonym back to customer id, written only when ids are pseudonymised.
ID_MAP_FILE = "id_map.csv"


def write_parquet_and_csv(frame: pd.DataFrame, out_dir: str | os.PathLike, names: tuple[str, str]) -> tuple[Path, Path]:
    """Write `frame` as ``names[0]`` (Parquet) and ``names[1]`` (CSV, UTF-8 BOM) in `out_dir`, atomically."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return write_parquet_atomic(frame, folder / names[0]), write_csv_atomic(frame, folder / names[1])


def write_customer_segments(frame: pd.DataFrame, out_dir: str | os.PathLike, *, language: str = "en") -> tuple[Path, ...]:
    """Write ``customer_segments.parquet``, ``.csv`` (UTF-8 BOM) and ``.xlsx`` atomically.

    The workbook has two frozen header rows, the column names in `language` and the column keys
    (the CSV's header), and writes ids, codes and every other text column as text cells, so that
    ``000123`` and ``007`` stay as they are in Excel. A table longer than one sheet gets no workbook.
    """
    written = write_parquet_and_csv(frame, out_dir, (EXPORT_FILES[0], EXPORT_FILES[1]))
    if len(frame) + 2 > XLSX_MAX_ROWS:
        return written
    keys = [str(c) for c in frame.columns]
    workbook = write_xlsx_atomic(
        frame,
        Path(out_dir) / EXPORT_FILES[2],
        headers=[export_column_labels(keys, language), keys],
        text_columns=[c for c in keys if c == schema.CUSTOMER_ID or c.endswith("_code")],
        sheet="customer_segments",
    )
    return (*written, workbook)


def pseudonymized_export(table: pd.DataFrame, *, key: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`table` with pseudonyms for ids, and the id map (``pseudonym``, ``customer_id``) to join them back.

    The same keyed hash as `customer_segments` with ``pseudonymize_ids`` (`segkit.core.privacy.pseudonymize`).
    """
    ids = table[schema.CUSTOMER_ID].astype("str")
    pseudonyms = pseudonymize(ids, key=key)
    id_map = pd.DataFrame({"pseudonym": pseudonyms, schema.CUSTOMER_ID: ids}).drop_duplicates().reset_index(drop=True)
    return table.assign(**{schema.CUSTOMER_ID: pseudonyms}), id_map


def write_id_map(id_map: pd.DataFrame, out_dir: str | os.PathLike) -> Path:
    """Write ``id_map.csv`` (UTF-8 BOM, ids as text) readable by its owner only (mode 0600), atomically.

    The map turns the export's pseudonyms back into customer ids; no report links to it.
    """
    return write_private_csv_atomic(id_map[["pseudonym", schema.CUSTOMER_ID]], Path(out_dir) / ID_MAP_FILE)


def write_crm_export(
    table: pd.DataFrame, out_dir: str | os.PathLike, *, language: str = "en", pseudonymize_ids: bool = False
) -> pd.DataFrame:
    """Write the run's CRM export (real ids in `table`); with `pseudonymize_ids` first the id map.

    Returns the table as written (pseudonymised when asked), for the lists written beside it.
    """
    if pseudonymize_ids:
        table, id_map = pseudonymized_export(table)
        write_id_map(id_map, out_dir)
    write_customer_segments(table, out_dir, language=language)
    return table
