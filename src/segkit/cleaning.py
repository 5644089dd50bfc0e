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

import dataclasses
import json
import re
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from segkit.errors import InputError
from segkit.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE, ORDER_ID, PRODUCT_ID, QUANTITY, TRANSACTION_COLUMNS, UNIT_PRICE

#: Rule names in the order they are applied; the audit has one row per rule in this order.
RULES = (
    "missing_customer_id",
    "non_product",
    "cancellations",
    "returns",
    "non_positive",
    "duplicates",
    "date_window",
    "outliers",
)

#: Stock codes that are not products in the UCI Online Retail files (and in the demo data):
#: postage (POST, DOT = dotcom postage, C2 = carriage), discounts (D), manual adjustments
#: (M, m, ADJUST, ADJUST2), bad-debt adjustment (B), samples (S), bank and marketplace fees
#: (BANK CHARGES, AMAZONFEE), charity commission (CRUK), the 0.001 placeholder line "PADS TO
#: MATCH ALL CUSHIONS" (PADS) and test lines (TEST001, TEST002). "C3" is not in either UCI file
#: and is left out on purpose. Codes such as DCGS0003 are real products (party bags) and stay.
NON_PRODUCT_CODES = (
    "POST",
    "DOT",
    "C2",
    "D",
    "M",
    "m",
    "ADJUST",
    "ADJUST2",
    "B",
    "S",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "TEST001",
    "TEST002",
)
#: Gift vouchers in Online Retail II (gift_0001_10, gift_0001_20, ...): money, not goods.
NON_PRODUCT_REGEX = r"^gift_\d+_\d+$"

CANCELLATION_MODES = ("drop_with_originals", "drop_cancellations", "keep")

_CODE = "_sk_rule"  # 0 = kept, i = removed by RULES[i - 1]


