"""Migration over several periods: flows between consecutive snapshots, worked out by hand."""

import pandas as pd
import pytest

from segkit import InputError
from segkit.prep.aggregate import customer_table
from segkit.value.migration_periods import label_flows, migration_over_periods, snapshot_dates, stages_over_periods
from segkit.value.segmentation import Segmenter

#: (customer, day, amount): one order per row.
PURCHASES = [
    ("a", "2023-03-01", 100.0),
    ("a", "2023-06-15", 100.0),
    ("b", "2023-03-10", 500.0),
    ("c", "2023-04-20", 50.0),
    ("c", "2023-05-20", 50.0),
    ("c", "2023-06-20", 50.0),
    ("d", "2023-05-10", 20.0),
    ("e", "2023-06-10", 300.0),
    ("e", "2023-06-25", 300.0),
    ("f", "2023-03-20", 10.0),
    ("f", "2023-04-10", 10.0),
]
AS_OF = "2023-07-01"


def lines() -> pd.DataFrame:
    frame = pd.DataFrame(PURCHASES, columns=["customer_id", "order_date", "amount"])
    return frame.assign(
        order_id=[f"o{i}" for i in range(len(frame))], order_date=pd.to_datetime(frame["order_date"]), quantity=1.0
    )


def flows_of(result) -> dict[str, set[tuple[str, str, int]]]:
    return {
        str(end.date()): {(r["from"], r["to"], r["customers"]) for _, r in group.iterrows()}
        for end, group in result.flows.groupby("period_end")
    }


def test_snapshot_dates_step_back_from_as_of():
    assert [str(d.date()) for d in snapshot_dates(AS_OF, periods=3, days=30)] == [
        "2023-04-02",
        "2023-05-02",
        "2023-06-01",
        "2023-07-01",
    ]
    with pytest.raises(InputError, match="migration_periods: 0 must be at least 1"):
        snapshot_dates(AS_OF, periods=0)


def test_eight_class_over_three_periods_known_answer():
    # References fitted at 2023-07-01, the means over the 6 customers: recency (16+113+11+52+6+82)/6
    # = 46.7 days, frequency 11/6 = 1.83 orders, monetary 1490/6 = 248.3. Each snapshot (R, F, M):
    # 04-02: a (32, 1, 100) general_develop, b (23, 1, 500) important_develop, f (13, 1, 10) general_develop
    # 05-02: a (62, 1, 100) general_winback, b (53, 1, 500) important_winback, c (12, 1, 50) general_develop,
    #        f (22, 2, 20) general_value
    # 06-01: a (92, 1, 100) general_winback, b (83, 1, 500) important_winback, c (12, 2, 100) general_value,
    #        d (22, 1, 20) general_develop, f (52, 2, 20) general_retain
    # 07-01: a (16, 2, 200) general_value, b important_winback, c (11, 3, 150) general_value,
    #        d (52, 1, 20) general_winback, e (6, 2, 600) important_value, f (82, 2, 20) general_retain
    t = lines()
    segmenter = Segmenter().fit(customer_table(t), as_of=AS_OF)
    result = migration_over_periods(t, segmenter, periods=3, days=30, map_name="eight_class")
    assert [str(d.date()) for d in result.snapshots] == ["2023-04-02", "2023-05-02", "2023-06-01", "2023-07-01"]
    assert result.skipped == ()
    assert list(result.flows.columns) == ["period_start", "period_end", "from", "to", "customers"]
    assert flows_of(result) == {
        "2023-05-02": {
            ("general_develop", "general_winback", 1),
            ("important_develop", "important_winback", 1),
            ("not_yet", "general_develop", 1),
            ("general_develop", "general_value", 1),
        },
        "2023-06-01": {
            ("general_winback", "general_winback", 1),
            ("important_winback", "important_winback", 1),
            ("general_develop", "general_value", 1),
            ("not_yet", "general_develop", 1),
            ("general_value", "general_retain", 1),
        },
        "2023-07-01": {
            ("general_winback", "general_value", 1),
            ("important_winback", "important_winback", 1),
            ("general_value", "general_value", 1),
            ("general_develop", "general_winback", 1),
            ("not_yet", "important_value", 1),
            ("general_retain", "general_retain", 1),
        },
    }
    moves = result.moves.set_index(result.moves["period_end"].dt.strftime("%m-%d"))
    assert moves.loc[:, ["new", "stayed", "moved", "gone"]].to_dict("index") == {
        "05-02": {"new": 1, "stayed": 0, "moved": 3, "gone": 0},
        "06-01": {"new": 1, "stayed": 2, "moved": 2, "gone": 0},
        "07-01": {"new": 1, "stayed": 3, "moved": 2, "gone": 0},
    }
    first = result.sizes.loc[result.sizes["snapshot"] == result.snapshots[0]].set_index("segment")
    assert first["customers"].to_dict() == {
        "important_value": 0,
        "important_retain": 0,
        "important_develop": 1,
        "important_winback": 0,
        "general_value": 0,
        "general_retain": 0,
        "general_develop": 2,
        "general_winback": 0,
    }
    assert first.loc["general_develop", "share"] == pytest.approx(2 / 3)
    # The last snapshot is the fitted one: the same labels as the run's own segmentation.
    last = result.sizes.loc[result.sizes["snapshot"] == result.snapshots[-1]].set_index("segment")["customers"]
    assert (
        last.to_dict()
        == segmenter.segmentation_.maps["eight_class"].table["segment"].value_counts().reindex(last.index, fill_value=0).to_dict()
    )


