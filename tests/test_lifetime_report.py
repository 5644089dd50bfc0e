"""The lifetime-value report: its tables (segkit.models.matrices), every section in both languages, and failed fits."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import InputError
from segkit.models import lifetime_value as lifetime_models
from segkit.models.matrices import p_alive_matrix, value_by_group
from segkit.pipeline import prepare as prepare_module
from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare
from segkit.reporting import lifetime_report
from segkit.reporting.i18n import LANGUAGES, catalogue
from segkit.reporting.lifetime_report import LifetimeReport
from segkit.reporting.report import Report

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
SECTIONS = ("summary", "key_numbers", "clv", "by_segment", "p_alive_matrix", "holdout", "models")
KEY = re.compile(r"^(lifetime|churn|value|core|quality)\.[\w.]+$")


class _Collected(Report):
    """A Report that keeps what it would display, and every catalogue key it looked up."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.shown: list[str] = []
        self.keys: set[str] = set()

    def t(self, key: str, **values: object) -> str:
        self.keys.add(key)
        return super().t(key, **values)

    def label(self, key_or_text: str) -> str:
        if KEY.match(key_or_text):
            self.keys.add(key_or_text)
        return super().label(key_or_text)

    def _show(self, markup: str, *, wrap: bool = True) -> None:
        self.shown.append(markup)

    def figure(self, fig) -> None:
        import matplotlib.pyplot as plt

        fig.canvas.draw()
        self.shown.append("<figure/>")
        plt.close(fig)

    def key_number(self, name: str, value: object, *, label: str | None = None, fmt: str = "int") -> None:
        self.label(label or "")
        self.shown.append(f"<key {name}={value}/>")


def _render(run, language: str) -> tuple[_Collected, LifetimeReport, str]:
    R = _Collected(language)
    L = LifetimeReport(R, run)
    for section in SECTIONS:
        getattr(L, section)()
    L.provenance(run_id="t", pseudonymize_ids=False)
    return R, L, "\n".join(R.shown)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo")}
    return prepare(inputs, tmp_path_factory.mktemp("lv-report") / "prepared")


# ---------------------------------------------------------------- the tables
def test_p_alive_matrix_by_hand():
    values = pd.DataFrame(
        {
            "btyd_frequency": [0, 0, 1, 2, 4, 5],
            "btyd_recency": [0.0, 0.0, 3.0, 9.0, 6.0, 10.0],
            "p_alive": [0.9, 0.5, 0.8, 0.2, 0.6, 1.0],
        }
    )
    # frequency bins 0 | 1-2 | 3+; recency 0-10 in two bins of 5 weeks, the last holding 10
    matrix = p_alive_matrix(values, frequency_edges=(0, 1, 3, 50), recency_bins=2)
    assert matrix["frequency"].tolist() == ["0", "1–2", "3+"] * 2  # the edge 50 lies above every frequency
    assert matrix["recency"].tolist() == ["0–5"] * 3 + ["5–10"] * 3
    assert matrix["customers"].tolist() == [2, 1, 0, 0, 1, 2]
    np.testing.assert_allclose(matrix["mean_p_alive"], [0.7, 0.8, np.nan, np.nan, 0.2, 0.8])
    assert matrix["recency_low"].tolist() == [0, 0, 0, 5, 5, 5] and matrix["frequency_low"].tolist() == [0, 1, 3] * 2


def test_p_alive_matrix_of_one_time_buyers_only():
    matrix = p_alive_matrix(pd.DataFrame({"btyd_frequency": [0, 0], "btyd_recency": [0.0, 0.0], "p_alive": [1.0, 1.0]}))
    assert matrix.loc[matrix["customers"] > 0, ["frequency", "customers", "mean_p_alive"]].values.tolist() == [["0+", 2, 1.0]]


def test_value_by_group_by_hand():
    values = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "p_alive": [1.0, 0.5, 0.2, 0.9],
            "expected_purchases_12M": [4.0, 2.0, 1.0, 3.0],
            "clv_12M": [100.0, 50.0, 10.0, 40.0],
        }
    )
    groups = pd.DataFrame({"customer_id": ["a", "b", "c", "x"], "segment": ["top", "top", "low", "low"]})
    table = value_by_group(
        values,
        groups,
        group_col="segment",
        purchases_col="expected_purchases_12M",
        clv_col="clv_12M",
        order=["low", "top", "empty"],
    )
    assert table["group"].iloc[:3].tolist() == ["low", "top", "empty"] and pd.isna(table["group"].iloc[3])  # d has no segment
    assert table["customers"].tolist() == [1, 2, 0, 1]
    np.testing.assert_allclose(table["clv"], [10, 150, 0, 40])
    np.testing.assert_allclose(table["clv_share"], [0.05, 0.75, 0, 0.2])
    np.testing.assert_allclose(table["mean_clv"], [10, 75, np.nan, 40])
    np.testing.assert_allclose(table["mean_p_alive"], [0.2, 0.75, np.nan, 0.9])
    np.testing.assert_allclose(table["mean_expected_purchases"], [1, 3, np.nan, 3])
    without = value_by_group(values, groups, group_col="segment", purchases_col="expected_purchases_12M")
    assert "clv" not in without and without["customers"].sum() == 4


@pytest.mark.parametrize("name", ["eight_class", "lifecycle", "value_cluster"])
def test_the_group_tables_add_up_to_the_total(demo_run, name):
    L = LifetimeReport(Report("en"), demo_run)
    table = L.group_table(name)
    values = demo_run.lifetime_value
    assert table["customers"].sum() == len(values)
    assert table["clv"].sum() == pytest.approx(values["clv_12M"].sum(), rel=1e-9)
    assert table["clv_share"].sum() == pytest.approx(1.0)
    assert table["expected_purchases"].sum() == pytest.approx(values["expected_purchases_12M"].sum(), rel=1e-9)


