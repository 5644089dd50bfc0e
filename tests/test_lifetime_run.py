"""The lifetime-value step of a run: models.json, the per-customer values and the export columns."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import InputError
from segkit.models import BetaGeoModel, btyd_summary
from segkit.pipeline import run as pipeline_run
from segkit.pipeline.config import InputFile, load_config
from segkit.pipeline.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo")}
    return prepare(inputs, tmp_path_factory.mktemp("lv") / "prepared", lifetime_value={"horizon_months": 6})


def test_models_json_is_the_provenance_of_the_values(demo_run):
    models = demo_run.models
    assert models["settings"]["time_unit"] == "W" and models["settings"]["horizon_months"] == 6
    assert models["settings"]["observation_end"] == (demo_run.as_of - pd.Timedelta(days=1)).date().isoformat()
    bg = models["bg_nbd"]
    assert set(bg["params"]) == {"r", "alpha", "a", "b"} and bg["n_customers"] == len(demo_run.customer_table)
    assert models["gamma_gamma"]["n_customers"] + models["gamma_gamma"]["n_no_repeat"] + models["gamma_gamma"][
        "n_zero_value_repeat"
    ] == len(demo_run.customer_table)
    # refitting on the stored purchase days gives the stored parameters and P(alive)
    summary = btyd_summary(demo_run.visits, observation_end=models["settings"]["observation_end"], unit="W")
    again = BetaGeoModel().fit(summary)
    for name, value in bg["params"].items():
        assert again.params_[name] == pytest.approx(value, rel=1e-9)
    values = demo_run.lifetime_value.set_index("customer_id")
    np.testing.assert_allclose(values.loc[summary.table["customer_id"], "p_alive"], again.p_alive(
        summary.table["btyd_frequency"], summary.table["btyd_recency"], summary.table["btyd_T"]
    ))  # fmt: skip
    assert {"expected_purchases_6M", "clv_6M", "expected_spend"} <= set(values.columns)
    assert (values["clv_6M"] >= 0).all() and values["p_alive"].between(0, 1).all()
    holdout = models["holdout"]
    assert holdout["customers"] == len(demo_run.holdout("per_customer"))
    assert holdout["actual_purchases"] == demo_run.holdout("per_customer")["actual"].sum()
    json.dumps(models, allow_nan=False)  # no NaN in the file
    churn = models["churn"]
    assert churn["window_days"] == 90 and churn["best"] in ("gradient_boosting", "logistic", "bg_nbd")
    by_model = {m["model"]: m for m in churn["metrics"]}
    assert set(by_model) == {"gradient_boosting", "logistic", "bg_nbd"}
    assert churn["beats_baseline"] == (
        max(by_model["gradient_boosting"]["roc_auc"], by_model["logistic"]["roc_auc"]) > by_model["bg_nbd"]["roc_auc"]
    )
    assert values["churn_risk"].between(0, 1).all()
    pd.testing.assert_frame_equal(demo_run.churn_quality("metrics"), pd.DataFrame(churn["metrics"]), check_dtype=False)


def test_the_export_carries_the_values(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(
        textwrap.dedent(f"""
        run_id: lv
        base_dir: {ROOT}
        reports_dir: {tmp_path / "reports"}
        processed_dir: {tmp_path / "processed"}
        inputs:
          transactions: {{path: data/raw/demo/transactions.csv, preset: demo}}
        notebooks: [01-data-quality]
        pseudonymize_ids: true
        lifetime_value: {{horizon_months: 3, monthly_discount_rate: 0}}
    """),
        encoding="utf-8",
    )
    assert pipeline_run.run(config, out=open("/dev/null", "w")) == 0
    processed = tmp_path / "processed" / "lv"
    export = pd.read_parquet(processed / "customer_segments.parquet")
    assert {"p_alive", "expected_purchases_3M", "clv_3M", "churn_risk"} <= set(export.columns)
    values = pd.read_parquet(processed / "prepared" / "lifetime_value.parquet")
    assert export["clv_3M"].sum() == pytest.approx(values["clv_3M"].sum())  # pseudonymised ids, the same values
    assert export["customer_id"].str.startswith("P-").all()
    at_risk = pd.read_parquet(processed / "at_risk_customers.parquet")
    assert at_risk["customer_id"].isin(export["customer_id"]).all() and (at_risk["churn_risk"] >= 0.5).all()
    assert at_risk["value_at_stake"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "section, message",
    [
        ("{time_unit: Y}", "time_unit must be D, W or M"),
        ("{horizon_months: 0}", "horizon_months must be a whole number"),
        ("{monthly_discount_rate: 1.5}", "monthly_discount_rate must be a number"),
        ("{calibration_end: 2025-13-01}", "calibration_end '2025-13-01' is not a date"),
        ("{horizon: 12}", "unknown key 'horizon'"),
        ("{churn_window_days: 3}", "churn_window_days must be a whole number of days from 7 to 730"),
    ],
)
def test_bad_lifetime_value_settings_are_named(tmp_path, section, message):
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_id: x\ninputs:\n  transactions: {{path: {DEMO / 'transactions.csv'}, preset: demo}}\nlifetime_value: {section}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=message):
        load_config(config)


def test_at_risk_list_by_hand():
    from segkit.pipeline.at_risk import at_risk_customers

    export = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(10)],
            "eight_class": ["important_value"] * 5 + ["important_keep"] * 5,
            "lifecycle_stage": ["active"] * 10,
            "clv_12M": [100.0, 900, 800, 50, 700, 20, 10, 600, 30, 40],
            "p_alive": [0.9] * 10,
            "churn_risk": [0.9, 0.6, 0.4, 0.9, 0.5, 0.9, 0.9, 0.2, 0.9, 0.9],
        }
    )
    listed = at_risk_customers(export, top_share=0.3)  # top 30 % by CLV: 900, 800, 700 (cut at the 70th percentile)
    assert listed["customer_id"].tolist() == ["C1", "C4"]  # C2 (800) has risk 0.4 < 0.5
    assert listed["value_at_stake"].tolist() == pytest.approx([540.0, 350.0])
    assert listed["actions"].str.len().gt(0).all()
    zh = at_risk_customers(export, top_share=0.3, language="zh")
    assert zh["actions"].iloc[0] != listed["actions"].iloc[0]
    assert at_risk_customers(export.drop(columns="churn_risk")).empty