def test_snapshots_before_the_first_purchase_are_skipped():
    # 5 periods of 30 days: 2023-02-01 has no purchase before it; 2023-03-03 has a's order of 03-01 only.
    t = lines()
    segmenter = Segmenter().fit(customer_table(t), as_of=AS_OF)
    result = migration_over_periods(t, segmenter, periods=5, days=30)
    assert [str(d.date()) for d in result.skipped] == ["2023-02-01"]
    assert str(result.snapshots[0].date()) == "2023-03-03" and len(result.snapshots) == 5
    assert flows_of(result)["2023-04-02"] == {
        ("general_develop", "general_develop", 1),
        ("not_yet", "important_develop", 1),
        ("not_yet", "general_develop", 1),
    }


def test_lifecycle_stages_over_three_periods_known_answer():
    # churn 60, at risk 30, new 30 at every snapshot:
    # 04-02: a at_risk (32 days), b new, f new
    # 05-02: a churned (62), b at_risk (53), c new, f active
    # 06-01: a churned, b churned (83), c active, d new, f at_risk (52)
    # 07-01: a reactivated (back on 06-15 after 106 days), b churned, c active, d at_risk, e new, f churned (82)
    result = stages_over_periods(lines(), as_of=AS_OF, churn_days=60, at_risk_days=30, periods=3, days=30)
    assert flows_of(result) == {
        "2023-05-02": {("at_risk", "churned", 1), ("new", "at_risk", 1), ("not_yet", "new", 1), ("new", "active", 1)},
        "2023-06-01": {
            ("churned", "churned", 1),
            ("at_risk", "churned", 1),
            ("new", "active", 1),
            ("not_yet", "new", 1),
            ("active", "at_risk", 1),
        },
        "2023-07-01": {
            ("churned", "reactivated", 1),
            ("churned", "churned", 1),
            ("active", "active", 1),
            ("new", "at_risk", 1),
            ("not_yet", "new", 1),
            ("at_risk", "churned", 1),
        },
    }
    assert result.name == "lifecycle" and "potential" not in set(result.segments["key"])


def test_label_flows_counts_new_and_gone_and_orders_rows():
    d = [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    labels = {
        d[1]: pd.Series({"x": "B", "y": "A", "z": None}),
        d[0]: pd.Series({"x": "A", "y": "A"}),
        d[2]: pd.Series({"x": "B", "z": "C", "w": "C"}),
    }
    segments = pd.DataFrame({"key": ["C", "B", "A"], "rank": [3, 2, 1]})
    result = label_flows(labels, segments=segments, name="t", days=31)
    # Jan -> Feb: x A->B, y A->A (z unlabelled in Feb: not counted). Feb -> Mar: x B->B, y A->gone,
    # z and w not yet -> C.
    assert result.flows[["from", "to", "customers"]].values.tolist() == [
        ["A", "A", 1],
        ["A", "B", 1],
        ["not_yet", "C", 2],
        ["A", "gone", 1],
        ["B", "B", 1],
    ]
    assert result.moves[["new", "stayed", "moved", "gone"]].values.tolist() == [[0, 1, 1, 0], [2, 1, 0, 1]]
    assert result.segments["key"].tolist() == ["A", "B", "C"]
