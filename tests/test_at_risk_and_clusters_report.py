"""Notebook 04's newer sections: churn calibration, the at-risk list, the rules' disagreements, the clusters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_lifetime_report import _Collected

from segkit.models.at_risk import high_value_at_risk, stage_conflicts
from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare
from segkit.reporting.churn_report import ChurnSection
from segkit.reporting.cluster_report import ClusterSection
from segkit.reporting.i18n import LANGUAGES, catalogue
from segkit.reporting.names import cluster_names

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo")}
    return prepare(inputs, tmp_path_factory.mktemp("sections") / "prepared")


def test_high_value_at_risk_by_hand():
    values = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "clv_12M": [100.0, 400.0, 300.0, 200.0, np.nan],
            "churn_risk": [0.9, 0.5, 0.8, 0.7, 0.99],
        }
    )
    # top 40 %: CLV at or above the 60th percentile of (100, 200, 300, 400) = 280 -> b and c;
    # both reach risk 0.5; at stake b 400 x 0.5 = 200, c 300 x 0.8 = 240 -> c first
    chosen = high_value_at_risk(values, clv_col="clv_12M", top_share=0.4, min_risk=0.5)
    assert chosen["customer_id"].tolist() == ["c", "b"]
    assert chosen["value_at_stake"].tolist() == pytest.approx([240.0, 200.0])
    assert high_value_at_risk(values, clv_col="clv_12M", top_share=0.4, min_risk=0.6)["customer_id"].tolist() == ["c"]


def test_stage_conflicts_by_hand():
    labels = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "rfm10": ["champions", "champions", "loyal", "lost", "champions"],
            "lifecycle_stage": ["churned", "churned", "churned", "churned", "active"],
        }
    )
    values = pd.DataFrame(
        {"customer_id": list("abcde"), "p_alive": [0.9, 0.5, 0.2, 0.1, 0.99], "churn_risk": [0.2, 0.6, 0.7, 0.9, 0.1]}
    )
    table = stage_conflicts(labels, values, min_risk=0.5).set_index("segment")
    assert table["customers"].tolist() == [2, 1]  # a and b are champions and churned; c is loyal and churned
    assert table.loc["champions", "median_p_alive"] == pytest.approx(0.7)
    assert table.loc["champions", "median_churn_risk"] == pytest.approx(0.4)
    assert table["leaving"].tolist() == [1.0, 1.0]  # b (0.6) and c (0.7)
    without = stage_conflicts(labels, values.drop(columns="churn_risk"))
    assert without["leaving"].isna().all() and without["customers"].tolist() == [2, 1]


def test_cluster_names_from_levels():
    segments = pd.DataFrame(
        {
            "key": ["cluster_1", "cluster_2"],
            "rank": [1, 2],
            "archetype": ["important_value", "general_winback"],
            "level_recency": ["low", "high"],
            "level_frequency": ["high", "low"],
            "level_monetary": ["high", "mid"],
        }
    )
    assert cluster_names(segments, "en") == {
        "cluster_1": "C1: recent, frequent, high spend",
        "cluster_2": "C2: lapsed, rare, mid spend",
    }
    assert cluster_names(segments, "zh")["cluster_1"] == "第1群：近期有购买、高频、高消费"


@pytest.mark.parametrize("language", LANGUAGES)
def test_new_sections_render_in_both_languages(demo_run, language):
    R = _Collected(language)
    C = ChurnSection(R, demo_run)
    C.calibration()
    C.at_risk()
    C.conflicts()
    K = ClusterSection(R, demo_run)
    K.key_numbers()
    K.clusters()
    page = "\n".join(R.shown)
    words = catalogue(language)
    for key in (
        "churn.calibration.title",
        "churn.at_risk.title",
        "churn.conflicts.title",
        "clusters.title",
        "value.sections.profiles",
    ):
        assert words[key] in page, key
    assert page.count("<figure/>") == 2  # calibration curve, cluster selection curve
    fitted = demo_run.clusters
    assert f"<key value_clusters={fitted.k_}/>" in page
    names = cluster_names(demo_run.segmentation.maps["value_cluster"].segments, language)
    assert all(name in page for name in names.values())
    # the demo's top RFM segments are never churned by the gap rule (checked on the stored labels)
    customers = demo_run.customers
    clash = customers["rfm10"].isin(["champions", "loyal"]) & (customers["lifecycle_stage"] == "churned")
    assert (words["churn.conflicts.none"] in page) == (not clash.any())
    for other in LANGUAGES:
        assert sorted(k for k in R.keys if k not in catalogue(other)) == []


def test_the_at_risk_section_lists_what_the_run_writes(demo_run):
    """The report's list and the pipeline's file pick the same customers in the same order."""
    from segkit.pipeline.at_risk import at_risk_customers
    from segkit.pipeline.export import customer_segments

    export = customer_segments(demo_run.segmentation, demo_run.lifecycle, lifetime_value=demo_run.lifetime_value)
    listed = at_risk_customers(export)
    values = demo_run.lifetime_value.merge(demo_run.customers[["customer_id", "eight_class"]], on="customer_id")
    assert high_value_at_risk(values, clv_col="clv_12M")["customer_id"].tolist() == listed["customer_id"].tolist()
    assert len(listed) > 0 and (listed["churn_risk"] >= 0.5).all()
    assert {"value_cluster", "value_cluster_label"} <= set(export.columns)
    assert export["value_cluster_label"].str.startswith("C").all()


def test_a_conflict_is_explained_with_the_models_view(demo_run, monkeypatch):
    """Plant the CDNOW situation: make every churned customer a Champion, the section gives the model's view."""
    customers = demo_run.customers
    planted = customers.assign(rfm10=customers["rfm10"].where(customers["lifecycle_stage"] != "churned", "champions"))
    monkeypatch.setattr(type(demo_run), "customers", property(lambda self: planted))
    R = _Collected("en")
    ChurnSection(R, demo_run).conflicts()
    page = "\n".join(R.shown)
    churned = int((planted["lifecycle_stage"] == "churned").sum())
    assert f"{churned:,} customers are in a top RFM segment" in page
    assert catalogue("en")["churn.conflicts.none"] not in page
    assert "churn." not in page.replace("churn_risk", "")  # every label came from the catalogue
    values = demo_run.lifetime_value.set_index("customer_id")
    leaving = int((values.loc[planted.loc[planted["lifecycle_stage"] == "churned", "customer_id"], "churn_risk"] >= 0.5).sum())
    expected = "all_leaving" if leaving == churned else "some"
    assert catalogue("en")[f"churn.conflicts.{expected}"].split("{")[1].split("}")[1][:30] in page


