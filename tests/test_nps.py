"""NPS, its intervals and comparisons, and the satisfaction-extremes profile."""

import numpy as np
import pandas as pd
import pytest

from segkit.core import stats
from segkit.core.errors import InputError
from segkit.needs import net_promoter as nps
from segkit.reporting import needs_text

SCORES = [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]


def test_nps_reference_by_hand():
    # promoters 5 (10, 9, 9, 10, 9), passives 2, detractors 3: NPS = 100 (0.5 - 0.3) = 20
    # SE = 100 sqrt((0.5 + 0.3 - 0.2^2) / 10) = 100 sqrt(0.076) = 27.57
    result = nps.nps(SCORES, method="wald")
    assert (result.promoters, result.passives, result.detractors) == (5, 2, 3)
    assert result.nps == pytest.approx(20.0)
    assert result.se == pytest.approx(27.57, abs=0.005)
    # Wald: 20 +- 1.96 * 27.568 = 20 +- 54.03
    assert result.ci_low == pytest.approx(-34.03, abs=0.01)
    assert result.ci_high == pytest.approx(74.03, abs=0.01)


def test_adjusted_wald_by_hand():
    # n' = 13, p' = 5.75/13 = 0.44231, d' = 3.75/13 = 0.28846, centre 15.385
    # SE' = sqrt((0.73077 - 0.15385^2) / 13) = 0.23322 -> half width 1.96 * 23.322 = 45.71
    result = nps.nps(SCORES)  # n = 10 < 30: auto picks adjusted Wald
    assert result.method == "adjusted-wald"
    assert result.nps == pytest.approx(20.0)
    assert result.ci_low == pytest.approx(15.385 - 45.71, abs=0.01)
    assert result.ci_high == pytest.approx(15.385 + 45.71, abs=0.01)


def test_interval_is_clipped_to_scale():
    result = nps.nps([10] * 5, method="wald")
    assert result.nps == 100 and result.ci_high <= 100


def test_two_group_z_test_by_hand():
    # group B: 10 10 10 10 9 9 9 9 8 0 -> p 0.8, d 0.1, NPS 70, SE 100 sqrt((0.9 - 0.49)/10) = 20.248
    # z = (20 - 70) / sqrt(27.568^2 + 20.248^2) = -50 / 34.205 = -1.4618, p = 0.1438
    a = nps.nps(SCORES)
    b = nps.nps([10, 10, 10, 10, 9, 9, 9, 9, 8, 0])
    assert b.nps == pytest.approx(70.0) and b.se == pytest.approx(20.248, abs=0.001)
    z, p = nps.compare_two(a, b)
    assert z == pytest.approx(-1.4618, abs=1e-4)
    assert p == pytest.approx(0.1438, abs=1e-4)


def test_holm_and_bh_by_hand():
    # Holm: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04) = 0.06
    assert stats.adjust_pvalues([0.01, 0.04, 0.03], method="holm") == pytest.approx([0.03, 0.06, 0.06])
    # BH: 0.01*3/1 = 0.03, 0.03*3/2 = 0.045, 0.04*3/3 = 0.04 -> step-up minimum 0.03, 0.04, 0.04
    assert stats.adjust_pvalues([0.01, 0.04, 0.03], method="bh") == pytest.approx([0.03, 0.04, 0.04])


def test_by_group_flags_small_bases_and_corrects():
    scores = pd.Series([10] * 40 + [0] * 40 + [10, 0, 9])
    groups = pd.Series(["happy"] * 40 + ["unhappy"] * 40 + ["tiny"] * 3)
    table = nps.nps_by_group(scores, groups).set_index("group")
    assert table.loc["happy", "nps"] == 100 and table.loc["unhappy", "nps"] == -100
    assert table.loc["tiny", "small_base"] and not table.loc["happy", "small_base"]
    assert (table["p_adjusted"] >= table["p_vs_rest"]).all()
    assert table.loc["happy", "p_adjusted"] < 0.001


def test_bad_scores_are_reported():
    with pytest.raises(InputError, match="0–10.*11"):
        nps.nps([10, 11, 5])


def test_extremes_find_the_planted_difference():
    rng = np.random.default_rng(3)  # noise is independent of the score; at this seed it is not a false positive
    n = 200
    enterprise = np.arange(n) < 100
    frame = pd.DataFrame(
        {
            "score": np.where(enterprise, rng.integers(1, 3, n), rng.integers(4, 6, n)),
            "customer_type": np.where(enterprise, "enterprise", "individual"),
            "noise": rng.normal(size=n),
        }
    )
    result = nps.satisfaction_extremes(frame, score_col="score", features=["customer_type", "noise"])
    assert result.n_high == result.n_low == 40  # 20 % of 200, ties broken at random
    top = result.differences.iloc[0]
    assert top["feature"] == "customer_type" and top["significant"]
    noise = result.differences.set_index("feature").loc["noise"]
    assert not noise["significant"]
    sentences = needs_text.extremes_sentences(result, language="zh")
    assert len(sentences) >= 2 and "customer_type" in sentences[1]


def test_groups_follow_a_categorical_order():
    scores = pd.Series([10, 9, 0, 10, 5, 8])
    groups = pd.Series(["b", "b", "a", "a", "c", "c"]).astype(pd.CategoricalDtype(["c", "a", "b"]))
    table = nps.nps_by_group(scores, groups)
    assert table["group"].tolist() == ["c", "a", "b"]
    assert table.set_index("group")["nps"].to_dict() == pytest.approx({"c": -50.0, "a": 0.0, "b": 100.0})