# ---------------------------------------------------------------- the report
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_section_renders_with_keys_of_both_catalogues(demo_run, language):
    R, L, page = _render(demo_run, language)
    words = catalogue(language)
    for key in ("title", "sections.clv", "sections.by_segment", "sections.p_alive", "sections.holdout", "sections.models"):
        assert words[f"lifetime.{key}"] in page, key
    assert words["core.summary"] in page and words["core.provenance.title"] in page
    assert page.count("<figure/>") == 4  # CLV histogram, P(alive) matrix, holdout by frequency, tracking
    for name in ("customers_valued", "total_clv", "top10_value_share", "mean_p_alive", "holdout_mae", "top_decile_capture"):
        assert f"<key {name}=" in page, name
    assert words["value.segment_names.eight_class.important_value"] in page and words["value.stages.churned"] in page
    # the demo (generator version 2) plants a BG/NBD dropout: no parameter of the full fit is at a
    # bound, so the report raises no dropout caveat for it; when b runs to its bound (the version 1
    # demo had almost no visible dropout) the report says so
    assert demo_run.models["bg_nbd"]["at_bound"] == []
    L = LifetimeReport(R, demo_run)
    assert all(words["lifetime.warnings.reason.dropout"] not in w for w in L._warnings() if "BG/NBD" in w)
    L.fitted = {**demo_run.models, "bg_nbd": {**demo_run.models["bg_nbd"], "at_bound": ["b"]}}
    assert any(words["lifetime.warnings.reason.dropout"] in w for w in L._warnings())
    assert "lifetime.failed" not in R.keys
    for other in LANGUAGES:
        missing = sorted(k for k in R.keys if k not in catalogue(other))
        assert missing == [], f"{other} lacks {missing}"


def test_every_key_the_module_names_is_in_both_catalogues():
    source = Path(lifetime_report.__file__).read_text(encoding="utf-8")
    literal = set(re.findall(r"""["'](lifetime\.[\w.]+\w)["']""", source))
    prefixes = set(re.findall(r"""f["'](lifetime\.[\w.]+\.)\{""", source))
    assert len(literal) > 30 and prefixes
    for language in LANGUAGES:
        words = catalogue(language)
        assert sorted(literal - set(words)) == [], language
        assert all(any(k.startswith(p) for k in words) for p in prefixes), language
    for column in [*lifetime_report.GROUP_FORMATS, "model", "parameter", "meaning", "estimate", "standard_error"]:
        assert f"lifetime.columns.{column}" in catalogue("en") and f"lifetime.columns.{column}" in catalogue("zh")
    for key in lifetime_report.CHART_KEYS:
        assert f"lifetime.chart.{key}" in catalogue("en") and f"lifetime.chart.{key}" in catalogue("zh")


def test_a_run_whose_lifetime_value_failed_says_so(tmp_path, monkeypatch):
    def fails(*args, **kwargs):
        raise InputError("BG/NBD: 1 customer has a repeat purchase; the model needs more")

    monkeypatch.setattr(prepare_module, "fit_lifetime_value", fails)
    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo")}
    run = prepare(inputs, tmp_path / "prepared")
    assert "lifetime_value" in run.errors
    for language in LANGUAGES:
        R, L, page = _render(run, language)
        message = catalogue(language)["lifetime.failed"].split("{")[0]
        assert message in page and "1 customer has a repeat purchase" in page
        assert "<key" not in page and "<figure/>" not in page
        assert catalogue(language)["core.provenance.title"] in page


def test_a_run_without_a_spend_model_still_shows_purchases(tmp_path, monkeypatch):
    def fails(self, *args, **kwargs):
        raise InputError("Gamma-Gamma: 1 customers have a repeat purchase of positive value")

    monkeypatch.setattr(lifetime_models.GammaGammaModel, "fit", fails)
    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo")}
    run = prepare(inputs, tmp_path / "prepared")
    assert "gamma_gamma" in run.models["errors"] and "clv_12M" not in run.lifetime_value
    R, L, page = _render(run, "en")
    words = catalogue("en")
    assert words["lifetime.warnings.no_clv"] in page and "Gamma-Gamma: 1 customers" in page
    assert "<key mean_p_alive=" in page and "<key total_clv=" not in page
    assert page.count("<figure/>") == 3  # no CLV histogram
    assert L.group_table("eight_class")["customers"].sum() == len(run.lifetime_value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_churn_section_reports_the_stored_metrics(demo_run, language):
    from segkit.reporting.churn_report import ChurnSection

    R = _Collected(language)
    C = ChurnSection(R, demo_run)
    C.key_numbers()
    C.churn_risk()
    page = "\n".join(R.shown)
    words = catalogue(language)
    churn = demo_run.models["churn"]
    best = {m["model"]: m for m in churn["metrics"]}[churn["best"]]
    assert words["churn.title"] in page and f"<key churn_auc={best['roc_auc']}/>" in page
    assert words[f"churn.models.{churn['best']}"] in page and words["churn.models.bg_nbd"] in page
    verdict = words["churn.verdict.beats" if churn["beats_baseline"] else "churn.verdict.loses"]
    assert verdict in page
    for other in LANGUAGES:
        assert sorted(k for k in R.keys if k not in catalogue(other)) == []
    assert set(catalogue("en")) & {k for k in catalogue("en") if k.startswith("churn.")} == {
        k for k in catalogue("zh") if k.startswith("churn.")
    }
