"""Cleaning rules and the audit that accounts for every removed row.

The rules run in a fixed order and a row is counted once, by the first rule that removes it, so
the audit reconciles exactly: raw rows = kept rows + the rows removed by each rule. Every rule is
a narwhals expression, so the same code runs on a pandas DataFrame, a DuckDB relation or a Spark
DataFrame; on DuckDB and Spark the clean table stays lazy and only the small audit is collected
(on DuckDB also the few lines that may be copies or taken back, see `_flag_rules_by_hash`).

Rules, in order (see `CleaningOptions` for the switches and the defaults):

1. ``missing_customer_id``: no customer id, so the line cannot be attributed to anyone.
2. ``non_product``: postage, fees, discounts, manual adjustments and vouchers
   (`NON_PRODUCT_CODES`, plus a regex). First among the money rules, so a discount line (``D``,
   quantity -1) or a postage refund on a C-invoice is counted as what it is, not as a return or
   a cancellation of goods.
3. ``cancellations``: order ids starting with ``C`` (UCI convention). With
   ``"drop_with_originals"`` (default) each cancellation also removes the sale it cancels.
4. ``returns``: negative quantity on a line that is not a cancellation invoice.
5. ``non_positive``: zero or missing quantity, zero/negative/missing unit price (free samples,
   bad-debt adjustments): not a purchase. Negative quantities are left to rules 3 and 4, so that
   switching those off really keeps cancellations and returns (net revenue).
6. ``duplicates``: exact copies of an earlier line (every column equal); the first copy is kept.
7. ``date_window``: outside ``date_start`` .. ``date_end`` (off unless a bound is given).
8. ``outliers``: quantity above a fixed cap or a quantile of the lines still kept (off by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.files import write_json_atomic
from segkit.core.schema import AMOUNT, QUANTITY, TRANSACTION_COLUMNS
from segkit.prep.options import RULES, CleaningOptions
from segkit.prep.rules import _CODE, _flag_rules, _outlier_threshold, _stored


@dataclass(frozen=True)
class CleaningResult:
    """The clean table (same kind as the input: lazy for DuckDB and Spark) and its audit.

    ``audit`` has one row per rule in `RULES` order: ``rule``, ``enabled``, ``rows_removed``,
    ``revenue_removed`` (sum of signed ``amount``), and the running ``rows_before`` /
    ``rows_after`` (first ``rows_before`` = ``raw_rows``, last ``rows_after`` = ``kept_rows``).
    ``outlier_threshold`` is the quantity cap actually applied (None when the rule is off).

    Attributes
    ----------
    clean : Any
        The kept lines, the same kind of table as the input.
    audit : pandas.DataFrame
        One row per rule, columns as above.
    raw_rows, kept_rows : int
        Lines before and after cleaning.
    raw_revenue, kept_revenue : float
        Sum of ``amount`` before and after cleaning (currency).
    options : CleaningOptions
        The options applied.
    outlier_threshold : float or None
        The quantity cap applied by the outlier rule.
    """

    clean: Any
    audit: pd.DataFrame
    raw_rows: int
    kept_rows: int
    raw_revenue: float
    kept_revenue: float
    options: CleaningOptions = field(default_factory=CleaningOptions)
    outlier_threshold: float | None = None


def clean_transactions(frame: Any, options: CleaningOptions | Mapping[str, Any] | None = None) -> CleaningResult:
    """Apply the cleaning rules to a canonical transaction table and account for every removed row.

    ``frame`` is a pandas DataFrame, DuckDB relation or Spark DataFrame with the canonical columns
    (`segkit.core.schema.TRANSACTION_COLUMNS`). Each rule is a boolean flag; the first flag that is true
    labels the row, one group-by of the labels gives the audit and one filter the clean table,
    so the work is a single lazy pass on every backend.

    Parameters
    ----------
    frame : Any
        Canonical transaction lines: pandas DataFrame, DuckDB relation or Spark DataFrame.
    options : CleaningOptions or mapping, optional
        The rules' switches; a mapping (the ``cleaning`` block of a config) goes through
        `CleaningOptions.from_mapping`. Default: every default of `CleaningOptions`.

    Returns
    -------
    CleaningResult
        The clean table (a pandas input keeps its row order, with a new index) and the audit.

    Raises
    ------
    InputError
        When a canonical column is missing, or `options` has an unknown key or an invalid value.
    """
    opts = options if isinstance(options, CleaningOptions) else CleaningOptions.from_mapping(options)
    source = nw.from_native(frame)
    columns = source.collect_schema().names()
    missing = [c for c in TRANSACTION_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"transactions: missing canonical column(s) {', '.join(map(repr, missing))}; load the file with segkit.intake first"
        )
    eager = isinstance(source, nw.DataFrame)
    # In memory the row order is the user's and is kept; lazy backends promise no order anyway.
    lf = source.with_row_index("_sk_row").lazy() if eager else source

    labelled = _flag_rules(lf, opts, columns)
    if labelled.implementation.is_duckdb():
        labelled = _stored(labelled)
    threshold = _outlier_threshold(labelled, opts)
    if threshold is not None:
        labelled = labelled.with_columns(
            nw.when((nw.col(_CODE) == 0) & (nw.col(QUANTITY) > threshold))
            .then(nw.lit(len(RULES)))
            .otherwise(nw.col(_CODE))
            .alias(_CODE)
        )

    counts = (
        labelled.group_by(_CODE)
        .agg(nw.len().alias("rows"), nw.col(AMOUNT).sum().alias("revenue"))
        .collect(backend="pandas")
        .to_native()
        .set_index(_CODE)
    )
    raw = source.lazy().select(nw.len().alias("n"), nw.col(AMOUNT).sum().alias("revenue")).collect(backend="pandas").to_native()
    raw_rows, raw_revenue = int(raw["n"].iloc[0]), float(raw["revenue"].fillna(0).iloc[0])
    audit = _audit_table(counts, opts, raw_rows, threshold)
    kept_rows = int(counts["rows"].get(0, 0))
    assert raw_rows == kept_rows + int(audit["rows_removed"].sum()), "cleaning audit does not reconcile"

    clean = labelled.filter(nw.col(_CODE) == 0)
    if eager:
        native = clean.sort("_sk_row").select(columns).collect(backend="pandas").to_native().reset_index(drop=True)
    else:
        native = clean.select(columns).to_native()
    return CleaningResult(
        clean=native,
        audit=audit,
        raw_rows=raw_rows,
        kept_rows=kept_rows,
        raw_revenue=raw_revenue,
        kept_revenue=float(counts["revenue"].get(0, 0.0) if kept_rows else 0.0),
        options=opts,
        outlier_threshold=threshold,
    )


def write_audit_json(result: CleaningResult, path: str | Path) -> Path:
    """Write the audit, the totals and the options used, so a reviewer can redo every number.

    Parameters
    ----------
    result : CleaningResult
        The result of `clean_transactions`.
    path : str or pathlib.Path
        The JSON file, written atomically; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file. It holds raw_rows, kept_rows, raw_revenue and kept_revenue (rounded to 6
        decimals), the audit ``rules``, ``outlier_threshold`` and ``options``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [
        {
            "rule": r.rule,
            "enabled": bool(r.enabled),
            "rows_removed": int(r.rows_removed),
            "revenue_removed": round(float(r.revenue_removed), 6),
            "rows_before": int(r.rows_before),
            "rows_after": int(r.rows_after),
        }
        for r in result.audit.itertuples(index=False)
    ]
    payload = {
        "raw_rows": result.raw_rows,
        "kept_rows": result.kept_rows,
        "raw_revenue": round(result.raw_revenue, 6),
        "kept_revenue": round(result.kept_revenue, 6),
        "rules": records,
        "outlier_threshold": result.outlier_threshold,
        "options": result.options.to_dict(),
    }
    return write_json_atomic(payload, path)


