"""Purchasing power and profitability: AOV tiers (hand-worked quantiles) and margin from a mapped cost."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from segkit import InputError
from segkit.intake import load_transactions
from segkit.prep.aggregate import customer_table
from segkit.prep.cleaning import clean_transactions
from segkit.value.maps import SegmentMap, _catalogue
from segkit.value.purchasing_power import OrderValueTiers, average_order_value, margin_by_segment

FEATURES = pd.DataFrame(
    {"customer_id": ["a", "b", "c", "d", "e"], "revenue": [100.0, 300.0, 50.0, 400.0, 30.0], "orders": [1, 3, 1, 2, 1]}
)


def test_aov_is_revenue_per_order():
    assert average_order_value(FEATURES).tolist() == [100.0, 100.0, 50.0, 200.0, 30.0]
    assert math.isnan(average_order_value(pd.DataFrame({"revenue": [5.0], "orders": [0]})).iloc[0])


def test_aov_tiers_by_hand():
    # AOV sorted: 30, 50, 100, 100, 200. Linear quantiles: 1/3 at position 4/3 -> 50 + (1/3)(100 - 50)
    # = 66.667; 2/3 at position 8/3 -> 100 + (2/3)(100 - 100) = 100. low <= 66.667 < medium <= 100 < high.
    tiers = OrderValueTiers().fit(FEATURES)
    assert tiers.thresholds_ == pytest.approx((200 / 3, 100.0))
    segmap = tiers.transform(FEATURES)
    assert segmap.table["segment"].tolist() == ["medium", "medium", "low", "high", "low"]
    assert segmap.sizes.set_index("key")["customers"].to_dict() == {"high": 1, "medium": 2, "low": 2}
    later = FEATURES.assign(revenue=[1000.0, 300.0, 50.0, 400.0, 30.0])  # the fitted scale, not refitted
    assert tiers.transform(later).table["segment"].tolist() == ["high", "medium", "low", "high", "low"]
    assert OrderValueTiers(**{"quantiles": tiers.state()["quantiles"]}).fit(FEATURES).thresholds_ == tiers.thresholds_


def test_aov_tiers_refuse_bad_quantiles_and_unfitted_use():
    with pytest.raises(InputError, match="quantiles"):
        OrderValueTiers((0.7, 0.3)).fit(FEATURES)
    with pytest.raises(InputError, match="call fit first"):
        OrderValueTiers().transform(FEATURES)


def test_margin_by_segment_by_hand():
    features = FEATURES.assign(cost=[60.0, 150.0, 45.0, 100.0, 30.0])
    features = features.assign(margin=features["revenue"] - features["cost"])
    segmap = SegmentMap(
        name="t",
        segments=_catalogue([{"key": "top", "rank": 1}, {"key": "rest", "rank": 2}, {"key": "none", "rank": 3}]),
        table=pd.DataFrame({"customer_id": list("abcde"), "segment": ["top", "top", "rest", "top", "rest"]}),
    )
    out = margin_by_segment(features, segmap).set_index("segment")
    # top: revenue 800, cost 310, margin 490; rest: revenue 80, cost 75, margin 5; total margin 495
    assert out.loc["top", ["customers", "revenue", "cost", "margin"]].tolist() == [3, 800.0, 310.0, 490.0]
    assert out.loc["rest", "margin_rate"] == pytest.approx(5 / 80)
    assert out.loc["top", "margin_share"] == pytest.approx(490 / 495)
    assert out.loc["none", "customers"] == 0 and math.isnan(out.loc["none", "margin_rate"])
    with pytest.raises(InputError, match="map a 'unit_cost' or 'cost' column"):
        margin_by_segment(FEATURES, segmap)


def _lines(**cost) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "cid": ["x", "x", "y"],
            "inv": ["1", "2", "3"],
            "day": ["2024-01-02", "2024-02-03", "2024-01-05"],
            "sku": ["p1", "p2", "p1"],
            "qty": ["2", "1", "4"],
            "price": ["10.00", "5.50", "10.00"],
            **cost,
        }
    )
    return frame


MAPPING = {
    "customer_id": "cid",
    "order_id": "inv",
    "order_date": "day",
    "product_id": "sku",
    "quantity": "qty",
    "unit_price": "price",
}


def test_unit_cost_gives_cost_and_margin_per_customer():
    raw = load_transactions(_lines(uc=["6", "2.5", "7"]), mapping={**MAPPING, "unit_cost": "uc"})
    assert raw["cost"].tolist() == [12.0, 2.5, 28.0]  # quantity * unit cost
    table = customer_table(clean_transactions(raw).clean).set_index("customer_id")
    # x: revenue 20 + 5.5 = 25.5, cost 14.5, margin 11.0; y: revenue 40, cost 28, margin 12
    assert table.loc["x", ["revenue", "cost", "margin"]].tolist() == [25.5, 14.5, 11.0]
    assert table.loc["y", ["revenue", "cost", "margin"]].tolist() == [40.0, 28.0, 12.0]
    line_total = load_transactions(_lines(c=["12", "2.5", "28"]), mapping={**MAPPING, "cost": "c"})
    pd.testing.assert_series_equal(line_total["cost"], raw["cost"])


def test_cost_mapping_errors():
    with pytest.raises(InputError, match="not both"):
        load_transactions(_lines(uc=["1", "1", "1"]), mapping={**MAPPING, "unit_cost": "uc", "cost": "uc"})
    with pytest.raises(InputError, match="missing required column.*'uc'"):
        load_transactions(_lines(), mapping={**MAPPING, "unit_cost": "uc"})
    with pytest.raises(InputError, match="not numbers"):
        load_transactions(_lines(uc=["1", "x", "1"]), mapping={**MAPPING, "unit_cost": "uc"})
    assert "cost" not in customer_table(clean_transactions(load_transactions(_lines(), mapping=MAPPING)).clean).columns


def test_cost_and_margin_are_the_same_on_duckdb():
    import duckdb

    clean = clean_transactions(load_transactions(_lines(uc=["6", "2.5", "7"]), mapping={**MAPPING, "unit_cost": "uc"})).clean
    connection = duckdb.connect()
    relation = connection.from_df(clean)
    pd.testing.assert_frame_equal(customer_table(relation), customer_table(clean))


def test_a_customer_without_orders_has_no_aov_tier():
    tiers = OrderValueTiers().fit(FEATURES)
    extra = pd.concat([FEATURES, pd.DataFrame({"customer_id": ["z"], "revenue": [0.0], "orders": [0]})], ignore_index=True)
    segment = tiers.transform(extra).table.set_index("customer_id")["segment"]
    assert pd.isna(segment["z"]) and segment["d"] == "high"


def test_a_line_without_cost_leaves_that_customers_margin_unknown():
    raw = load_transactions(_lines(uc=["6", "", "7"]), mapping={**MAPPING, "unit_cost": "uc"})
    table = customer_table(clean_transactions(raw).clean).set_index("customer_id")
    assert math.isnan(table.loc["x", "margin"]) and math.isnan(table.loc["x", "cost"])
    assert table.loc["y", "margin"] == 12.0


def test_a_preset_file_without_the_cost_column_loads_without_cost(tmp_path):
    path = tmp_path / "old-demo.csv"
    path.write_text(
        "invoice_id,product_id,category,description,quantity,unit_price,invoice_date,customer_id\n"
        "500001,AP019,apparel,Slippers,4,49.00,2024-01-01 07:27:21,CU04864\n",
        encoding="utf-8",
    )
    frame = load_transactions(path, preset="demo")
    assert "cost" not in frame.columns and frame["amount"].tolist() == [196.0]
    path.write_text(
        "invoice_id,product_id,category,description,quantity,unit_price,unit_cost,invoice_date,customer_id\n"
        "500001,AP019,apparel,Slippers,4,49.00,19.60,2024-01-01 07:27:21,CU04864\n",
        encoding="utf-8",
    )
    assert load_transactions(path, preset="demo")["cost"].tolist() == [4 * 19.60]


def test_the_value_report_states_the_margin_of_the_clean_lines(tmp_path, monkeypatch):
    """Report 02's margin sentence: the sum over the clean lines of amount - cost, worked out here from the lines."""
    from segkit import datasets
    from segkit.pipeline.config import InputFile
    from segkit.pipeline.prepare import prepare
    from segkit.reporting import report
    from segkit.reporting.formats import fmt_money
    from segkit.reporting.report import Report
    from segkit.reporting.value_report import ValueReport

    datasets.write_demo(tmp_path / "raw", customers=300, seed=7)
    run = prepare({"transactions": InputFile(path=tmp_path / "raw" / "transactions.csv", preset="demo")}, tmp_path / "p")
    lines = pd.read_parquet(run.folder / "transactions_clean.parquet")
    margin = (lines.groupby("customer_id")["amount"].sum().round(2) - lines.groupby("customer_id")["cost"].sum().round(2)).sum()
    out: list = []
    monkeypatch.setattr(report, "display", lambda obj, raw=False, **_: out.append(obj if raw else getattr(obj, "data", obj)))
    ValueReport(Report("en"), run).purchasing_power()
    text = " ".join(str(o) for o in out)
    assert f"Margin (revenue minus the cost of goods) is {fmt_money(margin)} in all" in text
    assert "Margin by RFM 8-class segment" in text and "carry no cost" not in text