@dataclass(frozen=True)
class CleaningOptions:
    """Switches and parameters of the cleaning rules; the defaults are a careful analyst's.

    ``cancellations`` is ``"drop_with_originals"`` (default), ``"drop_cancellations"`` (keep the
    sale, drop only the C-line: revenue then counts the cancelled goods) or ``"keep"``. With
    originals, each cancellation removes one earlier sale with the same customer, product,
    absolute quantity and unit price: the latest one not already taken by another cancellation
    (last in, first out, ties broken by order id). A cancellation with no such sale (e.g. the sale
    predates the file) removes only itself. Copies caught by the duplicates rule take no part.

    ``date_start`` / ``date_end`` are inclusive; a date without a time (``"2011-12-31"``) means
    the whole day. ``outlier_cap`` (a quantity) wins over ``outlier_quantile``, which is taken
    over the lines that survive rules 1-7.
    """

    missing_customer_id: bool = True
    cancellations: str = "drop_with_originals"
    cancellation_prefix: str = "C"
    returns: bool = True
    non_positive: bool = True
    non_product: bool = True
    non_product_codes: tuple[str, ...] = NON_PRODUCT_CODES
    non_product_regex: str | None = NON_PRODUCT_REGEX
    duplicates: bool = True
    date_start: str | None = None
    date_end: str | None = None
    outliers: bool = False
    outlier_quantile: float = 0.999
    outlier_cap: float | None = None

    def __post_init__(self) -> None:
        if self.cancellations not in CANCELLATION_MODES:
            raise InputError(
                f"cleaning option 'cancellations': {self.cancellations!r} is not one of {', '.join(CANCELLATION_MODES)}"
            )
        if not self.cancellation_prefix:
            raise InputError("cleaning option 'cancellation_prefix': must not be empty")
        object.__setattr__(self, "non_product_codes", tuple(str(c) for c in self.non_product_codes))
        if self.non_product_regex is not None:
            try:
                re.compile(self.non_product_regex)
            except re.error as exc:
                raise InputError(f"cleaning option 'non_product_regex': {self.non_product_regex!r} is not a regex ({exc})") from None
        for name in ("date_start", "date_end"):
            _parse_bound(name, getattr(self, name), end=name == "date_end")
        if self.date_start and self.date_end and _parse_bound("date_start", self.date_start, end=False) > _parse_bound(
            "date_end", self.date_end, end=True
        ):
            raise InputError(f"cleaning options: date_start {self.date_start!r} is after date_end {self.date_end!r}")
        if not 0 < self.outlier_quantile < 1:
            raise InputError(f"cleaning option 'outlier_quantile': {self.outlier_quantile!r} is not between 0 and 1")
        if self.outlier_cap is not None and not self.outlier_cap > 0:
            raise InputError(f"cleaning option 'outlier_cap': {self.outlier_cap!r} is not a positive quantity")

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> CleaningOptions:
        """Build options from a config mapping (YAML), refusing unknown keys so typos surface."""
        options = dict(options or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputError(
                f"cleaning options: unknown key(s) {', '.join(map(repr, unknown))}; known keys are {', '.join(sorted(known))}"
            )
        if "non_product_codes" in options:
            codes = options["non_product_codes"]
            options["non_product_codes"] = (codes,) if isinstance(codes, str) else tuple(codes)
        for key in ("date_start", "date_end"):
            if options.get(key) is not None:
                options[key] = str(options[key])
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit JSON, so a run can be reproduced from its audit."""
        values = dataclasses.asdict(self)
        values["non_product_codes"] = list(self.non_product_codes)
        return values


@dataclass(frozen=True)
class CleaningResult:
    """The clean table (same kind as the input: lazy for DuckDB and Spark) and its audit.

    ``audit`` has one row per rule in `RULES` order: ``rule``, ``enabled``, ``rows_removed``,
    ``revenue_removed`` (sum of signed ``amount``), and the running ``rows_before`` /
    ``rows_after`` (first ``rows_before`` = ``raw_rows``, last ``rows_after`` = ``kept_rows``).
    ``outlier_threshold`` is the quantity cap actually applied (None when the rule is off).
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
    (`segkit.schema.TRANSACTION_COLUMNS`). Each rule is a boolean flag; the first flag that is true
    labels the row, one group-by of the labels gives the audit and one filter the clean table,
    so the work is a single lazy pass on every backend.
    """
    opts = options if isinstance(options, CleaningOptions) else CleaningOptions.from_mapping(options)
    source = nw.from_native(frame)
    columns = source.collect_schema().names()
    missing = [c for c in TRANSACTION_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"transactions: missing canonical column(s) {', '.join(map(repr, missing))}; load the file with segkit.io first")
    eager = isinstance(source, nw.DataFrame)
    # In memory the row order is the user's and is kept; lazy backends promise no order anyway.
    lf = source.with_row_index("_sk_row").lazy() if eager else source

    labelled = _flag_rules(lf, opts, columns)
    if labelled.implementation.is_duckdb():
        labelled = _stored(labelled)
    threshold = _outlier_threshold(labelled, opts)
    if threshold is not None:
        labelled = labelled.with_columns(
            nw.when((nw.col(_CODE) == 0) & (nw.col(QUANTITY) > threshold)).then(nw.lit(len(RULES))).otherwise(nw.col(_CODE)).alias(_CODE)
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
    """Write the audit, the totals and the options used, so a reviewer can redo every number."""
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
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def _flag_rules(lf: nw.LazyFrame, opts: CleaningOptions, columns: list[str]) -> nw.LazyFrame:
    """Add the rule code (``_sk_rule``) of every line, null-safe."""
    quantity, customer = nw.col(QUANTITY), nw.col(CUSTOMER_ID)
    lf = lf.with_columns(
        _sk_is_cancel=nw.col(ORDER_ID).str.starts_with(opts.cancellation_prefix).fill_null(False),
        _sk_no_customer=customer.is_null() | _blank(customer, lf.implementation).fill_null(True),
        _sk_abs_qty=quantity.abs(),
        _sk_one=nw.lit(1),
    )
    if lf.implementation.is_duckdb():
        return _flag_rules_by_hash(lf, opts, columns)
    return _label(lf, opts, columns)


def _label(lf: nw.LazyFrame, opts: CleaningOptions, columns: list[str]) -> nw.LazyFrame:
    """Mark copies and taken-back sales with windows, then number the first rule that applies."""
    if opts.cancellations == "drop_with_originals":
        lf = _mark_cancelled_originals(lf, columns)
    else:
        lf = _mark_duplicates(lf, columns).with_columns(_sk_taken=nw.lit(False))
    return lf.with_columns(_rule_code(opts).alias(_CODE))


def _flag_rules_by_hash(lf: nw.LazyFrame, opts: CleaningOptions, columns: list[str]) -> nw.LazyFrame:
    """`_label` on DuckDB without windows over the whole table.

    The windows (copies: every column; cancellations: the key) sort or partition every line, which
    costs more than the rest of the cleaning together. Only lines that have an identical line or
    share a key with a cancellation can be a copy or be taken back, and equal values hash alike,
    so a group-by of 64-bit hashes finds the lines that may repeat and a filter the keys' hashes
    of the cancellations. Those lines (a few percent: the dirt, plus rare collisions) are held in
    memory and labelled exactly by `_label`; every other line is neither a copy nor taken back.
    """
    listed = ", ".join(_quoted(c) for c in columns)
    key = ", ".join(_quoted(c) for c in (CUSTOMER_ID, PRODUCT_ID, "_sk_abs_qty", UNIT_PRICE))
    hashed = lf.to_native().query("_sk_lines", f"SELECT *, hash({listed}) AS _sk_hash, hash({key}) AS _sk_key_hash FROM _sk_lines")
    marked, special = hashed.set_alias("_sk_lines"), nw.lit(False)
    if opts.duplicates or opts.cancellations == "drop_with_originals":
        repeats = hashed.query("_sk_lines", "SELECT _sk_hash, TRUE AS _sk_repeat FROM _sk_lines GROUP BY _sk_hash HAVING count(*) > 1")
        marked = marked.join(repeats.materialize().set_alias("_sk_repeats"), "_sk_hash", how="left")
        special = ~nw.col("_sk_repeat").is_null()
    if opts.cancellations == "drop_with_originals":
        cancellations = nw.from_native(hashed).filter(_matchable() & nw.col("_sk_is_cancel"))
        keys = cancellations.select("_sk_key_hash").unique().with_columns(_sk_cancelled_key=nw.lit(True)).to_native()
        marked = marked.join(keys.materialize().set_alias("_sk_keys"), "_sk_key_hash", how="left")
        special = special | ~nw.col("_sk_cancelled_key").is_null()
    names = lf.collect_schema().names()
    marked_lf = nw.from_native(marked)
    held = nw.from_native(marked_lf.filter(special).select(names).to_native().materialize())
    rest = marked_lf.filter(~special).select(names).with_columns(_sk_duplicate=nw.lit(False), _sk_taken=nw.lit(False))
    return nw.concat(
        [_label(held, opts, columns).select(*names, _CODE), rest.with_columns(_rule_code(opts).alias(_CODE)).select(*names, _CODE)],
        how="vertical",
    )


def _stored(lf: nw.LazyFrame) -> nw.LazyFrame:
    """The labelled lines computed once into a DuckDB table of the relation's own connection.

    The audit, the outlier quantile and every later query of the clean table (the customer
    aggregate) would otherwise each redo the labelling. A table, unlike a materialised result,
    lives in DuckDB's buffer pool and spills to disk beyond the memory limit.
    """
    relation = lf.to_native()
    name = f"_sk_labelled_{uuid.uuid4().hex}"
    relation.create(name)
    return nw.from_native(relation.query("_sk_source", f"SELECT * FROM {name}"))


def _rule_code(opts: CleaningOptions) -> nw.Expr:
    """The rule code from the helper columns and ``_sk_duplicate`` / ``_sk_taken``."""
    off = nw.lit(False)
    quantity, price = nw.col(QUANTITY), nw.col(UNIT_PRICE)
    cancelled = {
        "drop_with_originals": nw.col("_sk_is_cancel") | nw.col("_sk_taken"),
        "drop_cancellations": nw.col("_sk_is_cancel"),
        "keep": off,
    }[opts.cancellations]

    code = nw.col(PRODUCT_ID).str.strip_chars()
    non_product = code.is_in(list(opts.non_product_codes)).fill_null(False)
    if opts.non_product_regex:
        non_product = non_product | code.str.contains(opts.non_product_regex).fill_null(False)

    outside = nw.col(ORDER_DATE).is_null()
    if opts.date_start:
        outside = outside | (nw.col(ORDER_DATE) < nw.lit(_parse_bound("date_start", opts.date_start, end=False)))
    if opts.date_end:
        outside = outside | (nw.col(ORDER_DATE) > nw.lit(_parse_bound("date_end", opts.date_end, end=True)))

    flags = {
        "missing_customer_id": nw.col("_sk_no_customer") if opts.missing_customer_id else off,
        "non_product": non_product if opts.non_product else off,
        "cancellations": cancelled,
        "returns": ((quantity < 0).fill_null(False) & ~nw.col("_sk_is_cancel")) if opts.returns else off,
        # Negative quantities belong to cancellations and returns, so switching those off keeps them.
        "non_positive": (((quantity == 0) | (price <= 0)).fill_null(True) | quantity.is_null() | price.is_null())
        if opts.non_positive
        else off,
        "duplicates": nw.col("_sk_duplicate") if opts.duplicates else off,
        "date_window": outside if (opts.date_start or opts.date_end) else off,
    }
    return _first_rule(list(flags.values()))


def _blank(text: nw.Expr, implementation: nw.Implementation) -> nw.Expr:
    """Whitespace only (or empty). DuckDB trims a set of characters slowly (150 ns a value on
    distinct ids), so there the same test is a match against the same set, `string.whitespace`."""
    if implementation.is_duckdb():
        return text.str.contains(f"^[{string.whitespace}]*$")
    return text.str.strip_chars() == ""


def _matchable() -> nw.Expr:
    """A customer and a complete key (customer, product, |quantity|, price): a line that a cancellation may match."""
    key = [CUSTOMER_ID, PRODUCT_ID, "_sk_abs_qty", UNIT_PRICE]
    return ~nw.col("_sk_no_customer") & nw.all_horizontal(*[~nw.col(c).is_null() for c in key], ignore_nulls=False)


def _mark_duplicates(lf: nw.LazyFrame, columns: list[str]) -> nw.LazyFrame:
    """Flag (``_sk_duplicate``) every copy of a line but the first: number each group of identical lines.

    In pandas the window (a sort over every column) costs eight times pandas' own hash-based
    `DataFrame.duplicated`, which gives the same flags (copies are identical, so which one counts
    as the first does not change what is kept), so pandas uses that.
    """
    if lf.implementation.is_pandas():
        native = lf.to_native()
        return nw.from_native(native.assign(_sk_duplicate=native.duplicated(subset=columns, keep="first"))).lazy()
    return lf.with_columns(_sk_duplicate=nw.col("_sk_one").cum_sum().over(*columns, order_by=ORDER_DATE) > 1)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _mark_cancelled_originals(lf: nw.LazyFrame, columns: list[str]) -> nw.LazyFrame:
    """Flag (``_sk_taken``) the sales that a later cancellation takes back, LIFO, without a loop.

    Within a key (customer, product, |quantity|, unit price), in time order, a sale is +1 and a
    cancellation -1. The running sum reflected at zero, S - min(0, running min of S), is the number
    of sales still open; a cancellation with none open cancels nothing and leaves it at 0. A sale
    is taken back exactly when the open count later drops below its own level: when the minimum
    of the open count from that sale onwards is smaller than the count just after it.

    The ordered windows run only on lines whose key has a cancellation (a semi-join on the few
    cancelled keys); the others cannot be taken back and skip the sorts. Exact copies share a
    key, so each part can flag its own duplicates (copies take no part in the matching).
    """
    key = [CUSTOMER_ID, PRODUCT_ID, "_sk_abs_qty", UNIT_PRICE]
    matchable = _matchable()
    cancelled_keys = lf.filter(matchable & nw.col("_sk_is_cancel")).select(key).unique()

    live = matchable & ~nw.col("_sk_duplicate")
    sale = live & ~nw.col("_sk_is_cancel") & (nw.col(QUANTITY) > 0).fill_null(False)
    # Latest sale first on ties of date: then order id, then every other column, so that
    # every backend picks the same line.
    order = [ORDER_DATE, "_sk_is_cancel", ORDER_ID, *[c for c in columns if c not in (ORDER_DATE, ORDER_ID, *key)]]
    candidates = (
        _mark_duplicates(lf.join(cancelled_keys, on=key, how="semi"), columns)
        .with_columns(
            _sk_sale=sale,
            _sk_step=nw.when(sale).then(nw.lit(1)).when(live & nw.col("_sk_is_cancel")).then(nw.lit(-1)).otherwise(nw.lit(0)),
        )
        .with_columns(_sk_running=nw.col("_sk_step").cum_sum().over(*key, order_by=order))
        .with_columns(_sk_low=nw.col("_sk_running").cum_min().over(*key, order_by=order))
        .with_columns(_sk_open=nw.col("_sk_running") - nw.when(nw.col("_sk_low") < 0).then(nw.col("_sk_low")).otherwise(nw.lit(0)))
        # Only sales and cancellations may lower the later minimum: an exact copy ties with its
        # original in the ordering, and a tie may sort either way when the order is reversed.
        .with_columns(_sk_event_open=nw.when(nw.col("_sk_step") != 0).then(nw.col("_sk_open")))
        .with_columns(_sk_later_low=nw.col("_sk_event_open").cum_min(reverse=True).over(*key, order_by=order))
        .with_columns(_sk_taken=nw.col("_sk_sale") & (nw.col("_sk_later_low") < nw.col("_sk_open")))
    )
    names = [*lf.collect_schema().names(), "_sk_duplicate", "_sk_taken"]
    rest = _mark_duplicates(lf.join(cancelled_keys, on=key, how="anti"), columns).with_columns(_sk_taken=nw.lit(False))
    return nw.concat([candidates.select(names), rest.select(names)], how="vertical")


def _first_rule(flags: list[nw.Expr]) -> nw.Expr:
    """Number of the first rule whose flag is set (0 = kept): counts each row once."""
    chain = nw.when(flags[0]).then(nw.lit(1))
    for number, flag in enumerate(flags[1:], start=2):
        chain = chain.when(flag).then(nw.lit(number))
    return chain.otherwise(nw.lit(0))


def _outlier_threshold(labelled: nw.LazyFrame, opts: CleaningOptions) -> float | None:
    if not opts.outliers:
        return None
    if opts.outlier_cap is not None:
        return float(opts.outlier_cap)
    kept = labelled.filter(nw.col(_CODE) == 0).select(nw.col(QUANTITY).quantile(opts.outlier_quantile, interpolation="linear"))
    value = kept.collect(backend="pandas").to_native().iloc[0, 0]
    return None if pd.isna(value) else float(value)


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


def _parse_bound(name: str, value: str | None, *, end: bool) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"cleaning option {name!r}: {value!r} is not a date (use YYYY-MM-DD)") from None
    if end and len(str(value).strip()) <= 10:  # a bare date: the whole day counts
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return stamp.to_pydatetime()
