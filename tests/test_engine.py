"""One code path over pandas, DuckDB and Spark: known answers, the oracle, and agreement."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import duckdb
import numpy as np
import oracle
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from test_cleaning import frame, lines

from segkit import InputError
from segkit.core.schema import CUSTOMER_TABLE_COLUMNS
from segkit.prep import aggregate as engine
from segkit.prep.cleaning import clean_transactions

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo" / "transactions.csv"

# Edge cases: a one-line customer, two orders on one day, an order over midnight, a kept
# cancellation (negative amount).
EDGE = frame(
    [
        ("A", "1", "2024-03-01 09:15", "P1", 1, 10.0),  # A: one line
        ("B", "2", "2024-03-02 08:00", "P1", 2, 1.5),  # B: order 2, two lines
        ("B", "2", "2024-03-02 08:00", "P2", 1, 4.0),
        ("B", "3", "2024-03-02 19:00", "P1", 1, 1.5),  # B: order 3, same day as order 2
        ("B", "4", "2024-03-05 23:59", "P3", 3, 2.0),  # B: order 4, line 1 before midnight
        ("B", "4", "2024-03-06 00:01", "P3", 1, 2.0),  # line 2 after midnight: a second day
        ("C", "5", "2024-03-03 12:00", "P1", 4, 2.5),  # C: a sale
        ("C", "C6", "2024-03-04 12:00", "P1", -4, 2.5),  # C: its cancellation, kept here
        (None, "7", "2024-03-03 12:00", "P1", 1, 99.0),  # no customer: left out
    ]
)
# Worked out by hand from the rows above.
EDGE_CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C"],
        "first_purchase": pd.to_datetime(["2024-03-01 09:15", "2024-03-02 08:00", "2024-03-03 12:00"]),
        "last_purchase": pd.to_datetime(["2024-03-01 09:15", "2024-03-06 00:01", "2024-03-04 12:00"]),
        "orders": [1, 3, 2],  # B: 2, 3, 4
        "purchase_days": [1, 3, 2],  # B: 03-02, 03-05, 03-06
        "revenue": [10.0, 3.0 + 4.0 + 1.5 + 6.0 + 2.0, 10.0 - 10.0],
        "items": [1.0, 2 + 1 + 1 + 3 + 1.0, 0.0],
        "lines": [1, 5, 2],
    }
).astype({"customer_id": "str", "first_purchase": "datetime64[us]", "last_purchase": "datetime64[us]"})
EDGE_ORDERS = pd.DataFrame(
    {
        "customer_id": ["A", "B", "B", "B", "C", "C"],
        "order_id": ["1", "2", "3", "4", "5", "C6"],
        "order_date": pd.to_datetime(
            [
                "2024-03-01 09:15",
                "2024-03-02 08:00",
                "2024-03-02 19:00",
                "2024-03-05 23:59",
                "2024-03-03 12:00",
                "2024-03-04 12:00",
            ]
        ),
        "amount": [10.0, 7.0, 1.5, 8.0, 10.0, -10.0],
        "items": [1.0, 3.0, 1.0, 4.0, 4.0, -4.0],
    }
).astype({"customer_id": "str", "order_id": "str", "order_date": "datetime64[us]"})


@pytest.fixture(params=["pandas", "duckdb"])
def native(request):
    return (lambda df: df) if request.param == "pandas" else duckdb.from_df


def demo_or_synthetic() -> pd.DataFrame:
    """The demo transactions mapped by hand to canonical names, or synthetic lines without them."""
    if not DEMO.exists():
        return oracle.synthetic_transactions(20_000, seed=11)
    raw = pd.read_csv(DEMO, dtype={"invoice_id": "str", "product_id": "str", "customer_id": "str"})
    df = raw.rename(columns={"invoice_id": "order_id", "invoice_date": "order_date"})[oracle.CANONICAL]
    df = df.astype({"quantity": "float64", "unit_price": "float64"})
    df["order_date"] = pd.to_datetime(df["order_date"], format="%Y-%m-%d %H:%M:%S").astype("datetime64[us]")
    return df.assign(amount=df["quantity"] * df["unit_price"])


def test_customer_table_edge_cases(native):
    pd.testing.assert_frame_equal(engine.customer_table(native(EDGE)), EDGE_CUSTOMERS)
    pd.testing.assert_frame_equal(oracle.customer_table(EDGE), EDGE_CUSTOMERS, check_dtype=False)


def test_order_table_edge_cases(native):
    pd.testing.assert_frame_equal(engine.order_table(native(EDGE)), EDGE_ORDERS)
    pd.testing.assert_frame_equal(oracle.order_table(EDGE), EDGE_ORDERS, check_dtype=False)


def test_customer_table_has_the_schema_columns_and_dtypes():
    table = engine.customer_table(EDGE)
    assert tuple(table.columns) == CUSTOMER_TABLE_COLUMNS
    assert table["customer_id"].dtype == "str"


def test_empty_input_gives_an_empty_table(native):
    table = engine.customer_table(native(EDGE.iloc[:0]))
    assert len(table) == 0 and tuple(table.columns) == CUSTOMER_TABLE_COLUMNS


@pytest.fixture(scope="module")
def demo():
    """Demo (or synthetic) lines with the oracle's audit, clean customer table and order table."""
    df = demo_or_synthetic()
    clean = oracle.clean(df)
    return df, oracle.audit(df), oracle.customer_table(clean), oracle.order_table(clean)


