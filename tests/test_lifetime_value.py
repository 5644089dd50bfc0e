"""Lifetime-value models: published CDNOW estimates, an independent likelihood by integration,
agreement with lifetimes, recovery of simulated parameters, CLV and the holdout check."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from segkit.core.errors import InputError
from segkit.intake import transactions
from segkit.models import btyd
from segkit.models.bg_nbd import BetaGeoModel
from segkit.models.clv import customer_lifetime_value, value_concentration
from segkit.models.gamma_gamma import GammaGammaModel
from segkit.models.holdout import check_holdout, default_calibration_end, split_calibration_holdout, top_share_capture
from segkit.models.mbg_nbd import ModifiedBetaGeoModel
from segkit.models.pareto_nbd import ParetoNBDModel

CDNOW_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def cdnow_lines() -> pd.DataFrame:
    if not CDNOW_SAMPLE.exists():
        pytest.skip(f"CDNOW sample not found at {CDNOW_SAMPLE} (needs the shared data folder ../shared)")
    return transactions.load_transactions(CDNOW_SAMPLE, preset="cdnow_sample")


@pytest.fixture(scope="module")
def cdnow(cdnow_lines) -> btyd.BTYDSummary:
    """The published cohort: the raw file (zero-dollar lines included), 39 calibration weeks."""
    return btyd.btyd_summary(cdnow_lines, observation_end="1997-09-30", unit="W")


@pytest.fixture(scope="module")
def bg(cdnow) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow)


# -- published estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013)
def test_bg_nbd_matches_the_published_cdnow_estimates(cdnow, bg):
    assert bg.n_customers_ == 2357
    published = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for name, value in published.items():
        assert bg.params_[name] == pytest.approx(value, rel=1e-3), name
    assert bg.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    assert bg.unit_ == "W" and str(bg.calibration_end_.date()) == "1997-09-30"
    # standard errors as lifetimes prints them for this fit (0.0126, 0.3782, 0.1857, 0.7054)
    assert bg.standard_errors_["r"] == pytest.approx(0.0126, abs=5e-4)
    assert bg.standard_errors_["b"] == pytest.approx(0.705, abs=0.01)


def test_pareto_nbd_matches_the_published_cdnow_estimates(cdnow):
    model = ParetoNBDModel().fit(cdnow)
    published = {"r": 0.5533, "alpha": 10.578, "s": 0.6062, "beta": 11.669}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-3), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)  # Fader & Hardie's note: -9595.0


def test_gamma_gamma_matches_the_published_cdnow_estimates(cdnow):
    model = GammaGammaModel().fit(cdnow)
    assert model.n_customers_ == 946 and model.n_no_repeat_ == 1411 and model.n_zero_value_ == 0
    for name, value in {"p": 6.2496, "q": 3.7442, "gamma": 15.4435}.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-3), name
    # Fader & Hardie (2013): the population mean spend p gamma / (q - 1) is $35.17
    assert model.population_mean() == pytest.approx(35.17, abs=0.01)


def test_default_cleaning_drops_the_zero_dollar_lines(cdnow_lines):
    """The documented difference: cleaning removes zero-value lines, leaving 2,349 of 2,357 customers."""
    from segkit.prep.cleaning import clean_transactions

    clean = clean_transactions(cdnow_lines).clean
    kept = btyd.btyd_summary(clean, observation_end="1997-09-30", unit="W")
    assert len(kept.table) == 2349


# -- the likelihood against an independent derivation
def gamma_pdf(v, shape, rate):
    return math.exp(shape * math.log(rate) + (shape - 1) * math.log(v) - rate * v - math.lgamma(shape))


def bg_nbd_likelihood_by_integration(r, alpha, a, b, x, tx, T):
    """Integrate the individual BG/NBD likelihood over lambda ~ Gamma(r, alpha) and p ~ Beta(a, b)."""
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    def individual(lam, p):
        alive = (1 - p) ** x * lam**x * math.exp(-lam * T)
        dropped = p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * tx) if x > 0 else 0.0
        density = p ** (a - 1) * (1 - p) ** (b - 1) / math.exp(log_beta)
        return (alive + dropped) * gamma_pdf(lam, r, alpha) * density

    value, _ = integrate.dblquad(individual, 0, 1, 0, 40, epsabs=1e-12, epsrel=1e-8)
    return value


def pareto_likelihood_by_integration(r, alpha, s, beta, x, tx, T):
    """Integrate the individual Pareto/NBD likelihood over lambda ~ Gamma(r, alpha) and mu ~ Gamma(s, beta)."""

    def individual(lam, mu):
        alive = lam**x * math.exp(-(lam + mu) * T)
        dropped = lam**x * mu / (lam + mu) * (math.exp(-(lam + mu) * tx) - math.exp(-(lam + mu) * T))
        return (alive + dropped) * gamma_pdf(lam, r, alpha) * gamma_pdf(mu, s, beta)

    value, _ = integrate.dblquad(individual, 0, 40, 0, 40, epsabs=1e-13, epsrel=1e-8)
    return value


@pytest.mark.parametrize("x, tx, T", [(0, 0.0, 5.0), (1, 2.0, 6.0), (3, 4.5, 8.0), (2, 7.0, 7.0)])
def test_bg_nbd_likelihood_equals_the_integral(x, tx, T):
    params = np.array([0.8, 2.0, 1.3, 2.5])
    ours = BetaGeoModel._terms(params, np.array([x], float), np.array([tx]), np.array([T]))[0]
    assert np.exp(ours) == pytest.approx(bg_nbd_likelihood_by_integration(*params, x, tx, T), rel=1e-5)


@pytest.mark.parametrize("params", [[0.8, 2.0, 1.3, 3.0], [0.8, 3.0, 1.3, 2.0], [1.1, 2.5, 0.7, 2.5]])
@pytest.mark.parametrize("x, tx, T", [(0, 0.0, 5.0), (3, 4.5, 8.0)])
def test_pareto_likelihood_equals_the_integral(params, x, tx, T):
    """Both branches of A0 (alpha < beta, alpha > beta) and alpha = beta."""
    ours = ParetoNBDModel._terms(np.array(params), np.array([x], float), np.array([tx]), np.array([T]))[0]
    assert np.exp(ours) == pytest.approx(pareto_likelihood_by_integration(*params, x, tx, T), rel=1e-5)


def test_bg_nbd_p_alive_by_hand():
    model = BetaGeoModel()
    model.params_ = {"r": 0.5, "alpha": 2.0, "a": 1.0, "b": 3.0}
    # x = 2, t_x = 4, T = 10: 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) = 1 / (1 + 0.25 * 2 ** 2.5)
    assert model.p_alive(2, 4, 10) == pytest.approx(1 / (1 + 0.25 * 2**2.5))
    assert model.p_alive(0, 0, 10) == 1.0


# -- agreement with lifetimes on the same summary and parameters
def test_predictions_match_lifetimes(cdnow, bg):
    fitters = pytest.importorskip("lifetimes", reason="lifetimes (in the test extra) is not installed")
    data = cdnow.for_lifetimes()
    theirs = fitters.BetaGeoFitter()
    theirs.params_ = pd.Series({k: bg.params_[k] for k in ("r", "alpha", "a", "b")})
    x, tx, T = data["frequency"], data["recency"], data["T"]
    np.testing.assert_allclose(bg.p_alive(x, tx, T), theirs.conditional_probability_alive(x, tx, T), rtol=1e-9)
    np.testing.assert_allclose(
        bg.expected_purchases(39, x, tx, T), theirs.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
        rtol=1e-9,
    )  # fmt: skip
    np.testing.assert_allclose(
        bg.expected_purchases_new([1, 10, 39]), theirs.expected_number_of_purchases_up_to_time([1, 10, 39])
    )
    pareto = ParetoNBDModel().fit(cdnow)
    theirs = fitters.ParetoNBDFitter()
    theirs.params_ = pd.Series({k: pareto.params_[k] for k in ("r", "alpha", "s", "beta")})
    np.testing.assert_allclose(pareto.p_alive(x, tx, T), theirs.conditional_probability_alive(x, tx, T), rtol=1e-7)
    np.testing.assert_allclose(
        pareto.expected_purchases(39, x, tx, T), theirs.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
        rtol=1e-7,
    )  # fmt: skip
    spend = GammaGammaModel().fit(cdnow)
    theirs = fitters.GammaGammaFitter()
    theirs.params_ = pd.Series(spend.params_).rename({"gamma": "v"})
    np.testing.assert_allclose(
        spend.expected_spend(data["frequency"], data["monetary_value"]),
        theirs.conditional_expected_average_profit(data["frequency"], data["monetary_value"]),
        rtol=1e-9,
    )


# -- recovery of known parameters from simulated customers
def simulate_bg_nbd(n, r, alpha, a, b, T, seed):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    return pd.DataFrame({"customer_id": np.arange(n).astype(str), "btyd_frequency": x, "btyd_recency": tx, "btyd_T": T})


def test_bg_nbd_recovers_simulated_parameters():
    truth = {"r": 0.6, "alpha": 4.0, "a": 0.9, "b": 2.8}
    data = simulate_bg_nbd(6000, *truth.values(), T=52.0, seed=3)
    model = BetaGeoModel().fit(data)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.standard_errors_[name], (name, model.params_, model.standard_errors_)
    assert model.unit_ is None


# -- bad input
def test_unfitted_model_and_impossible_summaries_are_refused():
    with pytest.raises(InputError, match="not fitted"):
        BetaGeoModel().p_alive(1, 1, 2)
    bad = pd.DataFrame({"btyd_frequency": [1, 2], "btyd_recency": [3.0, 5.0], "btyd_T": [4.0, 4.0]})
    with pytest.raises(InputError, match=r"recency is larger than T .*row 2"):
        BetaGeoModel().fit(bad)
    with pytest.raises(InputError, match=r"'btyd_T': 1 of 2 values .*row 1"):
        ParetoNBDModel().fit(bad.assign(btyd_T=[np.nan, 6.0]))
    with pytest.raises(InputError, match="no customers"):
        BetaGeoModel().fit(bad.iloc[:0])
    with pytest.raises(InputError, match="at least two"):
        GammaGammaModel().fit(pd.DataFrame({"btyd_frequency": [0, 1], "btyd_monetary": [0.0, 0.0]}))


def test_gamma_gamma_leaves_out_zero_value_repeaters():
    data = pd.DataFrame({"btyd_frequency": [0, 1, 2, 3, 1, 4, 2], "btyd_monetary": [0, 0, 10, 12, 30, 9, 20.0]})
    model = GammaGammaModel().fit(data)
    assert (model.n_customers_, model.n_no_repeat_, model.n_zero_value_) == (5, 1, 1)


# -- CLV
def test_clv_sums_discounted_monthly_increments(cdnow, bg):
    spend = GammaGammaModel().fit(cdnow)
    clv = customer_lifetime_value(bg, spend, cdnow, horizon_months=2, monthly_discount_rate=0.1)
    assert list(clv.columns) == ["customer_id", "p_alive", "expected_purchases_2M", "expected_spend", "clv_2M"]
    t = cdnow.table
    month = 30.4375 / 7
    e1 = bg.expected_purchases(month, t["btyd_frequency"], t["btyd_recency"], t["btyd_T"])
    e2 = bg.expected_purchases(2 * month, t["btyd_frequency"], t["btyd_recency"], t["btyd_T"])
    value = spend.expected_spend(t["btyd_frequency"], t["btyd_monetary"])
    np.testing.assert_allclose(clv["clv_2M"], value * e1 / 1.1 + value * (e2 - e1) / 1.21)
    np.testing.assert_allclose(clv["expected_purchases_2M"], e2)
    undiscounted = customer_lifetime_value(bg, spend, cdnow, horizon_months=2, monthly_discount_rate=0.0)
    np.testing.assert_allclose(undiscounted["clv_2M"], value * e2)
    with pytest.raises(InputError, match="horizon_months"):
        customer_lifetime_value(bg, spend, cdnow, horizon_months=0)


def test_value_concentration_by_hand():
    table = value_concentration(pd.Series([50.0, 30, 10, 5, 5]), shares=(0.2, 0.5))
    assert table["customers"].tolist() == [1, 3]
    assert table["value_share"].tolist() == pytest.approx([0.5, 0.9])


# -- calibration / holdout
def test_split_by_hand_on_cdnow(cdnow_lines):
    split = split_calibration_holdout(cdnow_lines, calibration_end="1997-09-30", observation_end="1998-06-30", unit="W")
    table = split.calibration.table.set_index("customer_id").join(split.holdout.set_index("customer_id"))
    # customer 00004 bought on 1997-01-01, 01-18, 08-02 and 12-12 (head of the raw file)
    first = table.loc["00004"]
    assert first["btyd_frequency"] == 2 and first["holdout_purchases"] == 1
    assert first["btyd_recency"] == pytest.approx(213 / 7) and first["btyd_T"] == pytest.approx(272 / 7)
    assert split.holdout_length == pytest.approx(273 / 7)  # 1997-10-01 .. 1998-06-30
    assert len(table) == 2357  # every customer of the sample bought in the first quarter
    # purchase days after 1997-09-30, counted independently on the raw lines
    days = cdnow_lines.assign(day=cdnow_lines["order_date"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    assert table["holdout_purchases"].sum() == (days["day"] > "1997-09-30").sum()


def test_holdout_check_on_cdnow(cdnow_lines):
    split = split_calibration_holdout(cdnow_lines, calibration_end="1997-09-30", observation_end="1998-06-30", unit="W")
    model = BetaGeoModel().fit(split.calibration)
    check = check_holdout(model, split)
    # every repeat purchase day is counted once in the tracking table
    repeat_days = split.calibration.table["btyd_frequency"].sum() + split.holdout["holdout_purchases"].sum()
    assert check.tracking["actual"].sum() == repeat_days
    assert check.tracking.loc[check.tracking["holdout"], "actual"].sum() == split.holdout["holdout_purchases"].sum()
    assert len(check.tracking) == 78  # 1997-01-01 .. 1998-06-30 is 545 days: 78 weeks (the last one partial)
    assert check.by_frequency["customers"].sum() == 2357
    # BG/NBD tracks CDNOW's holdout closely: the cumulative prediction within 5 % of the actual (Fader et al., fig. 3)
    last = check.tracking.iloc[-1]
    assert last["predicted_cumulative"] == pytest.approx(last["actual_cumulative"], rel=0.05)
    assert 0 < check.mae < 2 and 0 <= check.top_decile_capture <= 1


def test_top_share_capture_by_hand():
    actual = np.array([5, 0, 0, 3, 0, 0, 0, 0, 0, 1])
    assert top_share_capture(actual, np.array([9, 0, 0, 0, 0, 0, 0, 0, 0, 0.0])) == 1.0
    assert top_share_capture(actual, np.array([0, 9, 0, 0, 0, 0, 0, 0, 0, 0.0])) == 0.0
    assert top_share_capture(actual, actual[::-1].astype(float), share=0.2) == 0.0
    assert top_share_capture(actual, actual.astype(float), share=0.3) == 1.0


def test_default_calibration_end_keeps_a_fifth_for_the_holdout():
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-04-10"]))  # 100 days
    assert default_calibration_end(dates) == pd.Timestamp("2024-03-21")  # day 80
    with pytest.raises(InputError, match="holdout period would be empty"):
        split_calibration_holdout(
            pd.DataFrame({"customer_id": ["a"], "order_date": dates[:1], "amount": [1.0]}), calibration_end="2024-01-01"
        )


def test_penalty_is_scaled_as_in_lifetimes(cdnow):
    fitters = pytest.importorskip("lifetimes", reason="lifetimes (in the test extra) is not installed")
    data = cdnow.for_lifetimes()
    repeat = data.loc[data["frequency"] > 0]
    theirs = fitters.GammaGammaFitter(penalizer_coef=0.01).fit(repeat["frequency"], repeat["monetary_value"])
    ours = GammaGammaModel(penalizer_coef=0.01).fit(cdnow)
    for name, their_name in {"p": "p", "q": "q", "gamma": "v"}.items():
        assert ours.params_[name] == pytest.approx(theirs.params_[their_name], rel=1e-3), name
    assert ours.params_["q"] < GammaGammaModel().fit(cdnow).params_["q"]  # the penalty shrinks


@pytest.mark.parametrize(
    "model, params, data",
    [
        (BetaGeoModel, [0.8, 2.0, 1.3, 2.5], ([0.0, 1, 3, 2], [0.0, 2.0, 4.5, 7.0], [5.0, 6.0, 8.0, 7.0])),
        (GammaGammaModel, [6.0, 3.7, 15.0], ([1.0, 2, 5], [20.0, 35.5, 12.0])),
        (ModifiedBetaGeoModel, [0.8, 2.0, 1.3, 2.5], ([0.0, 1, 3, 2], [0.0, 2.0, 4.5, 7.0], [5.0, 6.0, 8.0, 7.0])),
    ],
)
def test_analytic_gradients_equal_finite_differences(model, params, data):
    params = np.array(params)
    columns = [np.array(c) for c in data]
    analytic = model._gradient(params, *columns)
    for k in range(len(params)):
        step = np.zeros_like(params)
        step[k] = 1e-6 * params[k]
        numeric = (model._terms(params + step, *columns) - model._terms(params - step, *columns)) / (2 * step[k])
        np.testing.assert_allclose(analytic[:, k], numeric, rtol=1e-6, atol=1e-8)


def test_net_negative_repeat_spend_is_left_out_like_zero_value():
    """Returns can leave a repeat buyer's mean repeat spend below zero: no spend information, not an error."""
    data = pd.DataFrame({"btyd_frequency": [0, 1, 2, 3, 1, 4, 2], "btyd_monetary": [0, -5.0, 10, 12, 30, 9, 20.0]})
    model = GammaGammaModel().fit(data)
    assert (model.n_customers_, model.n_no_repeat_, model.n_zero_value_) == (5, 1, 1)
    assert model.expected_spend([1], [-5.0])[0] == pytest.approx(model.expected_spend([1], [0.0])[0])


