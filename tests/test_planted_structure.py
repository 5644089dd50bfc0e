"""The structure planted in the demo data is recovered by the real pipeline pieces.

The demo (data/raw/demo, written by conftest.py) carries two planted groups (truth.json):
``btyd_group``, whose purchase days follow the BG/NBD process exactly, and ``leaving_in_holdout``,
steady buyers who fade (growing gaps, falling spend) and stop in the holdout window. Every check
goes through the intake, the cleaning and the purchase-day aggregation, as a run does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from segkit.datasets import GENERATOR_VERSION
from segkit.datasets.btyd_process import simulate_bg_nbd
from segkit.datasets.population import DAYS, PERIOD_START
from segkit.intake.transactions import load_transactions
from segkit.models import BetaGeoModel, btyd_summary, check_holdout, split_calibration_holdout
from segkit.models.churn import ChurnRisk
from segkit.prep.aggregate import visit_table
from segkit.prep.cleaning import clean_transactions

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"
END = pd.Timestamp("2025-12-31")
CALIBRATION_END = pd.Timestamp("2025-08-07")  # the last 20 % of 2024-01-01 .. 2025-12-31 is the holdout
PARAMS = ("r", "alpha", "a", "b")


@pytest.fixture(scope="module")
def demo() -> tuple[dict, pd.DataFrame]:
    """truth.json and the cleaned purchase days (visit table) of the demo on disk."""
    truth = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))
    assert truth["generator"]["version"] == GENERATOR_VERSION, "stale demo data: rerun segkit demo-data"
    clean = clean_transactions(load_transactions(DEMO / "transactions.csv", preset="demo")).clean
    return truth, visit_table(clean)


@pytest.fixture(scope="module")
def group(demo) -> tuple[dict, pd.DataFrame]:
    truth, visits = demo
    planted = truth["btyd_group"]
    return planted, visits.loc[visits["customer_id"].isin(planted["ids"])]


def test_the_groups_are_of_the_planned_size_and_disjoint(demo):
    truth, _ = demo
    btyd, leaving = set(truth["btyd_group"]["ids"]), set(truth["leaving_in_holdout"]["ids"])
    assert len(btyd) == 1100 and len(leaving) == 250  # 22 % and 5 % of the 5,000 customers
    others = set(truth["never_bought"]) | set(truth["lapsed_big_spenders"]["ids"]) | set(truth["churned"]["ids"])
    assert btyd.isdisjoint(leaving) and btyd.isdisjoint(others) and leaving.isdisjoint(others)
    assert truth["btyd_group"]["time_unit"] == "W"


def test_cleaning_keeps_every_planted_purchase_day(group):
    """Dirt never removes a BTYD purchase day: the first line of each of their orders is left clean."""
    planted, visits = group
    days = visits.groupby("customer_id").size()
    assert days.reindex(planted["ids"], fill_value=0).to_dict() == planted["purchase_days"]
    first = visits.groupby("customer_id")["order_date"].min().dt.strftime("%Y-%m-%d")
    assert first.to_dict() == planted["first_purchase"]


def test_bg_nbd_recovers_the_planted_parameters(group):
    """Each true value lies within 3 standard errors of the fit, and no parameter sits at a bound.

    The standard errors come from the observed information; the next test checks on samples drawn
    from the process itself that they describe the sampling spread of the estimates.
    """
    planted, visits = group
    model = BetaGeoModel().fit(btyd_summary(visits, observation_end=END, unit="W"))
    assert model.fit_.at_bound == () and model.n_customers_ == len(planted["ids"])
    for name in PARAMS:
        error = abs(model.params_[name] - planted[name])
        assert error < 3 * model.standard_errors_[name], (name, model.params_[name], model.standard_errors_[name])


def _simulated_summary(first_day: np.ndarray, seed: int) -> pd.DataFrame:
    draw = simulate_bg_nbd(np.random.default_rng(seed), first_day, period_days=DAYS)
    days = pd.DataFrame(
        {
            "customer_id": draw.customer,
            "order_date": pd.to_datetime(PERIOD_START.astype("datetime64[D]") + draw.day),
            "amount": 1.0,
        }
    )
    return btyd_summary(days, observation_end=END, unit="W")


@pytest.mark.slow
def test_standard_errors_match_the_spread_over_samples_of_the_process(group):
    """Twelve cohorts of the same size and first purchase days, drawn straight from the process:
    the estimates centre on the true values and spread about as the standard errors say (the
    ratio of the observed spread to the mean standard error is between 0.5 and 2, a wide band
    for twelve samples: the spread of a standard deviation from 12 draws is about +-20 %)."""
    planted, visits = group
    first = (visits.groupby("customer_id")["order_date"].min() - pd.Timestamp("2024-01-01")).dt.days.to_numpy()
    fits = [BetaGeoModel().fit(_simulated_summary(first, seed)) for seed in range(12)]
    for name in PARAMS:
        estimates = np.array([f.params_[name] for f in fits])
        errors = np.array([f.standard_errors_[name] for f in fits])
        assert abs(estimates.mean() - planted[name]) < 3 * errors.mean() / np.sqrt(len(fits)) + 0.05 * planted[name], name
        assert 0.5 < estimates.std(ddof=1) / errors.mean() < 2.0, name


def test_expected_holdout_purchases_match_the_actual(group):
    """Fitted on the calibration period, BG/NBD predicts the group's holdout purchases: the total
    is within 3 standard deviations of the sum of per-customer errors (customers independent:
    the sd is the square root of the summed squared errors; about 6 % of the total here)."""
    _, visits = group
    split = split_calibration_holdout(visits, calibration_end=CALIBRATION_END, observation_end=END, unit="W")
    model = BetaGeoModel().fit(split.calibration)
    assert model.fit_.at_bound == ()
    check = check_holdout(model, split)
    predicted, actual = check.per_customer["predicted"], check.per_customer["actual"]
    sd = float(np.sqrt(((predicted - actual) ** 2).sum()))
    assert abs(predicted.sum() - actual.sum()) < 3 * sd
    assert check.tracking.loc[check.tracking["holdout"], "actual"].sum() == actual.sum()
    # Customers who bought more in the calibration buy more in the holdout, as predicted.
    by = check.by_frequency
    assert by["actual"].iloc[-1] > 2 * by["actual"].iloc[0] and by["predicted"].iloc[-1] > 2 * by["predicted"].iloc[0]


def test_leavers_stop_in_the_holdout_and_fade_before(demo):
    truth, visits = demo
    leaving = truth["leaving_in_holdout"]
    leave = pd.to_datetime(pd.Series(leaving["leave_from"]))
    assert leave.min() > CALIBRATION_END and leave.max() <= END
    theirs = visits.loc[visits["customer_id"].isin(leaving["ids"])]
    assert (theirs["order_date"] < theirs["customer_id"].map(leave)).all()
    # In the last third of the fade (baskets at 25-50 % of their size, up to 95 % of orders skipped)
    # spend per purchase day and purchase days per month are well below the same customers' before it.
    fade = pd.to_datetime(pd.Series(leaving["fade_from"]))
    late = fade + (leave - fade) * 2 / 3
    before = theirs.loc[theirs["order_date"] < theirs["customer_id"].map(fade)]
    ending = theirs.loc[theirs["order_date"] >= theirs["customer_id"].map(late)]
    assert ending["amount"].median() < 0.6 * before["amount"].median()
    months_before = (fade - pd.Timestamp("2024-01-01")).dt.days.clip(lower=30).sum() / 30.4
    months_ending = (leave - late).dt.days.sum() / 30.4
    assert len(ending) / months_ending < 0.5 * len(before) / months_before


def _leavers_and_controls(truth: dict, visits: pd.DataFrame, scored: pd.Index, *, cutoff: pd.Timestamp):
    """The planted leavers, the active customers no group was planted in (among `scored`), and the
    steady ones of those: first purchase before 2025 and at least the median active customer's
    purchase days before `cutoff`."""
    leavers = truth["leaving_in_holdout"]["ids"]
    planted = set(truth["never_bought"]) | set(truth["lapsed_big_spenders"]["ids"]) | set(truth["churned"]["ids"])
    planted |= set(truth["btyd_group"]["ids"]) | set(leavers)
    active = scored[~scored.isin(list(planted))]
    before = visits.loc[visits["order_date"] < cutoff]
    first = before.groupby("customer_id")["order_date"].min()
    days = before.groupby("customer_id").size()
    early = first.reindex(active) < pd.Timestamp("2025-01-01")
    steady = active[early.to_numpy() & (days.reindex(active) >= days.reindex(active).median()).to_numpy()]
    return leavers, active, steady


@pytest.mark.slow
def test_churn_risk_ranks_the_leavers_high_before_they_leave(demo):
    """Fitted on the data before the holdout and scored at its first day, the churn model puts the
    leavers above active customers who do not leave.

    The fair comparison is with active customers chosen like the leavers (first purchase before
    2025, at least as many purchase days by then as the median active customer; 841 of them):
    measured ROC-AUC 0.68, asserted > 0.63, about three bootstrap standard errors (0.018) below.
    Against all 1,515 active customers, many of whom buy rarely and so look risky anyway, it is
    lower (measured 0.58, sd 0.018, asserted > 0.53): a fading steady buyer still buys more than
    many a rare one, and the model (whose own test ROC-AUC is about 0.70) scores recency and
    frequency, not a customer's change against their own past.
    """
    truth, visits = demo
    cutoff = CALIBRATION_END + pd.Timedelta(days=1)
    model = ChurnRisk(window_days=90, n_boot=20).fit(visits, observation_end=CALIBRATION_END)
    risk = model.predict_risk(visits, as_of=cutoff).set_index("customer_id")["churn_risk"]
    leavers, active, steady = _leavers_and_controls(truth, visits, risk.index, cutoff=cutoff)

    def auc(controls: pd.Index) -> float:
        y = np.r_[np.ones(len(leavers)), np.zeros(len(controls))]
        return float(roc_auc_score(y, np.r_[risk.reindex(leavers).to_numpy(), risk.reindex(controls).to_numpy()]))

    assert risk.reindex(leavers).notna().all()
    assert auc(steady) > 0.63
    assert auc(active) > 0.53


@pytest.mark.slow
def test_the_churn_model_beats_the_bg_nbd_baseline_on_the_demo(demo):
    """On the demo's test period the learned model beats BG/NBD's 1 - P(alive), beyond the intervals.

    Measured (generator version 2): logistic regression ROC-AUC 0.799 (0.791 to 0.811), gradient
    boosting 0.760, BG/NBD 0.631 (0.618 to 0.644). The planted leavers alone, against the steady
    active customers chosen like them, are a harder case for the learned model: there BG/NBD ranks
    them at 0.71 and the learned model at 0.66 (a fading steady buyer still has a long record, which
    the learned model weighs, while BG/NBD reads the silence against the customer's own rate). Both
    put the leavers above the steady customers; that is asserted, the order between them is not.
    """
    truth, visits = demo
    model = ChurnRisk(window_days=90, n_boot=20).fit(visits, observation_end=END)
    metrics = model.quality_.metrics.set_index("model")
    assert model.beats_baseline_ and model.best_ in ("logistic", "gradient_boosting")
    assert metrics.loc[model.best_, "roc_auc_low"] > metrics.loc["bg_nbd", "roc_auc_high"]
    assert metrics.loc[model.best_, "roc_auc"] > 0.75 and metrics.loc["bg_nbd", "roc_auc"] < 0.70
    importance = model.quality_.importance
    assert "bg_nbd_p_alive" in set(importance.loc[importance["model"] == model.best_, "feature"].head(5))

    cutoff = CALIBRATION_END + pd.Timedelta(days=1)
    before = visits.loc[visits["order_date"] < cutoff]
    summary = btyd_summary(before, observation_end=CALIBRATION_END, unit="W")
    bg = BetaGeoModel().fit(summary)
    table = summary.table.set_index("customer_id")
    baseline = pd.Series(1 - bg.p_alive(table["btyd_frequency"], table["btyd_recency"], table["btyd_T"]), index=table.index)
    learned = (
        ChurnRisk(window_days=90, n_boot=5).fit(visits, observation_end=CALIBRATION_END)
        .predict_risk(visits, as_of=cutoff).set_index("customer_id")["churn_risk"]
    )  # fmt: skip
    leavers, _, steady = _leavers_and_controls(truth, visits, learned.index, cutoff=cutoff)
    y = np.r_[np.ones(len(leavers)), np.zeros(len(steady))]

    def auc(score: pd.Series) -> float:
        return float(roc_auc_score(y, np.r_[score.reindex(leavers).to_numpy(), score.reindex(steady).to_numpy()]))

    assert auc(learned) > 0.6 and auc(baseline) > 0.6, (auc(learned), auc(baseline))
