"""Data-quality measures, checked by hand on tiny tables and on the demo's prepared run."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit.pipeline.prepare import prepared
from segkit.prep import quality

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"


def _orders(dates, amounts):
    return pd.DataFrame(
        {
            "customer_id": ["a"] * len(dates),
            "order_id": [f"o{i}" for i in range(len(dates))],
            "order_date": pd.to_datetime(dates),
            "amount": amounts,
            "items": 1.0,
        }
    )


def test_coverage_keeps_empty_months_as_gaps():
    orders = _orders(["2024-01-05", "2024-01-20", "2024-03-02"], [10.0, 20.0, 30.0])
    customers = pd.DataFrame({"first_purchase": pd.to_datetime(["2024-01-05"]), "last_purchase": pd.to_datetime(["2024-03-02"])})
    cov = quality.coverage(orders, customers)
    assert cov.per_month.tolist() == [2, 0, 1]  # Jan 2 orders, Feb none, Mar 1
    assert cov.months == 3 and cov.gap_months == 1
    assert [str(m) for m in cov.gaps] == ["2024-02"]


def test_order_value_stats_use_linear_interpolation():
    stats = quality.order_value_stats(_orders(["2024-01-01"] * 4, [1.0, 2.0, 3.0, 4.0])).set_index("statistic")["value"]
    # numpy's default ("linear"): position q * (n - 1) between the sorted values
    assert stats["p50"] == 2.5 and stats["p25"] == pytest.approx(1.75) and stats["p99"] == pytest.approx(3.97)
    assert stats["mean"] == 2.5
    assert stats["p90"] == pytest.approx(np.quantile([1, 2, 3, 4], 0.9))


def test_largest_orders_share_of_kept_revenue():
    largest = quality.largest_orders(_orders(["2024-01-01"] * 3, [50.0, 30.0, 20.0]), 100.0, n=2)
    assert largest["amount"].tolist() == [50.0, 30.0] and largest["share"].tolist() == [0.5, 0.3]


def test_missing_values_only_columns_with_gaps_most_first():
    missing = pd.DataFrame({"column": ["customer_id", "order_id", "country"], "missing": [3, 0, 7], "rows": 10})
    out = quality.missing_values(missing)
    assert out["column"].tolist() == ["country", "customer_id"] and out["share"].tolist() == [0.7, 0.3]


def test_regions_from_the_lines_first_then_the_customer_file():
    buyers = pd.Series(["a", "b", "c"])
    lines = pd.DataFrame({"customer_id": ["a", "b", "c"], "country": ["UK", "UK", "France"]})
    out = quality.customers_by_region(buyers, lines, None)
    assert out["region"].tolist() == ["UK", "France"] and out["customers"].tolist() == [2, 1]
    known = pd.DataFrame({"customer_id": ["a", "b", "x"], "province": ["广东", "广东", "江苏"]})
    out = quality.customers_by_region(buyers, pd.DataFrame({"customer_id": buyers}), known)
    assert dict(zip(out["region"].fillna("?"), out["customers"])) == {"广东": 2, "?": 1}  # c is not in the file
    assert quality.customers_by_region(buyers, pd.DataFrame({"customer_id": buyers}), None) is None
    assert quality.never_bought(known, buyers) == (1, 3)


def test_demo_orders_by_month_add_up(tmp_path):
    run = prepared("", demo_dir=DEMO, out_dir=tmp_path / "dev")
    cov = quality.coverage(run.orders, run.customer_table)
    assert cov.per_month.sum() == len(run.orders) == 30_991
    assert cov.months == 24 and cov.gap_months == 0 and len(cov.gaps) == 0
    assert (cov.first.date().isoformat(), cov.last.date().isoformat()) == ("2024-01-01", "2025-12-31")
    # 400 customers of the file are generated without a line; every other one keeps a line after the
    # cleaning (demo data version 2; in version 1, 4 more lost every line to it)
    assert quality.never_bought(run.optional("attributes"), run.customer_table["customer_id"]) == (400, 5_000)
