"""Cleaning rules and audit: hand-computed answers on small tables, the oracle, and properties."""

from __future__ import annotations

import json

import duckdb
import hypothesis.strategies as st
import narwhals as nw
import oracle
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from segkit import InputError
from segkit.prep import aggregate as engine
from segkit.prep.cleaning import CleaningResult, clean_transactions, write_audit_json
from segkit.prep.options import RULES, CleaningOptions

COLUMNS = ["customer_id", "order_id", "order_date", "product_id", "quantity", "unit_price"]


def frame(rows: list[tuple]) -> pd.DataFrame:
    """A canonical transactions frame from (customer, order, date, product, quantity, price) rows."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.astype({"customer_id": "str", "order_id": "str", "product_id": "str", "quantity": "float64", "unit_price": "float64"})
    df["order_date"] = pd.to_datetime(df["order_date"]).astype("datetime64[us]")
    return df.assign(amount=df["quantity"] * df["unit_price"])


# One row per situation; the comment says which rule removes it and why (first match wins).
HAND = frame(
    [
        (None, "536365", "2024-01-05 09:00", "P1", 6, 2.55),  # 0 missing_customer_id      15.30
        ("17850", "536366", "2024-01-05 10:00", "P2", 6, 1.85),  # 1 cancellations (taken by 2) 11.10
        ("17850", "C536379", "2024-01-06 11:00", "P2", -6, 1.85),  # 2 cancellations          -11.10
        ("17850", "C536380", "2024-01-06 12:00", "P9", -1, 4.0),  # 3 cancellations, no sale   -4.00
        ("13047", "536367", "2024-01-07 08:00", "P3", -2, 3.0),  # 4 returns                  -6.00
        ("13047", "536368", "2024-01-07 09:00", "P4", 0, 3.0),  # 5 non_positive (quantity 0)  0.00
        ("13047", "536369", "2024-01-07 09:30", "P5", 1, 0.0),  # 6 non_positive (free)        0.00
        ("13047", "536370", "2024-01-07 10:00", "POST", 1, 18.0),  # 7 non_product            18.00
        ("13047", "536371", "2024-01-08 10:00", "P6", 4, 2.5),  # 8 kept                      10.00
        ("13047", "536371", "2024-01-08 10:00", "P6", 4, 2.5),  # 9 duplicates (copy of 8)    10.00
        ("12583", "536372", "2023-12-31 23:59", "P7", 1, 5.0),  # 10 date_window (before)      5.00
        ("12583", "536373", "2024-01-31 10:00", "P7", 2, 5.0),  # 11 kept (end day counts)   10.00
        ("12583", "536374", "2024-02-01 00:00", "P7", 1, 5.0),  # 12 date_window (after)       5.00
        ("12583", "536375", "2024-01-10 10:00", "P8", 1000, 0.1),  # 13 outliers (> cap 100) 100.00
        ("12583", "536376", "2024-01-10 10:00", "P8", 12, 0.1),  # 14 kept                     1.20
        ("13047", "536377", "2024-01-09 10:00", "D", -1, 5.0),  # 15 non_product (a discount, not a return) -5.00
        ("13047", "C536381", "2024-01-09 12:00", "POST", -1, 18.0),  # 16 non_product (postage refund) -18.00
    ]
)
HAND_OPTIONS = CleaningOptions(date_start="2024-01-01", date_end="2024-01-31", outliers=True, outlier_cap=100)
HAND_LABELS = [
    "missing_customer_id",
    "cancellations",
    "cancellations",
    "cancellations",
    "returns",
    "non_positive",
    "non_positive",
    "non_product",
    "",
    "duplicates",
    "date_window",
    "",
    "date_window",
    "outliers",
    "",
    "non_product",
    "non_product",
]
# rows and revenue per rule, summed by hand from the comments above
HAND_AUDIT = {
    "missing_customer_id": (1, 15.30),
    "cancellations": (3, 11.10 - 11.10 - 4.00),
    "returns": (1, -6.00),
    "non_positive": (2, 0.0),
    "non_product": (3, 18.00 - 5.00 - 18.00),
    "duplicates": (1, 10.00),
    "date_window": (2, 10.00),
    "outliers": (1, 100.00),
}


@pytest.fixture(params=["pandas", "duckdb"])
def native(request):
    """Turn a pandas frame into the backend under test."""
    return (lambda df: df) if request.param == "pandas" else duckdb.from_df


def kept(result: CleaningResult) -> pd.DataFrame:
    return nw.from_native(result.clean).lazy().collect(backend="pandas").to_native()


def test_oracle_labels_the_hand_table_as_worked_out():
    assert oracle.rule_labels(HAND, HAND_OPTIONS).tolist() == HAND_LABELS


def test_audit_of_the_hand_table(native):
    result = clean_transactions(native(HAND), HAND_OPTIONS)
    audit = result.audit.set_index("rule")
    assert list(audit.index) == list(RULES)
    for rule, (rows, revenue) in HAND_AUDIT.items():
        assert audit.loc[rule, "rows_removed"] == rows, rule
        assert audit.loc[rule, "revenue_removed"] == pytest.approx(revenue), rule
    assert (result.raw_rows, result.kept_rows) == (17, 3)
    # raw revenue 141.50 = kept 10.00 + 10.00 + 1.20 + removed 120.30 (143.30 - 5.00 - 18.00)
    assert result.raw_revenue == pytest.approx(141.5)
    assert result.kept_revenue == pytest.approx(21.2)
    assert result.outlier_threshold == 100.0
    assert sorted(kept(result)["order_id"]) == ["536371", "536373", "536376"]


def test_audit_is_a_waterfall_that_reconciles():
    audit = clean_transactions(HAND, HAND_OPTIONS).audit
    assert audit["rows_before"].iloc[0] == 17 and audit["rows_after"].iloc[-1] == 3
    assert (audit["rows_before"] - audit["rows_removed"]).tolist() == audit["rows_after"].tolist()
    assert audit["rows_after"].iloc[:-1].tolist() == audit["rows_before"].iloc[1:].tolist()
    assert audit.dtypes.astype(str).to_dict() == {
        "rule": "str",
        "enabled": "bool",
        "rows_removed": "int64",
        "revenue_removed": "float64",
        "rows_before": "int64",
        "rows_after": "int64",
    }


def test_default_options_leave_date_window_and_outliers_off():
    audit = clean_transactions(HAND).audit.set_index("rule")
    assert not audit.loc["date_window", "enabled"] and not audit.loc["outliers", "enabled"]
    # rows 10, 12, 13 are now kept: 3 + 3 = 6
    assert audit["rows_removed"].sum() == 17 - 6


def test_clean_pandas_keeps_input_columns_and_dtypes():
    extra = HAND.assign(country="United Kingdom")
    clean = clean_transactions(extra, HAND_OPTIONS).clean
    assert isinstance(clean, pd.DataFrame)
    assert list(clean.columns) == list(extra.columns)
    assert clean.dtypes.equals(extra.dtypes)
    assert clean.index.tolist() == [0, 1, 2]


def test_clean_duckdb_stays_lazy():
    relation = duckdb.from_df(HAND)
    result = clean_transactions(relation, HAND_OPTIONS)
    assert isinstance(result.clean, duckdb.DuckDBPyRelation)
    assert result.clean.columns == list(HAND.columns)


def test_first_rule_wins_a_row_with_no_customer_that_is_also_a_cancellation():
    df = frame([(None, "C1", "2024-01-01", "P1", -1, 2.0), ("", "2", "2024-01-01", "POST", 1, 2.0)])
    audit = clean_transactions(df).audit.set_index("rule")
    # both lack a customer id ("" counts as missing), so neither is counted again
    assert audit.loc["missing_customer_id", "rows_removed"] == 2
    assert audit["rows_removed"].sum() == 2


# --- cancellations: which sale a cancellation takes back -------------------------------------


def cancelled_orders(rows, mode="drop_with_originals") -> list[str]:
    labels = oracle.rule_labels(frame(rows), CleaningOptions(cancellations=mode))
    result = clean_transactions(frame(rows), {"cancellations": mode})
    engine_kept = sorted(kept(result)["order_id"])
    oracle_kept = sorted(frame(rows)["order_id"][labels == ""])
    assert engine_kept == oracle_kept
    return sorted(set(frame(rows)["order_id"]) - set(engine_kept))


def test_cancellation_takes_back_the_latest_earlier_sale():
    rows = [
        ("A", "1", "2024-01-01", "P1", 2, 5.0),
        ("A", "2", "2024-01-02", "P1", 2, 5.0),
        ("A", "C3", "2024-01-03", "P1", -2, 5.0),
    ]
    assert cancelled_orders(rows) == ["2", "C3"]


def test_cancellation_before_any_sale_takes_back_nothing():
    rows = [("A", "C1", "2024-01-01", "P1", -2, 5.0), ("A", "2", "2024-01-02", "P1", 2, 5.0)]
    assert cancelled_orders(rows) == ["C1"]


def test_each_cancellation_takes_one_sale_last_in_first_out():
    rows = [
        ("A", "1", "2024-01-01", "P1", 1, 5.0),  # taken by C4 (after C3 took 2)
        ("A", "2", "2024-01-02", "P1", 1, 5.0),  # taken by C3
        ("A", "C3", "2024-01-03", "P1", -1, 5.0),
        ("A", "C4", "2024-01-04", "P1", -1, 5.0),
        ("A", "5", "2024-01-05", "P1", 1, 5.0),  # after both cancellations: kept
        ("A", "C6", "2024-01-06", "P1", -1, 5.0),  # takes 5
        ("A", "C7", "2024-01-07", "P1", -1, 5.0),  # nothing left: only itself
    ]
    assert cancelled_orders(rows) == ["1", "2", "5", "C3", "C4", "C6", "C7"]


def test_cancellation_needs_same_customer_product_quantity_and_price():
    rows = [
        ("A", "1", "2024-01-01", "P1", 2, 5.0),
        ("B", "2", "2024-01-01", "P1", 2, 5.0),
        ("A", "3", "2024-01-01", "P2", 2, 5.0),
        ("A", "4", "2024-01-01", "P1", 3, 5.0),
        ("A", "5", "2024-01-01", "P1", 2, 4.0),
        ("B", "C6", "2024-01-02", "P1", -2, 5.0),  # B's P1 x2 at 5.0: takes 2 only
    ]
    assert cancelled_orders(rows) == ["2", "C6"]


def test_same_time_ties_break_on_the_later_order_id():
    rows = [
        ("A", "10", "2024-01-01 10:00", "P1", 1, 5.0),
        ("A", "11", "2024-01-01 10:00", "P1", 1, 5.0),
        ("A", "C12", "2024-01-01 10:00", "P1", -1, 5.0),  # same minute: sales first, latest id taken
    ]
    assert cancelled_orders(rows) == ["11", "C12"]


def test_drop_cancellations_keeps_the_sale():
    rows = [("A", "1", "2024-01-01", "P1", 2, 5.0), ("A", "C2", "2024-01-02", "P1", -2, 5.0)]
    assert cancelled_orders(rows, "drop_cancellations") == ["C2"]


def test_keep_cancellations_nets_revenue():
    rows = [("A", "1", "2024-01-01", "P1", 2, 5.0), ("A", "C2", "2024-01-02", "P1", -1, 5.0)]
    result = clean_transactions(frame(rows), {"cancellations": "keep"})
    assert result.kept_rows == 2 and result.kept_revenue == pytest.approx(10.0 - 5.0)
    assert not result.audit.set_index("rule").loc["cancellations", "enabled"]


def test_returns_off_keeps_negative_lines():
    rows = [("A", "1", "2024-01-01", "P1", 2, 5.0), ("A", "2", "2024-01-02", "P1", -1, 5.0)]
    assert clean_transactions(frame(rows), {"returns": False}).kept_rows == 2


# --- the other rules -----------------------------------------------------------------------


def test_non_product_codes_regex_and_custom_list():
    rows = [
        ("A", "1", "2024-01-01", "gift_0001_20", 1, 20.0),  # default regex
        ("A", "1", "2024-01-01", "BANK CHARGES", 1, 15.0),  # default list
        ("A", "1", "2024-01-01", "DCGS0003", 1, 2.0),  # a real product that looks like a code
        ("A", "1", "2024-01-01", "XYZ ", 1, 3.0),  # custom code, trailing space ignored
    ]
    default = clean_transactions(frame(rows))
    assert sorted(kept(default)["product_id"]) == ["DCGS0003", "XYZ "]
    custom = clean_transactions(frame(rows), {"non_product_codes": ["XYZ"], "non_product_regex": None})
    assert sorted(kept(custom)["product_id"]) == ["BANK CHARGES", "DCGS0003", "gift_0001_20"]


def test_duplicates_keep_one_copy_and_differ_in_any_column():
    rows = [
        ("A", "1", "2024-01-01", "P1", 1, 2.0),
        ("A", "1", "2024-01-01", "P1", 1, 2.0),
        ("A", "1", "2024-01-01", "P1", 1, 2.0),
        ("A", "1", "2024-01-01", "P1", 1, 2.5),  # different price: not a copy
    ]
    result = clean_transactions(frame(rows))
    assert result.audit.set_index("rule").loc["duplicates", "rows_removed"] == 2
    assert result.kept_revenue == pytest.approx(2.0 + 2.5)


def test_outlier_quantile_is_taken_over_surviving_lines(native):
    rows = [("A", str(i), "2024-01-01", "P1", q, 1.0) for i, q in enumerate([1, 2, 3, 4, 100])]
    rows.append((None, "9", "2024-01-01", "P1", 5000, 1.0))  # removed by rule 1, not in the quantile
    result = clean_transactions(native(frame(rows)), {"outliers": True, "outlier_quantile": 0.75})
    # quantities 1, 2, 3, 4, 100: the 0.75 quantile (linear) sits at position 0.75 * 4 = 3 -> 4.0
    assert result.outlier_threshold == pytest.approx(4.0)
    assert result.audit.set_index("rule").loc["outliers", "rows_removed"] == 1


def test_missing_numbers_are_not_purchases():
    df = frame([("A", "1", "2024-01-01", "P1", 1, 2.0), ("A", "2", "2024-01-01", "P1", 1, 2.0)])
    df.loc[1, "unit_price"] = None
    assert clean_transactions(df).audit.set_index("rule").loc["non_positive", "rows_removed"] == 1


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cancelations": "keep"}, "unknown key(s) 'cancelations'"),
        ({"cancellations": "maybe"}, "'cancellations': 'maybe' is not one of"),
        ({"date_start": "31/02/2011"}, "'date_start': '31/02/2011' is not a date"),
        ({"date_start": "2024-02-01", "date_end": "2024-01-01"}, "is after date_end"),
        ({"non_product_regex": "gift_("}, "'non_product_regex': 'gift_(' is not a regex"),
        ({"outlier_quantile": 1.5}, "'outlier_quantile': 1.5 is not between 0 and 1"),
        ({"outlier_cap": -1}, "'outlier_cap': -1 is not a positive quantity"),
    ],
)
def test_bad_options_raise_input_error(options, message):
    with pytest.raises(InputError) as excinfo:
        CleaningOptions.from_mapping(options)
    assert message in str(excinfo.value)


def test_missing_column_raises_input_error():
    with pytest.raises(InputError, match="missing canonical column\\(s\\) 'amount'"):
        clean_transactions(HAND.drop(columns="amount"))


def test_audit_json_round_trip(tmp_path):
    result = clean_transactions(HAND, HAND_OPTIONS)
    path = write_audit_json(result, tmp_path / "run" / "audit.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert (payload["raw_rows"], payload["kept_rows"]) == (17, 3)
    assert [r["rule"] for r in payload["rules"]] == list(RULES)
    assert {r["rule"]: r["revenue_removed"] for r in payload["rules"]}["cancellations"] == pytest.approx(-4.0)
    assert CleaningOptions.from_mapping(payload["options"]) == HAND_OPTIONS


# --- the oracle and properties ------------------------------------------------------------


def test_synthetic_lines_match_the_oracle(native):
    df = oracle.synthetic_transactions(3000)
    result = clean_transactions(native(df))
    expected = oracle.audit(df)
    assert result.audit["rows_removed"].tolist() == expected["rows_removed"].tolist()
    assert result.audit["revenue_removed"].to_numpy() == pytest.approx(expected["revenue_removed"].to_numpy(), abs=1e-6)
    clean = kept(result).sort_values(list(df.columns), ignore_index=True)
    pd.testing.assert_frame_equal(clean, oracle.clean(df).sort_values(list(df.columns), ignore_index=True))


lines = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", None]),
        st.sampled_from(["1", "2", "3", "C4", "C5"]),
        st.sampled_from(["2024-01-01 10:00", "2024-01-01 10:00", "2024-01-02 09:00", "2024-01-03 18:30"]),
        st.sampled_from(["P1", "P2", "POST"]),
        st.sampled_from([-2, -1, 0, 1, 2]),
        st.sampled_from([0.0, 1.5, 2.0]),
    ),
    min_size=1,
    max_size=25,
)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    rows=lines,
    backend=st.sampled_from(["pandas", "duckdb"]),
    mode=st.sampled_from(["drop_with_originals", "drop_cancellations", "keep"]),
)
def test_property_raw_equals_kept_plus_removed_and_matches_oracle(rows, backend, mode):
    df = frame(rows)
    source = df if backend == "pandas" else duckdb.from_df(df)
    result = clean_transactions(source, {"cancellations": mode})
    assert result.raw_rows == len(df) == result.kept_rows + result.audit["rows_removed"].sum()
    assert result.raw_revenue == pytest.approx(result.kept_revenue + result.audit["revenue_removed"].sum())
    assert result.audit["rows_removed"].tolist() == oracle.audit(df, CleaningOptions(cancellations=mode))["rows_removed"].tolist()


@PROPERTY
@given(rows=lines)
def test_property_customer_revenue_sums_to_clean_revenue(rows):
    result = clean_transactions(frame(rows))
    customers = engine.customer_table(result.clean)
    assert customers["revenue"].sum() == pytest.approx(result.kept_revenue)
    assert customers["lines"].sum() == result.kept_rows
