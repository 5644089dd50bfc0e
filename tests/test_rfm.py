"""RFM features, scores (ties, custom thresholds) and the BTYD summary, on hand-made tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import InputError
from segkit.models import btyd
from segkit.value import rfm

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"


def customer_table(rows):
    """rows: (id, first, last, orders, purchase_days, revenue)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "first_purchase", "last_purchase", "orders", "purchase_days", "revenue"])
    return frame.assign(
        first_purchase=pd.to_datetime(frame["first_purchase"]),
        last_purchase=pd.to_datetime(frame["last_purchase"]),
        items=1.0,
        lines=1,
    )


CUSTOMERS = customer_table(
    [
        ("a", "2024-01-01 10:00", "2024-03-31 23:59", 4, 3, 400.0),
        ("b", "2024-02-01 09:00", "2024-02-01 09:00", 1, 1, 50.0),
        ("c", "2024-01-10 08:00", "2024-03-01 12:00", 3, 2, 90.0),
    ]
)


def test_features_known_answers():
    f = rfm.rfm_features(CUSTOMERS, as_of="2024-04-01").table.set_index("customer_id")
    # a: last purchase 2024-03-31 -> 1 day before 2024-04-01; first 2024-01-01 -> 91 days (31+29+31)
    assert f.loc["a", "recency"] == 1
    assert f.loc["a", "tenure"] == 91
    # a: 90 days from first to last purchase day over 3 purchase days -> 2 gaps -> 45 days
    assert f.loc["a", "mean_days_between"] == 45
    assert f.loc["a", "frequency"] == 4 and f.loc["a", "monetary"] == 400
    # b: one purchase day -> no gap
    assert np.isnan(f.loc["b", "mean_days_between"])
    # c: 2024-03-01 -> 31 days before 2024-04-01
    assert f.loc["c", "recency"] == 31


def test_feature_options_and_default_as_of():
    result = rfm.rfm_features(CUSTOMERS, frequency="days", monetary="aov")
    assert result.as_of == pd.Timestamp("2024-04-01")  # the day after the latest purchase
    f = result.table.set_index("customer_id")
    assert f.loc["a", "frequency"] == 3  # purchase days
    assert f.loc["c", "monetary"] == 30  # 90 / 3 orders
    assert result.units["frequency"] == "distinct purchase days"


def test_features_reject_as_of_before_purchases():
    with pytest.raises(InputError, match=r"as_of 2024-02-15: 2 customers bought after it"):
        rfm.rfm_features(CUSTOMERS, as_of="2024-02-15")


def test_features_missing_column_is_input_error():
    with pytest.raises(InputError, match="missing column.*'revenue'"):
        rfm.rfm_features(CUSTOMERS.drop(columns="revenue"))


def scores_of(recency, frequency, monetary, **kw):
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(len(recency))], "recency": recency, "frequency": frequency, "monetary": monetary}
    )
    return rfm.rfm_scores(frame, **kw)


