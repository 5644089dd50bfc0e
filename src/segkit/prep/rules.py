"""The cleaning rules as narwhals expressions: one rule code per line, on every backend."""

from __future__ import annotations

import string
import uuid

import narwhals as nw
import pandas as pd

from segkit.core.schema import CUSTOMER_ID, ORDER_DATE, ORDER_ID, PRODUCT_ID, QUANTITY, UNIT_PRICE
from segkit.prep.options import CleaningOptions, _parse_bound

_CODE = "_sk_rule"  # 0 = kept, i = removed by RULES[i - 1]


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
    hashed = lf.to_native().query(
        "_sk_lines", f"SELECT *, hash({listed}) AS _sk_hash, hash({key}) AS _sk_key_hash FROM _sk_lines"
    )
    marked, special = hashed.set_alias("_sk_lines"), nw.lit(False)
    if opts.duplicates or opts.cancellations == "drop_with_originals":
        repeats = hashed.query(
            "_sk_lines", "SELECT _sk_hash, TRUE AS _sk_repeat FROM _sk_lines GROUP BY _sk_hash HAVING count(*) > 1"
        )
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
        [
            _label(held, opts, columns).select(*names, _CODE),
            rest.with_columns(_rule_code(opts).alias(_CODE)).select(*names, _CODE),
        ],
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
        .with_columns(
            _sk_open=nw.col("_sk_running") - nw.when(nw.col("_sk_low") < 0).then(nw.col("_sk_low")).otherwise(nw.lit(0))
        )
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
