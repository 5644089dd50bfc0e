"""Segment maps on hand-made tables: 10-segment rules, the 8-class model, value tiers, profiles."""

import numpy as np
import pandas as pd
import pytest

from segkit import InputError
from segkit.core.errors import InputWarning
from segkit.reporting import playbook
from segkit.reporting.names import segment_labels, segment_names
from segkit.value import eight_class_model as eight_class
from segkit.value import maps, profiles, segmentation
from segkit.value import tiers as value_tiers


def scored(rows):
    """rows: (id, r_score, f_score, m_score)."""
    return pd.DataFrame(rows, columns=["customer_id", "r_score", "f_score", "m_score"])


def test_rfm10_first_matching_rule_wins():
    table = scored(
        [
            ("champ", 5, 5, 5),
            ("cant_lose", 1, 5, 5),  # also matches At Risk, which comes later
            ("at_risk", 2, 3, 3),  # also matches Loyal (R 2-5) and Need Attention
            ("loyal", 3, 4, 3),
            ("new", 5, 1, 1),
            ("promising", 3, 1, 1),
            ("potential", 4, 2, 3),
            ("attention", 3, 2, 2),
            ("sleep", 2, 1, 2),
            ("lost", 1, 1, 1),
            ("other", 1, 1, 5),  # no rule has R 1, F 1, M 5
        ]
    )
    m = maps.rfm10(table)
    assert m.table["segment"].tolist() == [
        "champions",
        "cant_lose_them",
        "at_risk",
        "loyal",
        "new_customers",
        "promising",
        "potential_loyalist",
        "need_attention",
        "about_to_sleep",
        "lost",
        "others",
    ]
    sizes = m.sizes
    assert sizes["customers"].sum() == len(table)
    assert m.empty == []
    assert segment_labels(m, "zh").iloc[0] == "冠军客户" and segment_labels(m, "en").iloc[1] == "Can't Lose Them"


def test_empty_segments_are_reported():
    m = maps.rfm10(scored([("a", 5, 5, 5), ("b", 1, 1, 1)]))
    assert "loyal" in m.empty and "champions" not in m.empty
    assert len(m.sizes) == 11  # 10 segments + Others, empty ones included


def test_user_rule_set_from_yaml(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        """
vip:
  title: {en: VIP map, zh: 贵宾}
  segments:
    - {key: vip, rank: 1, en: VIP, zh: 贵宾, when: "revenue >= 1000 and orders >= 5"}
    - {key: big_east, rank: 2, en: Big east, zh: 华东大客户, when: "revenue >= 500 and region == 'east'"}
  other: {key: rest, rank: 3, en: Rest, zh: 其他}
""",
        encoding="utf-8",
    )
    rules = maps.load_rules(path)["vip"]
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "revenue": [1500.0, 1500.0, 600.0, 600.0],
            "orders": [5, 2, 1, 1],
            "region": ["west", "east", "east", "west"],
        }
    )
    m = maps.apply_rules(customers, rules)
    assert m.table["segment"].tolist() == ["vip", "big_east", "big_east", "rest"]


def test_user_rule_errors_name_the_segment(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "x:\n  segments:\n    - {key: a, rank: 1, en: A, zh: A, when: 'spend > 3'}\n  other: {key: o, rank: 2, en: O, zh: O}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"^rules.yaml: map 'x', segment 'a': .*'spend' is not a column \(columns: customer_id, revenue\)"
    ):
        maps.apply_rules(pd.DataFrame({"customer_id": ["a"], "revenue": [1.0]}), maps.load_rules(path)["x"])
    path.write_text("x:\n  segments: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs 'segments'"):
        maps.load_rules(path)


def test_builtin_rules_respect_the_score_range():
    for seg in maps.load_rules()["rfm10"].segments:
        for low, high in seg["ranges"].values():
            assert 1 <= low <= high <= 5


# ------------------------------------------------------------------------------------------ 8-class


def eight(rows, **kw):
    frame = pd.DataFrame(rows, columns=["customer_id", "recency", "frequency", "monetary"])
    return eight_class.eight_class(frame, **kw)


