"""CRM export: columns, labels, lifecycle, pseudonymised ids, UTF-8 BOM CSV, no personal data."""

import pandas as pd
import pytest

from segkit.pipeline import export
from segkit.value import lifecycle
from segkit.value import segmentation as segments

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c"],
        "first_purchase": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "last_purchase": pd.to_datetime(["2024-03-30", "2024-02-01", "2024-03-20"]),
        "orders": [5, 1, 2],
        "purchase_days": [5, 1, 2],
        "revenue": [500.0, 20.0, 80.0],
    }
)
TRANSACTIONS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "c"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-03-30", "2024-02-01", "2024-03-01", "2024-03-20"]),
    }
)


@pytest.fixture
def frame():
    seg = segments.segment_customers(CUSTOMERS)
    life = lifecycle.lifecycle_stages(TRANSACTIONS, as_of=seg.features.as_of, customers=["a", "b", "c", "z"], churn_days=60)
    return export.customer_segments(seg, life, language="zh")


def test_export_columns_and_labels(frame):
    assert len(frame) == 4  # 3 buyers + 1 signed-up customer without purchases
    for col in (
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "r_score",
        "rfm_code",
        "rfm10",
        "rfm10_label",
        "eight_class_label",
        "value_tier",
        "lifecycle_stage",
        "lifecycle_label",
    ):
        assert col in frame.columns
    row = frame.set_index("customer_id")
    # a: 500 of 600 -> tier A; as_of 2024-03-31 -> recency 1 day
    assert row.loc["a", "value_tier"] == "A" and row.loc["a", "recency"] == 1
    assert row.loc["z", "lifecycle_stage"] == "potential" and pd.isna(row.loc["z", "recency"])
    assert row.loc["a", "value_tier_label"] == "A类：高价值"


def test_export_files_bom_and_roundtrip(frame, tmp_path):
    parquet, csv, _ = export.write_customer_segments(frame, tmp_path / "run1")
    assert csv.read_bytes()[:3] == b"\xef\xbb\xbf"
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"customer_id": str})
    assert back["customer_id"].tolist() == frame["customer_id"].tolist()
    assert "A类：高价值" in back["value_tier_label"].tolist()
    assert pd.read_parquet(parquet).shape == frame.shape
    assert sorted(p.name for p in (tmp_path / "run1").iterdir()) == [
        "customer_segments.csv",
        "customer_segments.parquet",
        "customer_segments.xlsx",
    ]


def test_export_pseudonymised_ids_are_stable_and_hide_the_id():
    seg = segments.segment_customers(CUSTOMERS)
    one = export.customer_segments(seg, pseudonymize_ids=True, key="k")
    two = export.customer_segments(seg, pseudonymize_ids=True, key="k")
    assert one["customer_id"].tolist() == two["customer_id"].tolist()
    assert not set(one["customer_id"]) & {"a", "b", "c"}
    assert one["customer_id"].str.startswith("P-").all()


def test_export_never_carries_personal_columns():
    seg = segments.segment_customers(CUSTOMERS.assign(name="Zhang San", phone="13800000000", email="z@x.cn"))
    out = export.customer_segments(seg)
    assert not {"name", "phone", "email"} & set(out.columns)


def test_counts_are_whole_numbers_and_the_8_class_code_is_its_own_column(frame):
    assert str(frame["frequency"].dtype) == "Int64" and str(frame["recency"].dtype) == "Int64"
    row = frame.set_index("customer_id")
    # as of 2024-03-31, means: recency (1 + 59 + 11) / 3 = 23.7 days, frequency 8 / 3, revenue 200: a is
    # recent (1 < 23.7), frequent (5 > 2.67) and high (500 > 200) -> 111 重要价值客户; b (59 days, 1 order,
    # 20) -> 000
    assert row.loc["a", "eight_class_code"] == "111" and row.loc["a", "eight_class_label"] == "重要价值客户"
    assert row.loc["b", "eight_class_code"] == "000"
    assert row.loc["a", "frequency"] == 5 and pd.isna(row.loc["z", "frequency"])
