"""Needs-based segments: planted clusters recovered, silhouette, profiles and chi-square by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segkit.core.errors import InputError
from segkit.needs import kano
from segkit.needs.need_cluster_profiles import attribute_columns, cluster_kano, cluster_profiles
from segkit.needs.need_clusters import NeedClusters


def _ratings(table: dict[str, list[float]], *, measure: str = "importance") -> pd.DataFrame:
    """Long ratings from {respondent: [rating per need N1, N2, ...]} (NaN = no answer)."""
    rows = [
        {"respondent_id": r, "item": f"N{j + 1}", "measure": measure, "value": float(v)}
        for r, values in table.items()
        for j, v in enumerate(values)
    ]
    return pd.DataFrame(rows).astype({"respondent_id": "str", "item": "str", "measure": "str"})


def _planted(seed: int = 7, n_a: int = 30, n_b: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    """Two groups with opposite importance patterns, each rated at a random scale level (±1)."""
    rng = np.random.default_rng(seed)
    a = np.array([5, 5, 4, 2, 1, 1], dtype=float)
    b = a[::-1].copy()
    table, truth = {}, []
    for r in range(n_a + n_b):
        pattern = a if r < n_a else b
        level = rng.choice([-1, 0, 1])  # scale use: generous or strict raters, same needs
        noise = rng.choice([-1, 0, 0, 0, 1], size=6)
        table[f"r{r:03d}"] = np.clip(pattern + level + noise, 1, 5).tolist()
        truth.append(0 if r < n_a else 1)
    return _ratings(table), np.array(truth)


@pytest.fixture(scope="module")
def planted() -> tuple[NeedClusters, np.ndarray]:
    ratings, truth = _planted()
    return NeedClusters(n_seeds=5, n_boot=10).fit(ratings, items=[f"N{i}" for i in range(1, 7)]), truth


def test_planted_clusters_are_recovered_exactly(planted):
    nc, truth = planted
    assert nc.k_ == 2
    assert nc.selection_["k"].tolist() == [2, 3, 4, 5, 6]
    assert nc.selection_.loc[nc.selection_["chosen"], "k"].tolist() == [2]
    assert nc.selection_["silhouette"].idxmax() == 0 and nc.silhouette_ == nc.selection_["silhouette"].max()
    assert adjusted_rand_score(truth, nc.labels_.to_numpy()) == 1.0
    # the 30 of pattern a form the larger cluster, so they are need_cluster_1
    assert nc.labels_.iloc[:30].eq("need_cluster_1").all() and nc.labels_.iloc[30:].eq("need_cluster_2").all()
    assert nc.describe_["n"].tolist() == [30, 20] and nc.describe_["share"].tolist() == [0.6, 0.4]
    assert set(nc.describe_.loc[0, "defining"]) <= {"N1", "N2", "N3"} and nc.describe_.loc[0, "defining"][0] in {"N1", "N2"}
    assert set(nc.describe_.loc[1, "defining"]) <= {"N4", "N5", "N6"} and nc.describe_.loc[1, "defining"][0] in {"N5", "N6"}
    assert nc.stable_ and nc.ari_mean_ == 1.0
    assert nc.stability_.groupby("kind").size().to_dict() == {"bootstrap": 10, "seed": 5}


def test_ipsatising_removes_the_scale_level():
    # r1 and r2 share one pattern at different levels, r3 and r4 the opposite pattern
    ratings = _ratings({"r1": [5, 4, 3], "r2": [3, 2, 1], "r3": [1, 2, 3], "r4": [3, 4, 5]})
    nc = NeedClusters(k_range=(2, 2), n_seeds=2, n_boot=0).fit(ratings)
    assert np.allclose(nc.data_.loc["r1"], nc.data_.loc["r2"]) and np.allclose(
        nc.data_.loc["r1"], [np.sqrt(1.5), 0, -np.sqrt(1.5)]
    )
    assert nc.labels_.to_dict() == {
        "r1": "need_cluster_1",
        "r2": "need_cluster_1",
        "r3": "need_cluster_2",
        "r4": "need_cluster_2",
    }
    raw = NeedClusters(k_range=(2, 2), standardise="none", n_seeds=0, n_boot=0).fit(ratings)
    assert raw.labels_["r1"] != raw.labels_["r2"]  # on the raw scale the level dominates: r1 with r4, r2 with r3


def test_silhouette_by_hand():
    ratings = _ratings({"A": [1, 1], "B": [1, 2], "C": [5, 5], "D": [5, 4]})
    nc = NeedClusters(k_range=(2, 2), standardise="none", n_seeds=0, n_boot=0).fit(ratings)
    # within-cluster distance 1 for everyone; A and C are sqrt(32) and 5 from the other pair, B and D 5 and sqrt(20)
    s_ac = 1 - 1 / ((math.sqrt(32) + 5) / 2)
    s_bd = 1 - 1 / ((5 + math.sqrt(20)) / 2)
    assert nc.silhouette_ == pytest.approx((s_ac + s_bd) / 2, abs=1e-12)
    assert nc.selection_["inertia"].iloc[0] == pytest.approx(4 * 0.25)  # each point 0.5 from its centre
    assert nc.centres_.loc["need_cluster_1"].tolist() == [1.0, 1.5]  # equal sizes: A's cluster (first respondent) first


def test_exclusions_imputation_and_profiles_by_hand():
    nan = float("nan")
    ratings = _ratings(
        {
            "r1": [5, 1, nan],  # one gap: imputed with N3's median over the clustered, 4
            "r2": [4, 2, 3],
            "r3": [5, 2, 2],
            "r4": [1, 5, 4],
            "r5": [2, 4, 4],
            "r6": [1, 5, 5],
            "r7": [nan, nan, 3],  # two of three missing > 40 %: left out (r1's one of three is not)
            "r8": [3, 3, 3],  # a straight-liner: no relative importance, left out
        }
    )
    nc = NeedClusters(k_range=(2, 3), n_clusters=2, max_missing=0.4, n_seeds=2, n_boot=2).fit(
        ratings, respondents=[f"r{i}" for i in range(1, 10)]
    )  # r9 never answered
    assert nc.n_respondents_ == 9 and nc.n_excluded_ == 3 and nc.n_flat_ == 1 and nc.n_imputed_ == 1
    assert nc.excluded_.set_index("respondent_id")["reason"].to_dict() == {"r7": "missing", "r9": "missing", "r8": "flat"}
    filled = nc.data_.loc["r1"].to_numpy()  # [5, 1, 4] ipsatised
    assert filled == pytest.approx((np.array([5, 1, 4]) - 10 / 3) / np.std([5, 1, 4]))
    assert nc.labels_.to_dict() == {f"r{i}": f"need_cluster_{1 if i <= 3 else 2}" for i in range(1, 7)}
    p = nc.profiles_.set_index(["cluster", "item"])
    # means of the answers given (an imputed cell is not an answer): cluster 1 N3 = (3 + 2) / 2
    assert p.loc[("need_cluster_1", "N1"), "mean"] == pytest.approx(14 / 3)
    assert p.loc[("need_cluster_1", "N3"), "mean"] == pytest.approx(2.5)
    assert p.loc[("need_cluster_2", "N3"), "mean"] == pytest.approx(13 / 3)
    assert p.loc[("need_cluster_1", "N3"), "overall"] == pytest.approx(18 / 5)
    assert p.loc[("need_cluster_1", "N1"), "difference"] == pytest.approx(14 / 3 - 3)
    assert p.loc["need_cluster_1", "rank"].tolist() == [1, 3, 2]
    d = nc.describe_.set_index("cluster")
    assert d.loc["need_cluster_1", "defining"] == ("N1",)
    # cluster 2: N2 is +1.5 above the overall mean, N3 +0.733 (< half of 1.5): only N2 defines it
    assert d.loc["need_cluster_2", "defining"] == ("N2",)
    assert d.loc["need_cluster_1", "top"] == ("N1", "N3", "N2")


def test_same_seed_same_result_and_another_seed_may_differ():
    ratings, _ = _planted(seed=3)
    first = NeedClusters(random_state=4, n_seeds=3, n_boot=3).fit(ratings)
    again = NeedClusters(random_state=4, n_seeds=3, n_boot=3).fit(ratings)
    pd.testing.assert_series_equal(first.labels_, again.labels_)
    pd.testing.assert_frame_equal(first.selection_, again.selection_)
    pd.testing.assert_frame_equal(first.stability_, again.stability_)
    pd.testing.assert_frame_equal(first.profiles_, again.profiles_)


def test_chi_square_profile_by_hand(planted):
    nc, _ = planted
    ids = nc.labels_.index
    # cluster 1 (30): 20 F, 5 M, 5 unknown; cluster 2 (20): 5 F, 10 M, 5 unknown
    gender = ["F"] * 20 + ["M"] * 5 + [None] * 5 + ["F"] * 5 + ["M"] * 10 + [None] * 5
    respondents = pd.DataFrame(
        {
            "respondent_id": ids,
            "customer_id": [f"c{i}" for i in range(len(ids))],
            "gender": pd.Series(gender, dtype="str"),
            "name": "someone",
            "nps": 5.0,
        }
    )
    assert attribute_columns(respondents) == ["gender"]  # never ids, scores or names
    segments = pd.Series(["gold"] * 25 + ["silver"] * 25, index=[f"c{i}" for i in range(50)])
    profiles = cluster_profiles(nc, respondents, columns=["gender"], segments=segments)
    test = profiles.tests.set_index("attribute").loc["gender"]
    # 2 x 2: chi2 = N (ad - bc)^2 / (r1 r2 c1 c2) = 40 * 175^2 / (25 * 15 * 25 * 15)
    chi2 = 40 * 175**2 / (25 * 15 * 25 * 15)
    assert test["chi2"] == pytest.approx(chi2) and test["dof"] == 1
    assert test["p"] == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))  # chi-square(1) upper tail
    assert test["cramers_v"] == pytest.approx(math.sqrt(chi2 / 40))
    assert (test["n"], test["missing"], test["levels"]) == (40, 10, 2)
    assert profiles.shares("gender").loc["need_cluster_1"].tolist() == pytest.approx([0.8, 0.2])
    # value segments: gold = the first 25 respondents, all in cluster 1
    seg = profiles.tests.set_index("attribute").loc["value_segment"]
    assert seg["n"] == 50 and seg["p"] < 1e-6
    assert profiles.mix.query("attribute == 'value_segment' and cluster == 'need_cluster_2'")["count"].tolist() == [0, 20]
    # Holm over the two attributes: the smaller p (value segment) doubled, then the larger p as it is
    assert profiles.tests["p_adjusted"].tolist() == pytest.approx([test["p"], 2 * seg["p"]])


def test_kano_by_cluster(planted):
    nc, _ = planted
    ids = nc.labels_.index
    classified = pd.DataFrame(
        {
            "respondent_id": ids,
            "item": "N1",
            "kano_class": ["M"] * 30 + ["A"] * 12 + ["O"] * 8,  # cluster 1 all must-be; cluster 2 mostly attractive
        }
    )
    table = cluster_kano(classified, nc).set_index("cluster")
    assert table.loc["need_cluster_1", "category"] == "M" and table.loc["need_cluster_1", "M"] == 1.0
    assert table.loc["need_cluster_2", "category"] == "A" and table.loc["need_cluster_2", "A"] == pytest.approx(0.6)
    assert table["n"].tolist() == [30, 20]
    pairs = pd.DataFrame({"respondent_id": ids[:2], "item": "N1", "functional": "like", "dysfunctional": "dislike"})
    assert cluster_kano(kano.classify_survey(pairs), nc)["O"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("ratings", "options", "message"),
    [
        (_ratings({"r1": [5], "r2": [1], "r3": [3]}), {}, "at least 2 are needed"),
        (_ratings({"r1": [5, 1], "r2": [1, 5]}), {}, "2 respondents remain"),
        (_ratings({"r1": [5, 1], "r2": [1, 5], "r3": [5, 2]}), {"k_range": (1, 3)}, "k_range"),
        (_ratings({"r1": [5, 1], "r2": [1, 5], "r3": [5, 2]}), {"standardise": "rank"}, "standardise"),
        (_ratings({"r1": [5, 1], "r2": [1, 5], "r3": [5, 2]}, measure="urgency"), {}, r"0 need item\(s\) have importance"),
    ],
)
def test_bad_input_raises_input_error(ratings, options, message):
    with pytest.raises(InputError, match=message):
        NeedClusters(**options).fit(ratings)