# -- the modified BG/NBD (Batislam et al. 2007)
def test_modified_bg_nbd_p_alive_by_hand():
    model = ModifiedBetaGeoModel()
    model.params_ = {"r": 0.5, "alpha": 2.0, "a": 1.0, "b": 3.0}
    # x = 2, t_x = 4, T = 10: 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) = 1 / (1 + 0.2 * 2 ** 2.5)
    assert model.p_alive(2, 4, 10) == pytest.approx(1 / (1 + 0.2 * 2**2.5))
    # unlike BG/NBD, a customer without a repeat may have dropped out: 1 / (1 + 1/3 * 6 ** 0.5)
    assert model.p_alive(0, 0, 10) == pytest.approx(1 / (1 + 6**0.5 / 3))


def test_modified_bg_nbd_agrees_with_lifetimes_on_cdnow(cdnow):
    fitters = pytest.importorskip("lifetimes", reason="lifetimes (in the test extra) is not installed")
    data = cdnow.for_lifetimes()
    x, tx, T = data["frequency"], data["recency"], data["T"]
    ours = ModifiedBetaGeoModel().fit(cdnow)
    theirs = fitters.ModifiedBetaGeoFitter().fit(x, tx, T)
    for name in ("r", "alpha", "a", "b"):
        assert ours.params_[name] == pytest.approx(theirs.params_[name], rel=1e-3), name
    # the same likelihood: lifetimes' mean negative log-likelihood, evaluated at our parameters
    log_params = np.log([ours.params_[k] for k in ("r", "alpha", "a", "b")])
    weights = np.ones(len(x))
    mean_nll = fitters.ModifiedBetaGeoFitter._negative_log_likelihood(
        log_params, x.to_numpy(), tx.to_numpy(), T.to_numpy(), weights, 0.0
    )
    assert -ours.log_likelihood_ / ours.n_customers_ == pytest.approx(mean_nll, rel=1e-9)
    same = fitters.ModifiedBetaGeoFitter()
    same.params_ = pd.Series(ours.params_)
    np.testing.assert_allclose(ours.p_alive(x, tx, T), same.conditional_probability_alive(x, tx, T), rtol=1e-9)
    np.testing.assert_allclose(
        ours.expected_purchases(39, x, tx, T), same.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
        rtol=1e-9,
    )  # fmt: skip
    np.testing.assert_allclose(
        ours.expected_purchases_new([1, 10, 39]), same.expected_number_of_purchases_up_to_time([1, 10, 39])
    )


