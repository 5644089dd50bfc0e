"""Frames of other libraries: a polars frame and a DuckDB relation go through the whole value analysis.

Every public function takes a table through `segkit.core.frames.accepts_frames`, so the results
must be the same as for the pandas frame, to the last digit.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames, as_pandas, to_pandas
from segkit.intake import load_transactions
from segkit.models import BetaGeoModel, btyd_summary
from segkit.prep import clean_transactions, customer_table
from segkit.prep.aggregate import visit_table
from segkit.value import gini, lifecycle_stages, segment_customers, segment_summary

pl = pytest.importorskip("polars", reason="polars is a test dependency (pip install -e '.[test]')")

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo" / "transactions.csv"
AS_OF = "2024-01-01"


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    """The pandas path: the file read by segkit, every step on pandas."""
    lines = load_transactions(DEMO, preset="demo")
    return _analysis(lines, lines)


def _analysis(lines, frame_lines) -> dict[str, object]:
    """The value analysis with every table argument given as `frame_lines`' library would hand it over."""
    clean = clean_transactions(lines).clean
    customers = customer_table(clean)
    as_of = pd.Timestamp(clean["order_date"].max()).normalize() + pd.Timedelta(days=1)
    native = _like(frame_lines, customers)
    seg = segment_customers(native, as_of=as_of)
    life = lifecycle_stages(_like(frame_lines, visit_table(clean)), as_of=as_of)
    summary = btyd_summary(_like(frame_lines, clean), observation_end=as_of - pd.Timedelta(days=1))
    model = BetaGeoModel().fit(_like(frame_lines, summary.table))
    return {
        "lines": lines,
        "customers": customers,
        "labels": seg.table,
        "eight_class": seg.maps["eight_class"].table,
        "summary": segment_summary(_like(frame_lines, seg.features.table), seg.maps["rfm10"]),
        "stages": life.table,
        "btyd": summary.table,
        "params": model.params_,
    }


def _like(example, frame: pd.DataFrame):
    """`frame` in the library of `example` (pandas, polars or DuckDB)."""
    if isinstance(example, pl.DataFrame):
        return pl.from_pandas(frame)
    if isinstance(example, duckdb.DuckDBPyRelation):
        return duckdb.from_df(frame)
    return frame


def _assert_same(got: dict[str, object], want: dict[str, object]) -> None:
    for key in ("lines", "customers", "labels", "eight_class", "summary", "stages", "btyd"):
        pd.testing.assert_frame_equal(got[key].reset_index(drop=True), want[key].reset_index(drop=True), obj=key)
    assert got["params"] == pytest.approx(want["params"], rel=1e-9)


def test_a_polars_frame_gives_the_pandas_results(reference):
    raw = pl.read_csv(DEMO, infer_schema=False)  # every column text, as segkit reads a CSV
    lines = load_transactions(raw, preset="demo")
    _assert_same(_analysis(lines, raw), reference)


def test_a_duckdb_relation_gives_the_pandas_results(reference):
    relation = duckdb.sql(f"SELECT * FROM read_csv('{DEMO}', all_varchar = true)")
    lines = load_transactions(relation, preset="demo")
    _assert_same(_analysis(lines, relation), reference)


def test_a_polars_lazy_frame_and_typed_columns_are_read():
    typed = pl.DataFrame(
        {
            "Customer": ["00042", "00042", "7"],
            "Order": ["A1", "A2", "B1"],
            "Date": [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-03"), pd.Timestamp("2024-01-05")],
            "Qty": [2, 1, 3],
            "Price": [1.5, 10.0, 2.0],
        }
    ).lazy()
    mapping = {"customer_id": "Customer", "order_id": "Order", "order_date": "Date", "quantity": "Qty", "unit_price": "Price"}
    lines = load_transactions(typed, mapping=mapping)
    assert lines["customer_id"].tolist() == ["00042", "00042", "7"]  # zero padding kept
    assert lines["amount"].tolist() == [3.0, 10.0, 6.0]
    assert str(lines["order_date"].dtype) == "datetime64[us]"


def test_a_frame_missing_a_column_is_named_in_the_message():
    frame = pl.DataFrame({"Customer": ["1"], "Date": ["2024-01-01"]})
    with pytest.raises(InputError, match=r"orders frame: missing required column"):
        load_transactions(
            frame,
            mapping={"customer_id": "Customer", "order_date": "Date", "quantity": "Qty", "amount": "Total"},
            source="orders frame",
        )


def test_something_that_is_not_a_table_is_refused_clearly():
    with pytest.raises(InputError, match="expected a file path or a table"):
        load_transactions(42, preset="demo")
    with pytest.raises(InputError, match="expected a table"):
        as_pandas([1, 2, 3], what="customers")


def test_series_and_plain_values_pass_through_to_pandas():
    assert isinstance(to_pandas(pl.Series("x", [1.0, 2.0])), pd.Series)
    assert to_pandas([1, 2]) == [1, 2]
    assert to_pandas(None) is None
    assert gini(pl.Series([1.0, 1.0, 2.0])) == gini(pd.Series([1.0, 1.0, 2.0]))


def test_the_decorator_refuses_a_parameter_the_function_does_not_have():
    with pytest.raises(TypeError, match="no parameter"):

        @accepts_frames("missing")
        def f(frame):  # pragma: no cover - never called
            return frame