def test_eight_class_directions_from_the_issue():
    # means: recency (10 + 300 + 10 + 300) / 4 = 155; frequency 5; monetary 3100 / 4 = 775
    m = eight(
        [
            ("recent_frequent_big", 10, 8, 1000.0),  # R high (recent) F high M high -> 111
            ("lapsed_frequent_big", 300, 8, 1000.0),  # 011 -> 重要保持客户
            ("recent_rare_big", 10, 2, 1000.0),  # 101 -> 重要发展客户
            ("lapsed_rare_small", 300, 2, 100.0),  # 000
        ]
    )
    zh = segment_labels(m, "zh").tolist()
    assert zh == ["重要价值客户", "重要保持客户", "重要发展客户", "一般挽留客户"]
    assert m.table["code"].tolist() == ["111", "011", "101", "000"]
    assert m.params["references"] == {"recency": 155.0, "frequency": 5.0, "monetary": 775.0}


def test_eight_class_all_codes_and_median_reference():
    rows = [
        (f"c{r}{f}{m}", 10 if r else 100, 9 if f else 1, 900.0 if m else 10.0) for r in (0, 1) for f in (0, 1) for m in (0, 1)
    ]
    m = eight(rows, reference="median")
    expected = {
        "111": "重要价值客户",
        "101": "重要发展客户",
        "011": "重要保持客户",
        "001": "重要挽留客户",
        "110": "一般价值客户",
        "100": "一般发展客户",
        "010": "一般保持客户",
        "000": "一般挽留客户",
    }
    got = dict(zip(m.table["customer_id"].str[1:], segment_labels(m, "zh")))
    assert got == expected
    assert m.sizes["customers"].tolist() == [1] * 8


def test_eight_class_on_scores_and_ties_count_as_low():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "r_score": [5, 3, 1], "f_score": [1, 1, 1], "m_score": [5, 1, 3]})
    m = eight_class.eight_class(frame, basis="score")
    # mean scores: R 3, F 1, M 3; b sits on the R and M means -> low; everyone's F equals the mean -> low
    assert m.table["code"].tolist() == ["101", "000", "000"]


# -------------------------------------------------------------------------------------- value tiers


def test_gini_known_answer():
    # G = 2 * (1*1 + 2*2 + 3*3 + 4*4) / (4 * 10) - 5/4 = 60/40 - 1.25 = 0.25
    assert value_tiers.gini([4, 1, 3, 2]) == pytest.approx(0.25)
    assert value_tiers.gini([5, 5, 5]) == pytest.approx(0.0)
    # one customer holds everything among n = 4: G = 2*4*10/(4*10) - 5/4 = 0.75 = (n-1)/n
    assert value_tiers.gini([0, 0, 0, 10]) == pytest.approx(0.75)


def test_lorenz_curve_points():
    lorenz = value_tiers.lorenz_curve([1, 2, 3, 4])
    assert lorenz["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert lorenz["revenue_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1.0])


def test_value_tiers_abc_by_cumulative_share():
    # revenue 50, 30, 10, 5, 3, 2 (total 100); cumulative share BEFORE each: 0, .50, .80, .90, .95, .98
    # A: before < .80 -> first two; B: before < .95 -> next two; C: the rest
    features = pd.DataFrame({"customer_id": list("fedcba"), "revenue": [2.0, 3.0, 5.0, 10.0, 30.0, 50.0]})
    tiers = value_tiers.value_tiers(features)
    assert dict(zip(tiers.map.table["customer_id"], tiers.map.table["segment"])) == {
        "a": "A",
        "b": "A",
        "c": "B",
        "d": "B",
        "e": "C",
        "f": "C",
    }
    assert tiers.customer_share_at_cut == pytest.approx(2 / 6)
    assert tiers.cuts == (0.80, 0.95)
    tiers = value_tiers.value_tiers(features, cuts=(0.5, 0.9))
    assert tiers.map.sizes["customers"].tolist() == [1, 2, 3]


