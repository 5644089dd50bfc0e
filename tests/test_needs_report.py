"""The need report: its pure pieces by hand on tiny inputs, and every section of a survey-only run."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from segkit import datasets
from segkit.needs import analysis, complaints, net_promoter, segments, suitability
from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare
from segkit.reporting import needs_charts, needs_report
from segkit.reporting.i18n import catalogue
from segkit.reporting.needs_report import NeedsReport
from segkit.reporting.report import Report
from segkit.survey.catalogue import NeedCatalogue
from segkit.survey.likert import LikertScale
from segkit.survey.read import survey_from_long

matplotlib.use("Agg")


def _survey(answers: dict[str, dict[str, list]], *, extra: dict[str, list] | None = None):
    """A survey from {item: {measure: [answer per respondent]}}; respondents r1, r2, ... (customers c1, c2, ...)."""
    n = max(len(v) for m in answers.values() for v in m.values())
    rows = [
        {"respondent_id": f"r{i + 1}", "item": item, "measure": measure, "answer": str(v)}
        for item, measures in answers.items()
        for measure, values in measures.items()
        for i, v in enumerate(values)
    ]
    items = pd.DataFrame(
        {
            "item": list(answers),
            "label_en": list(answers),
            "label_zh": list(answers),
            "functional": "functional",
            "level": "basic",
            "role": "core",
            "horizon": "long-term",
            "category": "function",
        }
    )
    respondents = pd.DataFrame(
        {"respondent_id": [f"r{i + 1}" for i in range(n)], "customer_id": [f"c{i + 1}" for i in range(n)], **(extra or {})}
    )
    return survey_from_long(pd.DataFrame(rows), respondents, catalogue=NeedCatalogue(items), scale=LikertScale.default())


# -- respondent -> segment / customer type
def test_link_respondents_by_hand():
    respondents = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "customer_id": ["c1", "c9", pd.NA]})
    segment_of = pd.Series({"c1": "Important value", "c2": "General value"})  # c9 bought nothing: no segment
    type_of = pd.Series({"c1": "enterprise", "c9": "individual"})
    links = segments.link_respondents(
        respondents, segments=segment_of, types=type_of, segment_order=["Important value", "General value"]
    )
    assert links.segment.index.tolist() == ["r1", "r2", "r3"]
    assert links.segment.tolist()[0] == "Important value" and links.segment.iloc[1:].isna().all()
    assert list(links.segment.cat.categories) == ["Important value", "General value"]  # value order, not alphabetical
    assert links.customer_type.iloc[:2].tolist() == ["enterprise", "individual"] and pd.isna(links.customer_type.iloc[2])
    assert [g is links.segment for g in links.groupings] == [True, False]
    assert links.unlinked == 2


def test_link_respondents_of_a_survey_only_run_have_no_segment_grouping():
    respondents = pd.DataFrame({"respondent_id": ["r1", "r2"], "customer_id": ["c1", "c2"]})
    links = segments.link_respondents(respondents, segments=pd.Series(dtype="str"), types=pd.Series(dtype="str"))
    assert links.groupings == [] and links.unlinked == 2


def test_customer_types():
    assert segments.customer_types(None).empty
    assert segments.customer_types(pd.DataFrame({"customer_id": ["c1"]})).empty
    types = segments.customer_types(pd.DataFrame({"customer_id": ["c1", "c2"], "customer_type": ["enterprise", "individual"]}))
    assert types.to_dict() == {"c1": "enterprise", "c2": "individual"}


# -- product risk R1..R5 against customer risk C1..C5
def test_risk_tables_by_hand():
    holdings = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "product_id": ["P1", "P2", "P1"],
            "product_risk": ["R3", "1", "3"],
            "product_name": ["Fund A", None, "Fund A"],
        }
    )
    risk = pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "score": [10.0, 30.0],
            "risk_level": pd.array([2, 4], dtype="Int64"),
            "risk_name": ["stable", "growth"],
        }
    )
    audit = suitability.audit_holdings(holdings, risk, segments=pd.Series({"c1": "A", "c2": "B"}))
    tables = suitability.risk_tables(audit, holdings)
    by_product = tables.by_product.set_index("product_id")
    assert by_product.loc["P1 Fund A"].tolist() == ["R3", 2, 1]  # product_risk, holders, violations
    assert by_product.loc["P2 "].tolist() == ["R1", 1, 0]  # no name: the id alone
    assert tables.violations.to_dict("records") == [
        {"customer_id": "c1", "product_id": "P1", "product_risk": "R3", "risk_level": "C2", "risk_name": "stable"}
    ]
    assert tables.by_segment.to_dict("records") == [
        {"segment": "A", "holdings": 2, "violations": 1, "share": 0.5},
        {"segment": "B", "holdings": 1, "violations": 0, "share": 0.0},
    ]


# -- complaint urgency
def test_complaint_urgency_by_hand():
    dictionary = complaints.KeywordDictionary(
        categories=pd.DataFrame(
            {"category": ["delivery", "price"], "label_en": ["Delivery", "Price"], "label_zh": ["配送", "价格"]}
        ),
        keywords={"delivery": ["slow"], "price": ["expensive"]},
        needs={"delivery": ["N1"], "price": ["N2"]},
    )
    rows = pd.DataFrame({"complaint": ["slow delivery", "too expensive and slow", "nice"], "severity": [4, 2, 1]})
    assert complaints.complaint_urgency(None, dictionary=dictionary, items=["N1"], n_customers=10) is None
    result = complaints.complaint_urgency(rows, dictionary=dictionary, items=["N1", "N2", "N3"], n_customers=10)
    assert result is not None
    assert result.table["complaints"].to_dict() == {"N1": 2, "N2": 1, "N3": 0}
    # index = complaints per customer x mean severity: N1 0.2 x 3, N2 0.1 x 2, N3 none
    assert result.index.to_numpy() == pytest.approx([0.6, 0.2, 0.0])
    # urgency: the index rescaled onto 1..5, the largest at the top
    assert result.urgency.to_numpy() == pytest.approx([5.0, 1 + 4 * 0.2 / 0.6, 1.0])


# -- which analyses apply
def test_applicable_analyses_follow_the_measures():
    importance = {"importance": [5, 4, 3]}
    assert analysis.applicable(_survey({"N1": importance})) == frozenset()
    assert analysis.applicable(_survey({"N1": importance}), complaint_urgency=True) == {"priority"}
    assert analysis.applicable(_survey({"N1": {**importance, "urgency": [1, 2, 3]}})) == {"priority"}
    rated = _survey(
        {"N1": {**importance, "satisfaction": [2, 2, 4]}},
        extra={"overall_satisfaction": [3.0, 4.0, 5.0], "nps": [10.0, np.nan, 3.0]},
    )
    assert analysis.applicable(rated) == {"gap", "opportunity", "ipa", "derived", "nps", "extremes"}
    kano = _survey({"N1": {"functional": ["like", "like"], "dysfunctional": ["dislike", "neutral"]}})
    assert analysis.applicable(kano) == {"kano"}


def test_count_small_bases():
    survey = _survey(
        {
            "N1": {"importance": [5, 4, 3], "urgency": [1, 2, ""]},
            "N2": {"importance": [5, 4, 3]},
            "N3": {"importance": [5, 4, 3], "urgency": [1, 2, 3]},
        }
    )
    assert analysis.count_small_bases(survey, small_base=3) == 2  # N1's urgency rests on 2 answers, N2's on none
    assert analysis.count_small_bases(survey, small_base=2) == 1


# -- NPS intervals: the cause of "'xerr' must not contain negative values"
def test_nps_interval_contains_its_estimate_for_a_single_respondent():
    # Adjusted Wald centres the interval on (p + .75)/(n + 3) - (d + .75)/(n + 3): for one promoter
    # that is 25 +- 73.5, i.e. up to 98.5, below the reported NPS of 100.
    for score, nps in ((10, 100.0), (0, -100.0)):
        result = net_promoter.nps([score])
        assert result.nps == nps and result.ci_low <= nps <= result.ci_high
    assert net_promoter.nps([10]).ci_low == pytest.approx(25 - 1.959964 * 100 * np.sqrt((0.4375 + 0.1875 - 0.0625) / 4))
    for n in range(1, 13):  # every small base and every mix of promoters, passives and detractors
        for p in range(n + 1):
            for d in range(n + 1 - p):
                r = net_promoter.nps([10] * p + [0] * d + [8] * (n - p - d))
                assert r.ci_low <= r.nps <= r.ci_high, (n, p, d)


def test_nps_by_segment_chart_with_a_segment_of_one_promoter():
    scores = pd.Series([10.0, 9, 3, 7, 0, 10])
    groups = pd.Series(["a", "a", "a", "a", "a", "b"])  # b: one promoter, NPS 100
    by_group = net_promoter.nps_by_group(scores, groups)
    # raised ValueError("'xerr' must not contain negative values") while b's interval ended at 98.5
    fig = needs_charts.interval_chart(by_group, value_col="nps", label_col="group", x_label="NPS")
    fig.canvas.draw()
    assert (by_group["ci_low"] <= by_group["nps"]).all() and (by_group["nps"] <= by_group["ci_high"]).all()


# -- every section of a run without transactions
class _Collected(Report):
    """A Report that keeps what it shows (and draws each figure) instead of displaying it."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.shown: list[str] = []

    def _show(self, markup: str, *, wrap: bool = True) -> None:
        self.shown.append(markup)

    def figure(self, fig) -> None:
        import matplotlib.pyplot as plt

        fig.canvas.draw()
        self.shown.append("<figure/>")
        plt.close(fig)

    def key_number(self, name: str, value: object, *, label: str | None = None, fmt: str = "int") -> None:
        self.shown.append(f"<key {name}={value}/>")


