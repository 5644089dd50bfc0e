"""Data-driven value segments: planted clusters recovered, assignment from stored state, the run's map."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from segkit import InputError
from segkit.models.cluster_assign import gmm_assign as _gmm_assign
from segkit.models.cluster_assign import kmeans_assign as _kmeans_assign
from segkit.models.cluster_profiles import archetype, crosstab, feature_level
from segkit.models.clusters import FrozenClusters, ValueClusters
from segkit.pipeline.config import load_config
from segkit.value.maps import SegmentMap
from segkit.value.segmentation import Segmenter

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"

#: Three planted groups (recency days, orders, revenue) around which customers scatter by a
#: log-normal factor: loyal big spenders, lapsed mid-value customers, one-off small buyers.
GROUPS = ((5.0, 20.0, 20_000.0), (120.0, 5.0, 2_000.0), (400.0, 1.0, 100.0))
SIZES = (150, 300, 550)


def planted(seed: int = 1, sizes: tuple[int, ...] = SIZES) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g, ((r, f, m), n) in enumerate(zip(GROUPS, sizes, strict=True)):
        noise = np.exp(rng.normal(0.0, 0.15, size=(n, 3)))
        rows.append(np.column_stack([r * noise[:, 0], np.maximum(1.0, np.round(f * noise[:, 1])), m * noise[:, 2]]))
        truth += [g] * n
    values = np.vstack(rows)
    frame = pd.DataFrame(values, columns=["recency", "frequency", "monetary"])
    frame = frame.assign(customer_id=pd.array([f"C{i:04d}" for i in range(len(frame))], dtype="str"))
    return frame.assign(revenue=frame["monetary"]), np.array(truth)


@pytest.fixture(scope="module")
def fitted():
    frame, truth = planted()
    return frame, truth, ValueClusters(k_range=(2, 6), n_seeds=3, n_boot=4).fit(frame)


def test_planted_clusters_are_recovered_with_k_chosen_by_silhouette(fitted):
    frame, truth, clusters = fitted
    assert clusters.k_ == 3
    assert list(clusters.selection_["k"]) == [2, 3, 4, 5, 6]
    assert clusters.selection_["silhouette"].idxmax() == 1  # the row of k = 3
    labels = clusters.map_.table["segment"]
    assert adjusted_rand_score(truth, labels) == 1.0
    # cluster_1 is the highest-spending group, cluster_3 the one-off small buyers
    assert (labels[truth == 0] == "cluster_1").all() and (labels[truth == 2] == "cluster_3").all()
    assert clusters.stability_["seeds"]["mean"] == 1.0 and clusters.stability_["bootstrap"]["min"] == 1.0
    assert clusters.method_agreement_ == 1.0


def test_profile_levels_archetypes_and_sizes(fitted):
    frame, truth, clusters = fitted
    profile = clusters.profile_.set_index("key")
    assert profile["customers"].tolist() == list(SIZES)
    assert profile["share"].sum() == pytest.approx(1.0)
    assert profile.loc["cluster_1", ["level_recency", "level_frequency", "level_monetary"]].tolist() == ["low", "high", "high"]
    assert profile.loc["cluster_3", ["level_recency", "level_frequency", "level_monetary"]].tolist() == ["high", "low", "low"]
    # By hand, against the all-customer means (recency (150*5 + 300*120 + 550*400)/1000 = 256.75 days,
    # orders (150*20 + 300*5 + 550*1)/1000 = 5.05, revenue (150*20000 + 300*2000 + 550*100)/1000 = 3,655):
    # the middle group is more recent (R1) but not above the means of orders or revenue (F0 M0).
    assert profile["archetype"].tolist() == ["important_value", "general_develop", "general_winback"]
    # the medians and revenue shares are the groups' own
    first = frame.loc[truth == 0]
    assert profile.loc["cluster_1", "median_monetary"] == pytest.approx(first["monetary"].median())
    assert profile.loc["cluster_1", "revenue_share"] == pytest.approx(first["revenue"].sum() / frame["revenue"].sum())
    # the map carries the catalogue the names are rendered from
    assert clusters.map_.segments.columns.tolist() == [
        "key",
        "rank",
        "archetype",
        "level_recency",
        "level_frequency",
        "level_monetary",
    ]


def test_archetype_and_levels_by_hand():
    overall = pd.Series({"recency": 100.0, "frequency": 4.0, "monetary": 1000.0})
    # more recent (fewer days), less frequent, higher spend: R1 F0 M1 = important development
    assert archetype(pd.Series({"recency": 50.0, "frequency": 2.0, "monetary": 1500.0}), overall) == "important_develop"
    # equal to the mean is not above it: R0 F0 M0
    assert archetype(pd.Series({"recency": 100.0, "frequency": 4.0, "monetary": 1000.0}), overall) == "general_winback"
    assert archetype(pd.Series({"recency": 1.0}), overall) is None
    assert [feature_level(z) for z in (0.51, 0.5, -0.5, -0.51)] == ["high", "mid", "mid", "low"]


def test_assignment_from_stored_centres_matches_scikit_learn():
    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(loc, 0.7, size=(200, 3)) for loc in (-2.0, 0.0, 2.0)])
    km = KMeans(n_clusters=3, n_init=2, random_state=0).fit(x)
    assert (_kmeans_assign(x, km.cluster_centers_) == km.predict(x)).all()
    gm = GaussianMixture(n_components=3, covariance_type="full", random_state=0).fit(x)
    assert (_gmm_assign(x, gm.weights_, gm.means_, gm.covariances_) == gm.predict(x)).all()


def test_state_is_json_and_restores_the_same_labels(fitted):
    frame, _, clusters = fitted
    state = json.loads(json.dumps(clusters.state()))
    restored = ValueClusters.from_state(state)
    assert restored.transform(frame).table["segment"].tolist() == clusters.map_.table["segment"].tolist()
    assert restored.k_ == 3 and restored.profile_["key"].tolist() == ["cluster_1", "cluster_2", "cluster_3"]
    frozen = FrozenClusters(restored).fit(frame.iloc[:10])  # learns nothing: labels from the stored centres
    assert frozen.map_.table["segment"].tolist() == clusters.map_.table["segment"].iloc[:10].tolist()


def test_another_snapshot_is_labelled_by_the_same_centres(fitted):
    frame, _, clusters = fitted
    # a new customer who looks like the loyal big spenders, one like the one-off buyers
    other = pd.DataFrame(
        {"customer_id": ["N1", "N2"], "recency": [6.0, 390.0], "frequency": [19.0, 1.0], "monetary": [21_000.0, 90.0]}
    )
    assert clusters.transform(other).table["segment"].tolist() == ["cluster_1", "cluster_3"]


def test_gaussian_mixture_recovers_the_planted_groups_too():
    frame, truth = planted(seed=2)
    clusters = ValueClusters(method="gmm", k_range=(2, 5), n_seeds=2, n_boot=2).fit(frame)
    assert clusters.k_ == 3 and clusters.selection_["bic"].idxmin() == 1
    assert adjusted_rand_score(truth, clusters.map_.table["segment"]) == 1.0
    assert clusters.weights_ is not None and clusters.weights_.sum() == pytest.approx(1.0)


def test_fixed_k_and_sampling():
    frame, truth = planted(seed=4)
    clusters = ValueClusters(k=3, sample_size=300, n_seeds=1, n_boot=1).fit(frame)
    assert clusters.k_ == 3 and clusters.selection_["k"].tolist() == [3]
    assert clusters.n_customers_ == len(frame)
    assert adjusted_rand_score(truth, clusters.map_.table["segment"]) > 0.99  # every customer assigned


@pytest.mark.parametrize(
    ("kwargs", "frame_change", "message"),
    [
        ({"method": "dbscan"}, None, "method must be one of kmeans, gmm"),
        ({"k_range": (1, 4)}, None, "k must be at least 2"),
        ({"k": 400}, None, "too few for 400 clusters"),
        ({}, "drop", "monetary"),
        ({}, "text", "column 'frequency' is not numeric"),
        ({}, "missing", "column 'recency' has missing values"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, frame_change, message):
    frame, _ = planted()
    if frame_change == "drop":
        frame = frame.drop(columns="monetary")
    elif frame_change == "text":
        frame = frame.assign(frequency=frame["frequency"].astype("str"))
    elif frame_change == "missing":
        frame = frame.assign(recency=frame["recency"].where(frame.index != 7))
    with pytest.raises(InputError, match=message):
        ValueClusters(**kwargs).fit(frame)


def test_crosstab_counts_by_hand():
    def segmap(name: str, labels: list[str], keys: list[str]) -> SegmentMap:
        table = pd.DataFrame({"customer_id": ["a", "b", "c", "d"][: len(labels)], "segment": labels})
        return SegmentMap(name=name, segments=pd.DataFrame({"key": keys, "rank": range(1, len(keys) + 1)}), table=table)

    rows = segmap("value_cluster", ["c1", "c1", "c2", "c2"], ["c1", "c2"])
    columns = segmap("eight_class", ["x", "y", "y"], ["x", "y", "z"])  # customer d has no label here
    counts = crosstab(rows, columns)
    assert counts.to_numpy().tolist() == [[1, 1, 0], [0, 1, 0]]
    assert counts.index.name == "value_cluster" and counts.columns.name == "eight_class"


def test_segmenter_carries_the_clusters_as_a_map_and_migration_uses_them():
    from segkit.value.transitions import migrate_snapshot

    frame, truth = planted()
    customers = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "first_purchase": pd.Timestamp("2024-01-01"),
            "last_purchase": pd.Timestamp("2025-06-30") - pd.to_timedelta(frame["recency"].round(), unit="D"),
            "orders": frame["frequency"].astype("int64"),
            "purchase_days": frame["frequency"].astype("int64"),
            "revenue": frame["monetary"],
        }
    )
    unfitted = ValueClusters(k_range=(2, 5), n_seeds=1, n_boot=1)
    segmenter = Segmenter(clusters=unfitted).fit(customers, as_of="2025-07-01")
    assert not hasattr(unfitted, "k_")  # the segmenter fits a copy
    seg = segmenter.segmentation_
    assert list(seg.maps) == [
        "rfm10",
        "eight_class",
        "value_tier",
        "strategic_tier",
        "aov_tier",
        "value_cluster",
    ]  # the built-in maps, then the clusters
    assert seg.table["value_cluster"].nunique() == 3
    assert segmenter.state()["clusters"]["k"] == 3
    earlier = customers.assign(revenue=customers["revenue"] / 10)  # everyone spent less before
    moved = migrate_snapshot(earlier, seg, as_of=pd.Timestamp("2025-07-01"), map_name="value_cluster")
    assert int(moved.counts.to_numpy().sum()) == len(customers)
    assert moved.moves.set_index("direction").loc["upgraded", "customers"] > 0


def test_config_value_clusters(tmp_path):
    def config(section: str) -> Path:
        path = tmp_path / "run.yaml"
        path.write_text(
            f"run_id: t\ninputs:\n  transactions: {{path: {DEMO / 'transactions.csv'}, preset: demo}}\n{section}",
            encoding="utf-8",
        )
        return path

    assert load_config(config("")).value_clusters == {"method": "kmeans", "k": 0, "k_min": 3, "k_max": 8}
    assert load_config(config("value_clusters: {method: gmm, k: 4}\n")).value_clusters["k"] == 4
    for section, message in (
        ("value_clusters: {method: ward}\n", "method must be kmeans, gmm or none"),
        ("value_clusters: {k_min: 6, k_max: 4}\n", "k_min .6. is above k_max .4."),
        ("value_clusters: {k: 1}\n", "value_clusters.k must be a whole number 0"),
        ("value_clusters: {kmax: 4}\n", "kmax"),
    ):
        with pytest.raises(InputError, match=message):
            load_config(config(section))


def test_too_few_distinct_customers_is_a_clear_error():
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(60)],
            "recency": [10.0, 200.0] * 30,
            "frequency": [3, 1] * 30,
            "monetary": [500.0, 50.0] * 30,
        }
    )
    with pytest.raises(InputError, match="only 2 distinct feature profiles, too few for 3 clusters"):
        ValueClusters().fit(frame)
    # with room for fewer clusters the range is cut to what the data can hold
    fitted = ValueClusters(k_range=(2, 8), n_seeds=1, n_boot=1).fit(
        pd.concat([frame, frame.iloc[:1].assign(customer_id="X", recency=90.0)], ignore_index=True)
    )
    assert fitted.selection_["k"].tolist() == [2] and fitted.k_ == 2