def test_value_tiers_input_errors():
    with pytest.raises(InputError, match="cuts"):
        value_tiers.value_tiers(pd.DataFrame({"customer_id": ["a"], "revenue": [1.0]}), cuts=(0.9, 0.8))
    with pytest.raises(InputError, match="no customer has positive revenue"):
        value_tiers.value_tiers(pd.DataFrame({"customer_id": ["a"], "revenue": [-1.0]}))


# ------------------------------------------------------------------------------ summaries, profiles


FEATURES = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "recency": [1.0, 3.0, 100.0, 200.0],
        "frequency": [4.0, 2.0, 1.0, 1.0],
        "monetary": [400.0, 100.0, 50.0, 50.0],
        "revenue": [400.0, 100.0, 50.0, 50.0],
        "orders": [4, 2, 1, 1],
    }
)


def test_segment_summary_sums_and_aov():
    tiers = value_tiers.value_tiers(FEATURES)  # 400 of 600 = .67 -> a is A; before b = .67 < .8 -> A; c: .83 -> B; d: .92 -> B
    s = profiles.segment_summary(FEATURES, tiers.map).set_index("key")
    assert s.loc["A", "customers"] == 2 and s.loc["A", "revenue"] == 500
    assert s.loc["A", "average_order_value"] == pytest.approx(500 / 6)
    assert s.loc["A", "median_recency"] == 2.0
    assert s.loc["C", "customers"] == 0 and np.isnan(s.loc["C", "average_order_value"])
    assert s["customers"].sum() == 4
    assert s["customer_share"].sum() == pytest.approx(1.0)
    assert s["revenue_share"].sum() == pytest.approx(1.0)


def test_profile_chi_square_and_cramers_v():
    # segment x region counts [[10, 20], [20, 10]]: expected 15 everywhere,
    # chi2 = 4 * (5^2 / 15) = 6.667; V = sqrt(6.667 / (60 * 1)) = 0.3333
    ids = [f"c{i}" for i in range(60)]
    seg = ["A"] * 30 + ["B"] * 30
    region = ["north"] * 10 + ["south"] * 20 + ["north"] * 20 + ["south"] * 10
    segmap = maps.SegmentMap(
        name="t",
        title={"en": "t", "zh": "t"},
        segments=pd.DataFrame({"key": ["A", "B"], "rank": [1, 2], "en": ["A", "B"], "zh": ["A", "B"]}),
        table=pd.DataFrame({"customer_id": ids, "segment": seg}),
    )
    attrs = pd.DataFrame({"customer_id": ids, "region": region})
    p = profiles.profile(segmap, attrs, "region")
    assert p.chi2 == pytest.approx(20 / 3)
    assert p.cramers_v == pytest.approx(1 / 3)
    assert p.dof == 1 and p.n == 60
    assert p.counts.loc["A", "north"] == 10
    assert p.row_pct.loc["B", "north"] == pytest.approx(2 / 3)


def test_profile_drops_missing_attribute_values():
    segmap = value_tiers.value_tiers(FEATURES).map
    attrs = pd.DataFrame({"customer_id": list("abcd"), "industry": ["retail", None, "retail", "food"]})
    p = profiles.profile(segmap, attrs, "industry")
    assert p.n == 3


def test_segment_customers_bundle_sizes_sum():
    rng = np.random.default_rng(3)
    n = 200
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    last = first + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    orders = rng.geometric(0.5, n)
    table = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "first_purchase": first,
            "last_purchase": last,
            "orders": orders,
            "purchase_days": orders,
            "revenue": orders * rng.gamma(2, 30, n),
        }
    )
    seg = segmentation.segment_customers(table)
    for name, m in seg.maps.items():
        assert m.sizes["customers"].sum() == n, name
    assert set(seg.table.columns) >= {"rfm10", "eight_class", "value_tier", "rfm_code"}


def test_every_rfm10_segment_is_reachable():
    # all 125 score combinations: every segment of the built-in map must get at least one
    grid = pd.DataFrame(
        [(f"{r}{f}{m}", r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)],
        columns=["customer_id", "r_score", "f_score", "m_score"],
    )
    m = maps.rfm10(grid)
    assert m.empty == []
    assert m.sizes["customers"].sum() == 125


