"""Computation returns keys; names come from the catalogues (or a user's rule file) at render time."""

import textwrap

import pandas as pd
import pytest

from segkit.reporting.names import map_title, segment_labels, segment_names, stage_names
from segkit.value.eight_class_model import EIGHT_CLASSES
from segkit.value.lifecycle import STAGES
from segkit.value.maps import apply_rules, load_rules
from segkit.value.tiers import VALUE_TIERS, value_tiers


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_builtin_key_has_a_name_in_both_languages(language):
    eight = pd.DataFrame({"key": [k for k, _ in EIGHT_CLASSES.values()]})
    from segkit.value.maps import SegmentMap

    named = segment_names(SegmentMap(name="eight_class", segments=eight, table=pd.DataFrame()), language)
    assert all(named[k] != k for k in eight["key"])
    tiers = segment_names(SegmentMap(name="value_tier", segments=pd.DataFrame(VALUE_TIERS), table=pd.DataFrame()), language)
    assert all(tiers[t["key"]] != t["key"] for t in VALUE_TIERS)
    stages = stage_names(language)
    assert set(stages) == set(STAGES) and all(stages[k] != k for k in STAGES)


def test_known_names():
    features = pd.DataFrame({"customer_id": ["a", "b"], "revenue": [90.0, 10.0]})
    tiers = value_tiers(features)
    assert segment_labels(tiers.map, "zh").tolist() == ["A类：高价值", "B类：中价值"]
    assert stage_names("zh", ["churned"]) == {"churned": "已流失"}
    assert segment_names(tiers.map, "en", keys=["not_yet"])["not_yet"] == "Not yet a customer"
    assert map_title(tiers.map, "zh") == "客户价值分层（帕累托 / ABC）"


def test_a_user_rule_file_names_its_own_segments_or_shows_keys(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        textwrap.dedent("""
        mine:
          title: {en: My map}
          segments:
            - {key: big, rank: 1, en: Big spenders, ranges: {revenue: [50, 1000]}}
          other: {key: small, rank: 2}
    """),
        encoding="utf-8",
    )
    segmap = apply_rules(pd.DataFrame({"customer_id": ["a", "b"], "revenue": [90.0, 10.0]}), load_rules(path)["mine"])
    assert segment_labels(segmap, "en").tolist() == ["Big spenders", "small"]
    assert segment_labels(segmap, "zh").tolist() == ["big", "small"]  # no Chinese names given: the keys
    assert map_title(segmap, "en") == "My map" and map_title(segmap, "zh") == "mine"