def _audit_table(counts: pd.DataFrame, opts: CleaningOptions, raw_rows: int, threshold: float | None) -> pd.DataFrame:
    enabled = {
        "missing_customer_id": opts.missing_customer_id,
        "cancellations": opts.cancellations != "keep",
        "returns": opts.returns,
        "non_positive": opts.non_positive,
        "non_product": opts.non_product,
        "duplicates": opts.duplicates,
        "date_window": bool(opts.date_start or opts.date_end),
        "outliers": threshold is not None,
    }
    rows = [int(counts["rows"].get(i, 0)) for i in range(1, len(RULES) + 1)]
    revenue = [float(counts["revenue"].get(i, 0.0)) if rows[i - 1] else 0.0 for i in range(1, len(RULES) + 1)]
    after = [raw_rows - sum(rows[: i + 1]) for i in range(len(RULES))]
    return pd.DataFrame(
        {
            "rule": pd.Series(RULES, dtype="str"),
            "enabled": [enabled[r] for r in RULES],
            "rows_removed": pd.Series(rows, dtype="int64"),
            "revenue_removed": pd.Series(revenue, dtype="float64"),
            "rows_before": pd.Series([raw_rows, *after[:-1]], dtype="int64"),
            "rows_after": pd.Series(after, dtype="int64"),
        }
    )