def test_playbook_covers_every_segment_of_every_builtin_map_in_both_languages():
    from segkit.value.lifecycle import STAGES
    from segkit.value.purchasing_power import AOV_TIERS

    catalogues = {
        "rfm10": maps.rfm10(scored([("a", 5, 5, 5)])).segments,
        "eight_class": eight([("a", 1, 1, 1.0)]).segments,
        # A, B, C, the extra tiers D..F and the VIP / large / medium / small tier names
        "value_tier": pd.DataFrame({"key": [*"ABCDEF", "vip", "large", "medium", "small"]}),
        "strategic_tier": maps._catalogue(value_tiers.STRATEGIC_TIERS),
        "aov_tier": maps._catalogue(AOV_TIERS),
        "lifecycle": pd.DataFrame({"key": list(STAGES)}),
    }
    book = playbook.load_playbook()
    assert set(book) == set(catalogues)
    for name, segs in catalogues.items():
        assert set(book[name]) == set(segs["key"]), name
        for language in ("en", "zh"):
            table = playbook.playbook(name, segs, language)
            assert table["actions"].str.len().gt(0).all() and table["kpi"].str.len().gt(0).all()


def test_playbook_missing_entry_is_named_in_a_warning_and_a_malformed_one_is_input_error(tmp_path):
    # A segment without an entry is not dropped silently: the warning names it (issue 10 made this
    # a warning and a "no strategy given" row instead of an error); a malformed entry stays an error.
    path = tmp_path / "book.yaml"
    path.write_text("value_tier:\n  A: {en: {actions: [x], kpi: y}}\n", encoding="utf-8")
    with pytest.warns(InputWarning, match="'value_tier'.*B, C"):
        table = playbook.playbook("value_tier", maps._catalogue(value_tiers.VALUE_TIERS), "en", path=path)
    assert table["actions"].tolist()[0] == "x"
    path.write_text("value_tier:\n  A: {en: {actions: [x]}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="book.yaml: map 'value_tier', segment 'A', en: 'kpi'"):
        playbook.playbook("value_tier", maps._catalogue(value_tiers.VALUE_TIERS), "en", path=path)


def test_charts_draw_with_caller_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from segkit.reporting import value_charts as plots
    from segkit.reporting.i18n import catalogue
    from segkit.reporting.theme import set_theme
    from segkit.value import retention
    from segkit.value import transitions as migration

    set_theme("zh")  # the report's CJK font stack, as the notebook sets it
    labels = {k.split(".")[-1]: v for k, v in catalogue("zh").items() if k.startswith("value.metrics.")}
    rng = np.random.default_rng(5)
    n = 120
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    orders = rng.geometric(0.4, n)
    table = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "first_purchase": first,
            "last_purchase": first + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "orders": orders,
            "purchase_days": orders,
            "revenue": orders * rng.gamma(2, 40, n),
        }
    )
    seg = segmentation.segment_customers(table)
    summary = profiles.segment_summary(seg.features.table, seg.maps["rfm10"])
    t = pd.DataFrame(
        {
            "customer_id": table["customer_id"].repeat(2).to_numpy(),
            "order_date": np.concatenate([[f, l] for f, l in zip(table["first_purchase"], table["last_purchase"])]),
        }
    )
    figures = [
        plots.rfm_distributions(seg.features.table, labels=labels),
        plots.rfm_heatmap(seg.scores.table, bins=5, labels=labels),
        plots.segment_shares(summary, names=summary["key"].map(segment_names(seg.maps["rfm10"], "zh")).tolist(), labels=labels),
        plots.lorenz(
            seg.tiers.lorenz, cut=0.8, customer_share_at_cut=seg.tiers.customer_share_at_cut, gini=seg.tiers.gini, labels=labels
        ),
        plots.cohort_heatmap(retention.cohort_retention(t).pct, labels=labels),
    ]
    m = migration.migration(seg.maps["rfm10"], seg.maps["rfm10"])
    figures.append(
        plots.migration_heatmap(
            m.pct, m.counts, row_names=list(m.counts.index), column_names=list(m.counts.columns), labels=labels
        )
    )
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figures)
    assert figures[1].axes[0].get_ylabel() == "R 评分"
    for f in figures:
        plt.close(f)