SECTIONS = (
    "summary",
    "key_numbers",
    "catalogue",
    "priority",
    "gap",
    "opportunity",
    "ipa",
    "kano",
    "derived",
    "nps",
    "extremes",
    "segments",
    "need_clusters",
    "complaints",
    "suitability",
    "backlog",
)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("needs-demo")
    datasets.write_demo(folder, customers=200, seed=3)
    return folder


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("extra", [(), ("customers", "complaints", "risk", "holdings")], ids=["survey", "survey+files"])
def test_a_survey_only_run_renders_every_section(demo_files, tmp_path, monkeypatch, language, extra):
    monkeypatch.setattr(needs_report, "N_BOOT_BACKLOG", 5)  # the backlog's bootstrap is what takes time
    names = ("survey", "needs", *extra)
    files = {
        "survey": "survey.csv",
        "needs": "needs.yaml",
        "customers": "customers.csv",
        "complaints": "complaints.csv",
        "risk": "risk.csv",
        "holdings": "holdings.csv",
    }
    run = prepare({k: InputFile(path=demo_files / files[k]) for k in names}, tmp_path / "prepared")
    assert not run.has("transactions") and not run.errors
    R = _Collected(language)
    N = NeedsReport(R, run, small_base=30, top_k=3, seed=1)
    for section in SECTIONS:
        getattr(N, section)()
    N.provenance(run_id="t", pseudonymize_ids=False)
    page = "\n".join(R.shown)
    words = catalogue(language)
    for key in (
        "catalogue",
        "bases",
        "priority",
        "gap",
        "opportunity",
        "ipa",
        "kano",
        "derived",
        "nps",
        "nps_segment",
        "extremes",
        "segments",
        "need_clusters",
        "complaints",
        "suitability",
        "backlog",
    ):
        assert words[f"needs.sections.{key}"] in page, key
    no_data = words["needs.no_data"].split("{")[0]
    assert page.count("<figure/>") >= 6  # priority, opportunity, IPA, Kano, derived importance, silhouette by k
    assert "<key nps=" in page and "<key respondents=" in page
    assert N.A.stability["n_boot"].eq(5).all()
    if extra:  # customer types link respondents; complaints and suitability have their files
        assert page.count(no_data) == 0
        assert words["needs.values.enterprise"] in page
    else:  # no segment, complaint or suitability data
        assert page.count(no_data) == 3
        assert N.links.groupings == []