# -- Pareto/NBD with hundreds of purchases (days as the time unit)
@pytest.mark.parametrize(
    ("a", "b", "z", "expected"),
    [
        # log 2F1(a, b; a+1; z) from the integral a * int_0^1 t^(a-1) (1 - z t)^(-b) dt (scipy quad, rtol 1e-12)
        (50.0, 20.0, 0.9, 44.5597278235522),
        (300.5, 250.2, 0.99, 1147.793537667274),  # scipy's hyp2f1 overflows: Euler's transformation
        (800.0, 700.0, 0.999, 4828.655756305515),  # both overflow: the series
        (1000.0, 999.0, 0.9, 2297.98172424921),
    ],
)
def test_log_hyp2f1_without_overflow(a, b, z, expected):
    from segkit.models.pareto_nbd import log_hyp2f1_a1

    assert log_hyp2f1_a1(np.array([a]), np.array([b]), np.array([z]))[0] == pytest.approx(expected, rel=1e-12)


def test_pareto_nbd_likelihood_of_heavy_buyers_counted_in_days():
    """400 purchases over 100 days with long lifetimes (beta >> alpha): scipy's hyp2f1 alone gives NaN here."""
    from segkit.models.pareto_nbd import log_a0, log_hyp2f1_a1

    params = np.array([0.5, 5.0, 0.8, 5000.0])
    x, tx, T = np.array([400.0, 3.0]), np.array([100.0, 200.0]), np.array([700.0, 700.0])
    terms = ParetoNBDModel._terms(params, x, tx, T)
    assert np.isfinite(terms).all()
    # log A0 (alpha < beta) from its two hypergeometric parts, by hand
    r, alpha, s, beta = params
    rsx = r + s + x
    first = log_hyp2f1_a1(rsx, r + x, (beta - alpha) / (beta + tx)) - rsx * np.log(beta + tx)
    last = log_hyp2f1_a1(rsx, r + x, (beta - alpha) / (beta + T)) - rsx * np.log(beta + T)
    np.testing.assert_allclose(log_a0(params, x, tx, T), first + np.log1p(-np.exp(last - first)), rtol=1e-12)
    model = ParetoNBDModel()
    model.params_ = dict(zip(model.PARAMS, params, strict=True))
    assert np.isfinite(model.p_alive(x, tx, T)).all()