def test_scores_distinct_values_fill_every_bin():
    # 10 customers, 5 bins: 1 + floor(5 * worse / 10) -> two per score
    s = scores_of(list(range(10, 0, -1)), list(range(1, 11)), list(range(1, 11)))
    assert s.table["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # recency 10..1 days: most recent (1 day) scores 5
    assert s.table["r_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert s.table["rfm_code"].iloc[-1] == "555" and s.table["rfm_score"].iloc[-1] == 15
    assert s.thresholds["frequency"] == (3.0, 5.0, 7.0, 9.0)
    assert s.thresholds["recency"] == (2.0, 4.0, 6.0, 8.0)


def test_scores_half_one_time_buyers_do_not_collapse_top_bins():
    # 10 customers: 5 bought once, then 2, 3, 4, 5, 6 orders.
    # once: 0 strictly worse -> 1; 2 orders: 5 worse -> 1 + floor(2.5) = 3; 3: 6 -> 4; 4: 7 -> 4;
    # 5: 8 -> 5; 6: 9 -> 5. qcut would merge edges and cap the top; here 5 is reached.
    freq = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6]
    s = scores_of([1] * 10, freq, list(range(10)))
    assert s.table["f_score"].tolist() == [1, 1, 1, 1, 1, 3, 4, 4, 5, 5]
    bands = rfm.score_bands(s).query("metric == 'frequency'").set_index("score")
    assert bands.loc[2, "customers"] == 0  # the empty score is visible, not hidden
    assert bands["customers"].sum() == 10
    # all recencies tie -> everyone shares the lowest score of the group
    assert set(s.table["r_score"]) == {1}


def test_returned_thresholds_reproduce_the_scores():
    rng = np.random.default_rng(7)
    s = scores_of(rng.integers(1, 400, 300), rng.geometric(0.5, 300), rng.gamma(2, 50, 300).round(2))
    again = scores_of(s.table["recency"], s.table["frequency"], s.table["monetary"], thresholds=s.thresholds)
    for col in ("r_score", "f_score", "m_score"):
        assert again.table[col].tolist() == s.table[col].tolist()
    assert again.method == {"recency": "custom", "frequency": "custom", "monetary": "custom"}


def test_custom_business_thresholds():
    # recency cuts [30, 90, 180, 365]: <=30 -> 5, <=90 -> 4, <=180 -> 3, <=365 -> 2, else 1
    # frequency cuts [2, 3, 5, 10]: >=10 -> 5, >=5 -> 4, >=3 -> 3, >=2 -> 2, else 1
    s = scores_of(
        [30, 31, 365, 366], [1, 2, 9, 10], [1, 2, 3, 4], thresholds={"recency": [30, 90, 180, 365], "frequency": [2, 3, 5, 10]}
    )
    assert s.table["r_score"].tolist() == [5, 4, 2, 1]
    assert s.table["f_score"].tolist() == [1, 2, 4, 5]
    assert s.method["monetary"] == "rank"


def test_bad_thresholds_are_input_errors():
    with pytest.raises(InputError, match="4 ascending cut points"):
        scores_of([1, 2], [1, 2], [1, 2], thresholds={"frequency": [1, 2]})
    with pytest.raises(InputError, match="unknown metric"):
        scores_of([1, 2], [1, 2], [1, 2], thresholds={"value": [1, 2, 3, 4]})


# --------------------------------------------------------------------------------------------- BTYD


def test_btyd_summary_by_hand():
    t = pd.DataFrame(
        {
            "customer_id": ["x", "x", "x", "x", "y"],
            "order_date": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-15 00:00", "2024-01-29 00:00", "2024-01-20 00:00"]
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    s = btyd.btyd_summary(t, observation_end="2024-02-12", unit="W").table.set_index("customer_id")
    # x: days 01-01 (merged 15), 01-15, 01-29 -> 2 repeats; recency 28 d = 4 w; T = 42 d = 6 w;
    # monetary = mean(20, 40) = 30 (the first purchase is not a repeat)
    assert s.loc["x"].tolist() == [2.0, 4.0, 6.0, 30.0]
    # y: one purchase; T = 23 days / 7
    assert s.loc["y"].tolist() == pytest.approx([0.0, 0.0, 23 / 7, 0.0])
    months = btyd.btyd_summary(t, observation_end="2024-02-12", unit="M").table.set_index("customer_id")
    assert months.loc["x", "btyd_T"] == pytest.approx(42 / 30.4375)


def test_btyd_columns_are_named_apart_from_rfm():
    t = pd.DataFrame({"customer_id": ["x"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    s = btyd.btyd_summary(t, observation_end="2024-01-31", unit="D")
    assert not {"recency", "frequency", "monetary"} & set(s.table.columns)
    assert list(s.for_lifetimes().columns) == ["frequency", "recency", "T", "monetary_value"]


def test_btyd_rejects_unknown_unit():
    t = pd.DataFrame({"customer_id": ["x"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(InputError, match="unit: 'Y'"):
        btyd.btyd_summary(t, observation_end="2024-01-31", unit="Y")


@pytest.fixture(scope="module")
def cdnow():
    if not CDNOW.exists():
        pytest.skip(f"CDNOW sample not found at {CDNOW} (needs the shared data folder ../shared)")
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"master_id": str, "sample_id": str, "date": str},
    )
    return raw.assign(
        order_date=pd.to_datetime(raw["date"], format="%Y%m%d"), customer_id=raw["sample_id"], amount=raw["dollars"]
    )


def test_btyd_cdnow_counts_and_independent_computation(cdnow):
    s = btyd.btyd_summary(cdnow, observation_end="1997-09-30", unit="W").table.set_index("customer_id")
    # published: 2,357 customers in the calibration period, 946 with at least one repeat
    assert len(s) == 2357
    assert (s["btyd_frequency"] > 0).sum() == 946
    # independent plain-pandas computation: merge same-day purchases, then per customer
    cal = cdnow[cdnow["order_date"] <= "1997-09-30"]
    daily = cal.groupby(["customer_id", "order_date"])["amount"].sum().reset_index()
    end = pd.Timestamp("1997-09-30")
    rows = {}
    for cid, g in daily.groupby("customer_id"):
        g = g.sort_values("order_date")
        first, last = g["order_date"].iloc[0], g["order_date"].iloc[-1]
        rep = g["amount"].iloc[1:]
        rows[cid] = (len(g) - 1, (last - first).days / 7, (end - first).days / 7, rep.mean() if len(rep) else 0.0)
    ref = pd.DataFrame.from_dict(rows, orient="index", columns=["f", "r", "T", "m"]).loc[s.index]
    np.testing.assert_allclose(s["btyd_frequency"], ref["f"])
    np.testing.assert_allclose(s["btyd_recency"], ref["r"])
    np.testing.assert_allclose(s["btyd_T"], ref["T"])
    np.testing.assert_allclose(s["btyd_monetary"], ref["m"])


def test_btyd_cdnow_customer_0001_by_hand(cdnow):
    s = btyd.btyd_summary(cdnow, observation_end="1997-09-30", unit="W").table.set_index("customer_id")
    # 0001 in calibration: 1997-01-01 (29.33), 01-18 (29.73), 08-02 (14.96); 12-12 is after the end.
    # x = 2; t_x = 213 days / 7 = 30.43 w; T = 272 days / 7 = 38.86 w; m = (29.73 + 14.96) / 2
    assert s.loc["0001", "btyd_frequency"] == 2
    assert s.loc["0001", "btyd_recency"] == pytest.approx(30.43, abs=5e-3)
    assert s.loc["0001", "btyd_T"] == pytest.approx(38.86, abs=5e-3)
    assert s.loc["0001", "btyd_monetary"] == pytest.approx(22.345)
    # 0002: 1997-01-01 and 1997-01-13 (12 days): x = 1, t_x = 1.71 w
    assert s.loc["0002", "btyd_frequency"] == 1
    assert s.loc["0002", "btyd_recency"] == pytest.approx(12 / 7)


def test_btyd_matches_lifetimes_when_installed(cdnow):
    utils = pytest.importorskip("lifetimes.utils", reason="lifetimes (in the test extra) is not installed")
    ours = btyd.btyd_summary(cdnow, observation_end="1997-09-30", unit="D").for_lifetimes()
    theirs = utils.summary_data_from_transaction_data(
        cdnow, "customer_id", "order_date", monetary_value_col="amount", observation_period_end="1997-09-30", freq="D"
    )
    pd.testing.assert_frame_equal(
        ours.sort_index(), theirs.sort_index(), check_names=False, check_dtype=False, check_index_type=False
    )