def assert_matches_oracle(result, demo) -> None:
    _, audit, customers, orders = demo
    assert result.audit["rows_removed"].tolist() == audit["rows_removed"].tolist()
    assert result.audit["revenue_removed"].to_numpy() == pytest.approx(audit["revenue_removed"].to_numpy(), abs=1e-6)
    pd.testing.assert_frame_equal(engine.customer_table(result.clean), customers, check_dtype=False, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(engine.order_table(result.clean), orders, check_dtype=False, check_exact=False, rtol=1e-9)


def test_demo_or_synthetic_data_matches_the_oracle(native, demo):
    assert_matches_oracle(clean_transactions(native(demo[0])), demo)


def test_demo_from_parquet_on_duckdb_matches_the_oracle(demo, tmp_path):
    demo[0].to_parquet(tmp_path / "lines.parquet")
    assert_matches_oracle(clean_transactions(engine.scan(tmp_path / "lines.parquet", memory_limit="1GB")), demo)


@pytest.mark.parametrize("backend", ["duckdb", "pandas"])
def test_scan_parquet_normalises_ids_to_strings(tmp_path, backend):
    stored = EDGE.assign(order_id=EDGE["order_id"].str.replace("C", "9").astype("int64"))  # numeric ids on disk
    stored.to_parquet(tmp_path / "lines.parquet")
    scanned = engine.scan(tmp_path / "lines.parquet", backend=backend, memory_limit="256MB")
    if backend == "duckdb":
        assert isinstance(scanned, duckdb.DuckDBPyRelation)
    orders = engine.order_table(scanned)
    assert orders["order_id"].tolist() == ["1", "2", "3", "4", "5", "96"]


def test_scan_a_directory_of_parquet_parts(tmp_path):
    (tmp_path / "parts").mkdir()
    EDGE.iloc[:4].to_parquet(tmp_path / "parts" / "a.parquet")
    EDGE.iloc[4:].to_parquet(tmp_path / "parts" / "b.parquet")
    pd.testing.assert_frame_equal(engine.customer_table(engine.scan(tmp_path / "parts")), EDGE_CUSTOMERS)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "polars"}, "engine backend 'polars' is not one of duckdb, pandas, spark"),
        ({"backend": "spark"}, "needs a SparkSession"),
    ],
)
def test_scan_bad_arguments(tmp_path, kwargs, message):
    EDGE.to_parquet(tmp_path / "lines.parquet")
    with pytest.raises(InputError, match=message):
        engine.scan(tmp_path / "lines.parquet", **kwargs)


def test_scan_missing_file():
    with pytest.raises(InputError, match="no-such.parquet: no such file"):
        engine.scan("no-such.parquet")


def test_missing_columns_raise_input_error():
    with pytest.raises(InputError, match="'order_date'"):
        engine.customer_table(EDGE.drop(columns="order_date"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=lines)
def test_property_pandas_and_duckdb_agree(rows):
    df = frame(rows)
    from_pandas = engine.customer_table(clean_transactions(df).clean)
    from_duckdb = engine.customer_table(clean_transactions(duckdb.from_df(df)).clean)
    pd.testing.assert_frame_equal(from_pandas, from_duckdb)
    pd.testing.assert_frame_equal(from_pandas, oracle.customer_table(oracle.clean(df)), check_dtype=False)


# --- Spark ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java 17 is needed for the Spark tests and was not found (no java on PATH, no JAVA_HOME)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("segkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def to_spark(session, df: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark warns about pandas 3
        return session.createDataFrame(df)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_spark_edge_cases(spark):
    pd.testing.assert_frame_equal(engine.customer_table(to_spark(spark, EDGE)), EDGE_CUSTOMERS)
    pd.testing.assert_frame_equal(engine.order_table(to_spark(spark, EDGE)), EDGE_ORDERS)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_spark_clean_and_aggregate_match_the_oracle(spark, demo, tmp_path):
    demo[0].to_parquet(tmp_path / "lines.parquet")
    assert_matches_oracle(clean_transactions(engine.scan(tmp_path / "lines.parquet", backend="spark", spark=spark)), demo)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_spark_scan_parquet(spark, tmp_path):
    EDGE.to_parquet(tmp_path / "lines.parquet")
    pd.testing.assert_frame_equal(
        engine.customer_table(engine.scan(tmp_path / "lines.parquet", backend="spark", spark=spark)), EDGE_CUSTOMERS
    )


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=lines)
def test_property_spark_agrees_with_pandas(spark, rows):
    df = frame(rows)
    from_pandas = engine.customer_table(clean_transactions(df).clean)
    from_spark = engine.customer_table(clean_transactions(to_spark(spark, df)).clean)
    pd.testing.assert_frame_equal(from_spark, from_pandas, check_exact=False, rtol=1e-12)


def test_synthetic_generator_is_seeded():
    a, b = oracle.synthetic_transactions(500, seed=3), oracle.synthetic_transactions(500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert np.isclose(a["amount"], a["quantity"] * a["unit_price"]).all()
