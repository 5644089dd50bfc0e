"""Churn risk: features by hand, a planted structure the model must find, and honest metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.models.churn import ChurnRisk, bootstrap_interval, lift_table
from segkit.models.churn_features import churn_features, churn_labels


def visits(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [float(r[2]) for r in rows],
        }
    )


def test_features_by_hand():
    data = visits(
        [
            ("a", "2024-01-01", 10),
            ("a", "2024-03-01", 20),
            ("a", "2024-05-01", 40),
            ("a", "2024-07-01", 99),  # on the cut-off: not used
            ("b", "2024-06-20", 5),
        ]
    )
    f = churn_features(data, cutoff="2024-07-01").set_index("customer_id")
    a = f.loc["a"]
    assert a["recency_days"] == 61  # 2024-05-01 -> 2024-07-01
    assert a["tenure_days"] == 182
    assert a["purchase_days"] == 3 and a["revenue"] == 70 and a["mean_spend"] == pytest.approx(70 / 3)
    assert a["mean_gap_days"] == pytest.approx((60 + 61) / 2) and a["last_gap_days"] == 61
    # last 90 days (2024-04-02 .. 06-30): the 40 on 05-01; the 90 before: the 20 on 03-01
    assert a["purchases_last_90"] == 1 and a["spend_last_90"] == 40
    assert a["spend_trend"] == pytest.approx((40 - 20) / 60)
    b = f.loc["b"]
    assert np.isnan(b["mean_gap_days"]) and b["spend_trend"] == 1.0
    labels = churn_labels(data, f.index.to_series(), cutoff="2024-07-01", window_days=30)
    assert labels.tolist() == [0, 1]  # a bought on 07-01, b did not come back


def test_lift_and_bootstrap_by_hand():
    y = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    table = lift_table(y, np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]), groups=5)
    assert table["churners"].tolist() == [2, 0, 1, 0, 0]
    assert table["lift"].iloc[0] == pytest.approx(1.0 / 0.3)
    assert table["capture"].tolist() == pytest.approx([2 / 3, 2 / 3, 1, 1, 1])
    low, high = bootstrap_interval(y, y.astype(float), lambda a, b: float(np.mean(a == (b > 0.5))), n_boot=50, seed=1)
    assert low == high == 1.0


def planted(n=1500, seed=4):
    """Loyal customers buy every ~15 days (exponential gaps) throughout; leavers buy the same way but
    stop on a random day, some after the end. In their last 90 days leavers' gaps grow (mean 25 days)
    and their spend falls (mean 35 against 50): a signal in the history that BG/NBD's recency and
    frequency summary does not see."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31")
    span = (end - start).days
    rows = []
    for i in range(n):
        leaver = i % 2 == 1
        stop = rng.integers(200, span + 200) if leaver else span + 1
        t = float(rng.integers(0, 60))
        while t < min(stop, span):
            fading = leaver and stop - t < 90
            rows.append((f"C{i:05d}", start + pd.Timedelta(days=int(t)), rng.gamma(4.0, (35.0 if fading else 50.0) / 4)))
            t += rng.exponential(24.0 if fading else 14.0) + 1
    return visits(rows), end


def test_planted_leavers_are_found_and_reported_against_the_baseline():
    data, end = planted()
    model = ChurnRisk(window_days=60, n_boot=50).fit(data, observation_end=end)
    metrics = model.quality_.metrics.set_index("model")
    assert list(metrics.index) == ["gradient_boosting", "logistic", "bg_nbd"]
    assert metrics.loc["gradient_boosting", "roc_auc"] > 0.85
    assert model.beats_baseline_ == (
        metrics.loc[["gradient_boosting", "logistic"], "roc_auc"].max() > metrics.loc["bg_nbd", "roc_auc"]
    )
    for name, row in metrics.iterrows():
        assert row["roc_auc_low"] <= row["roc_auc"] <= row["roc_auc_high"], name
        assert 0 < row["churn_rate"] < 1
    lift = model.quality_.lift
    assert (lift.groupby("model")["capture"].last() == 1).all()
    assert model.quality_.importance["feature"].iloc[0] in {"recency_days", "spend_trend", "last_gap_days", "spend_last_90",
                                                            "purchases_last_90", "mean_spend", "mean_gap_days"}  # fmt: skip
    risk = model.predict_risk(data, as_of=end + pd.Timedelta(days=1))
    assert risk["churn_risk"].between(0, 1).all() and len(risk) == data["customer_id"].nunique()
    assert model.as_dict()["test_cutoff"] == (end + pd.Timedelta(days=1) - pd.Timedelta(days=60)).date().isoformat()


def test_short_or_degenerate_data_is_refused():
    data = visits([("a", "2024-01-01", 1), ("a", "2024-02-01", 1)])
    with pytest.raises(InputError, match="too short"):
        ChurnRisk(window_days=90).fit(data, observation_end="2024-02-01")
    with pytest.raises(InputError, match="not fitted"):
        ChurnRisk().predict_risk(data, as_of="2024-03-01")