def test_at_risk_thresholds_are_run_settings(tmp_path):
    from segkit import InputError
    from segkit.pipeline.config import load_config

    def config(section: str) -> Path:
        path = tmp_path / "run.yaml"
        text = f"run_id: t\ninputs:\n  transactions: {{path: {DEMO / 'transactions.csv'}, preset: demo}}\n{section}"
        path.write_text(text, encoding="utf-8")
        return path

    chosen = load_config(config("lifetime_value: {at_risk_top_share: 0.1, at_risk_min_risk: 0.7}\n")).lifetime_value
    assert (chosen["at_risk_top_share"], chosen["at_risk_min_risk"]) == (0.1, 0.7)
    for section, message in (
        ("lifetime_value: {at_risk_top_share: 0}\n", "at_risk_top_share must be a number from above 0 to 1"),
        ("lifetime_value: {at_risk_min_risk: 1.5}\n", "at_risk_min_risk must be a number from 0 to 1"),
        ("lifetime_value: {at_risk_min_risk: yes}\n", "at_risk_min_risk must be a number"),
    ):
        with pytest.raises(InputError, match=message):
            load_config(config(section))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_carries_the_churn_and_cluster_sentences(demo_run, language):
    from segkit.reporting.lifetime_report import LifetimeReport

    R = _Collected(language)
    C, K = ChurnSection(R, demo_run), ClusterSection(R, demo_run)
    extra = C.summary_sentences() + K.summary_sentences()
    assert len(extra) == 3  # the churn model, the at-risk list (the demo has one), the clusters
    fitted = demo_run.clusters
    first = fitted.profile_.iloc[0]
    share = f"{100 * first['share']:.1f}%"
    assert share in extra[2] and str(fitted.k_) in extra[2]
    LifetimeReport(R, demo_run).summary(extra=extra)
    page = "\n".join(R.shown)
    assert all(sentence in page for sentence in extra)
    for other in LANGUAGES:
        assert sorted(k for k in R.keys if k not in catalogue(other)) == []
