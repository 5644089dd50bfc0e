"""Follow-up lists: detractors, the least satisfied respondents, every suitability violation.

Known answers worked out by hand on small frames; the last test drives a real run (slow) and
checks the files against what the need report states.
"""

import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from segkit import datasets
from segkit.core import privacy
from segkit.core.errors import InputError
from segkit.needs import followup, net_promoter, suitability
from segkit.pipeline import followup_files
from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare
from segkit.pipeline.run import run
from segkit.reporting import needs_report
from segkit.reporting.i18n import catalogue, message
from segkit.reporting.needs_report import NeedsReport
from segkit.reporting.report import Report

#: Ten respondents; R05 is anonymous and R10 did not answer the recommendation question.
RESPONDENTS = pd.DataFrame(
    {
        "respondent_id": [f"R{i:02d}" for i in range(1, 11)],
        "customer_id": ["C1", "C2", "C3", "C4", None, "C6", "C7", "C8", "C9", "C10"],
        "nps": [0, 6, 7, 10, 3, 9, 6, 8, None, 5],
        "overall_satisfaction": [1, 4, 2, 5, 2, 3, 4, 1, 5, 3],
        "name": ["Ann", "Bo", "Cy", "Di", "Ed", "Fay", "Gus", "Hal", "Ivy", "Jo"],
    }
)
SEGMENTS = pd.Series({"C1": "vip", "C2": "new", "C3": "vip", "C7": "lost", "C10": "new"})


def rows(frame: pd.DataFrame) -> list[list]:
    """The rows of `frame` with None for every missing value (pandas 3 strings are NaN when missing)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def test_detractors_by_hand():
    # scores 0..6 are detractors: R01 (0), R02 (6), R05 (3), R07 (6), R10 (5); 7 is a passive, R09 unanswered
    table = followup.detractors(RESPONDENTS, segments=SEGMENTS)
    assert table.columns.tolist() == ["respondent_id", "customer_id", "segment", "nps"]
    assert rows(table) == [
        ["R01", "C1", "vip", 0],
        ["R05", None, None, 3],
        ["R10", "C10", "new", 5],
        ["R02", "C2", "new", 6],
        ["R07", "C7", "lost", 6],
    ]
    assert len(table) == net_promoter.nps(RESPONDENTS["nps"]).detractors  # the same rule as the NPS


def test_detractors_of_an_anonymous_survey_have_no_customer_column():
    anonymous = RESPONDENTS.assign(customer_id=pd.Series([None] * 10, dtype="str"))
    table = followup.detractors(anonymous, segments=SEGMENTS)
    assert table.columns.tolist() == ["respondent_id", "nps"]
    assert table["respondent_id"].tolist() == ["R01", "R05", "R10", "R02", "R07"]


def test_detractors_reject_scores_off_the_scale():
    with pytest.raises(InputError, match="whole numbers 0–10; got 11"):
        followup.detractors(RESPONDENTS.assign(nps=[0, 11, 7, 10, 3, 9, 6, 8, None, 5]))


def test_least_satisfied_bottom_20_percent_with_the_tie_at_the_cut():
    # sorted satisfaction: 1 (R01), 1 (R08), 2 (R03), 2 (R05), 3, 3, 4, 4, 5, 5; 20% of 10 = 2 -> cut 1
    chosen = followup.least_satisfied(RESPONDENTS, segments=SEGMENTS)
    assert (chosen.basis, chosen.n_rated, chosen.size, chosen.cutoff) == ("overall", 10, 2, 1.0)
    assert chosen.table["respondent_id"].tolist() == ["R01", "R08"]  # R01 recommends less (0 < 8)
    # 30%: 3 respondents -> the third is R03 at 2, and R05 is tied with it at the cut: 4 listed
    wider = followup.least_satisfied(RESPONDENTS, share=0.3, segments=SEGMENTS)
    assert (wider.size, wider.cutoff) == (3, 2.0)
    assert wider.table.columns.tolist() == ["respondent_id", "customer_id", "segment", "satisfaction", "nps"]
    assert rows(wider.table) == [
        ["R01", "C1", "vip", 1.0, 0],
        ["R08", "C8", None, 1.0, 8],
        ["R05", None, None, 2.0, 3],  # tied at 2: the lower recommendation score first
        ["R03", "C3", "vip", 2.0, 7],
    ]
    assert "name" not in wider.table


def test_least_satisfied_ties_at_the_cut_are_all_listed():
    # ten scores, five of them 2: 20% = 2 respondents, the cut is 2, so all five 2s are listed
    frame = pd.DataFrame({"respondent_id": list("abcdefghij"), "overall_satisfaction": [2, 3, 2, 4, 2, 5, 2, 3, 2, 4]})
    chosen = followup.least_satisfied(frame)
    assert (chosen.size, chosen.cutoff) == (2, 2.0)
    assert chosen.table["respondent_id"].tolist() == ["a", "c", "e", "g", "i"]
    assert chosen.table.columns.tolist() == ["respondent_id", "satisfaction"]


def test_least_satisfied_without_the_overall_question_uses_the_mean_need_satisfaction():
    frame = pd.DataFrame({"respondent_id": ["a", "b", "c", "d", "e"]})
    ratings = pd.DataFrame(
        {"N1": [1, 4, 5, None, 2], "N2": [3, 4, 5, None, None], "N3": [2, None, 4, None, 2]},
        index=pd.Index(["a", "b", "c", "d", "e"], name="respondent_id"),
    )
    # means: a 2, b 4, c 4.667, d none (not ranked), e 2; 20% of 4 rated = 0.8 -> 1, cut 2 -> a and e
    chosen = followup.least_satisfied(frame, need_satisfaction=ratings)
    assert (chosen.basis, chosen.n_rated, chosen.size, chosen.cutoff) == ("needs", 4, 1, 2.0)
    assert chosen.table.values.tolist() == [["a", 2.0], ["e", 2.0]]


def test_least_satisfied_needs_a_score_and_a_share():
    with pytest.raises(InputError, match="no overall satisfaction and no need satisfaction"):
        followup.least_satisfied(RESPONDENTS.drop(columns="overall_satisfaction"))
    with pytest.raises(InputError, match="share must be above 0 and at most 1"):
        followup.least_satisfied(RESPONDENTS, share=0)


ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["q1_horizon", "q2_loss", "q3_experience", "q4_income", "q5_goal"]


def test_suitability_violations_are_all_listed():
    # a..e = 1..5 points; levels start at 0, 9, 13, 17, 21: C1 5 points -> C1, C3 15 -> C3
    answers = pd.DataFrame(
        [{"customer_id": c, **dict(zip(QUESTIONS, a, strict=True))} for c, a in {"K1": "aaaaa", "K3": "abcde"}.items()]
    )
    risk = suitability.score_risk(answers, scoring=suitability.load_scoring())
    rows = [("K1", f"P{r}", r) for r in (1, 2, 3, 4, 5)] + [("K3", f"P{r}", r) for r in (2, 4, 5)] + [("K9", "P5", 5)]
    holdings = pd.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "product_id": [p for _, p, _ in rows],
            "product_name": [f"Fund {p}" for _, p, _ in rows],
            "product_risk": [f"R{r}" for _, _, r in rows],
            "phone": ["13812345678"] * len(rows),
        }
    )
    audit = suitability.audit_holdings(holdings, risk, segments=pd.Series({"K1": "vip", "K3": "new"}))
    table = followup.suitability_violations(audit)
    # K1 (C1) holds P2..P5 above its level (excess 1..4); K3 (C3) holds P4, P5 (1, 2); K9 is unassessed
    assert table.columns.tolist() == [
        "customer_id",
        "segment",
        "product_id",
        "product_name",
        "product_risk",
        "risk_level",
        "risk_name",
        "excess",
    ]
    assert table[["customer_id", "product_id", "product_risk", "risk_level", "excess"]].values.tolist() == [
        ["K1", "P5", "R5", "C1", 4],
        ["K1", "P4", "R4", "C1", 3],
        ["K1", "P3", "R3", "C1", 2],
        ["K3", "P5", "R5", "C3", 2],
        ["K1", "P2", "R2", "C1", 1],
        ["K3", "P4", "R4", "C3", 1],
    ]
    assert len(table) == len(audit.violations) == 6
    assert table["segment"].tolist() == ["vip", "vip", "vip", "new", "vip", "new"]
    assert table["risk_name"].tolist() == ["conservative"] * 3 + ["balanced"] + ["conservative", "balanced"]


# -- the files of a run and the report's notes on them
class _Collected(Report):
    """A Report that keeps the markup it shows (figures closed undrawn) instead of displaying it."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.shown: list[str] = []

    def _show(self, markup: str, *, wrap: bool = True) -> None:
        self.shown.append(markup)

    def figure(self, fig) -> None:
        import matplotlib.pyplot as plt

        plt.close(fig)


@pytest.fixture(scope="module")
def survey_only_run(tmp_path_factory):
    """A prepared run of the demo survey, risk answers and holdings, without transactions."""
    folder = tmp_path_factory.mktemp("followup-demo")
    datasets.write_demo(folder / "raw", customers=200, seed=3)
    names = {"survey": "survey.csv", "needs": "needs.yaml", "risk": "risk.csv", "holdings": "holdings.csv"}
    run = prepare({k: InputFile(path=folder / "raw" / f) for k, f in names.items()}, folder / "processed" / "prepared")
    assert not run.has("transactions") and not run.errors
    return run


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_survey_only_run_writes_the_lists_and_the_report_names_them(survey_only_run, tmp_path, monkeypatch, language):
    monkeypatch.setattr(needs_report, "N_BOOT_BACKLOG", 5)
    written = followup_files.write_followup(survey_only_run, tmp_path, language=language)
    assert sorted(p.name for p in written) == sorted(followup_files.FOLLOWUP_FILES.values())
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in written)  # UTF-8 with a BOM, for Excel
    files = followup_files.written_followup(tmp_path)
    assert files == {name: f"followup/{file}" for name, file in followup_files.FOLLOWUP_FILES.items()}
    lists = {name: _read(tmp_path / path) for name, path in files.items()}
    survey = survey_only_run.survey
    assert len(lists["detractors"]) == net_promoter.nps(survey.respondents["nps"]).detractors > 0
    assert lists["detractors"].columns.tolist() == ["respondent_id", "customer_id", "nps"]  # no segments without transactions
    assert (lists["detractors"]["nps"].astype(int) <= 6).all()
    assert lists["least_satisfied"].columns.tolist() == ["respondent_id", "customer_id", "satisfaction", "nps"]
    assert lists["suitability_violations"].columns.tolist() == [
        "customer_id",
        "product_id",
        "product_name",
        "product_risk",
        "risk_level",
        "risk_name",
        "excess",
        "risk_label",
    ]
    R = _Collected(language)
    N = NeedsReport(R, survey_only_run, small_base=30, top_k=3, seed=1, followup=files)
    for section in ("nps", "extremes", "suitability"):
        getattr(N, section)()
    page = "\n".join(R.shown)
    words = catalogue(language)
    n_least = len(lists["least_satisfied"])
    chosen = followup.least_satisfied(survey.respondents)
    assert n_least == len(chosen.table) and n_least >= chosen.size  # ties at the cut are added
    expected = {
        "detractors": message(language, "needs.followup.detractors", n=len(lists["detractors"]), file="followup/detractors.csv"),
        "least": message(
            language,
            "needs.followup.least_satisfied.overall",
            share="20%",
            cutoff=f"{chosen.cutoff:g}",
            n=n_least,
            file="followup/least_satisfied.csv",
        ),
        "suitability": message(
            language,
            "needs.followup.suitability",
            n=len(lists["suitability_violations"]),
            file="followup/suitability_violations.csv",
        ),
    }
    for name, sentence in expected.items():
        assert html.escape(sentence) in page, name
    assert words["needs.sections.suitability"] in page
    # on its own (no processed folder) the report names no file
    alone = _Collected(language)
    N = NeedsReport(alone, survey_only_run, small_base=30, top_k=3, seed=1, followup=followup_files.written_followup(""))
    for section in ("nps", "extremes", "suitability"):
        getattr(N, section)()
    assert "followup/" not in "\n".join(alone.shown)


def test_pseudonymised_lists_use_the_export_hash_and_carry_no_personal_data(survey_only_run, tmp_path, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "list-key")
    followup_files.write_followup(survey_only_run, tmp_path, pseudonymize_ids=True)
    folder = tmp_path / "followup"
    real = survey_only_run.survey.respondents["customer_id"].dropna()
    for path in folder.glob("*.csv"):
        ids = _read(path)["customer_id"]
        ids = ids[ids != ""]
        assert len(ids) and ids.str.startswith("P-").all(), path.name
        assert set(ids) <= set(privacy.pseudonymize(real, key="list-key")) | set(
            privacy.pseudonymize(survey_only_run.optional("holdings")["customer_id"], key="list-key")
        )
    customers = pd.read_csv(Path(survey_only_run.inputs["survey"]).with_name("customers.csv"), dtype=str)
    assert privacy.find_pii(sorted(folder.glob("*.csv")), privacy.pii_values(customers)) == {}


# -- through `segkit run`
def _sentence_pattern(template: str) -> re.Pattern[str]:
    """A catalogue sentence as it reads in the (unescaped) page, with {n} captured and the other fields free."""
    pattern = re.escape(template)
    for field in ("share", "cutoff", "file"):
        pattern = pattern.replace(re.escape("{" + field + "}"), r"[^<]*?")
    return re.compile(pattern.replace(re.escape("{n}"), r"([\d,]+)"))


@pytest.mark.slow
def test_a_pseudonymised_run_writes_the_lists_the_need_report_counts(tmp_path):
    raw = tmp_path / "raw"
    datasets.write_demo(raw, customers=300, seed=7)
    key = "followup-key"
    inputs = {"transactions": "{path: %s, preset: demo}" % (raw / "transactions.csv")}
    inputs.update({name: "{path: %s}" % (raw / f"{name}.csv") for name in ("customers", "survey", "risk", "holdings")})
    inputs["needs"] = "{path: %s}" % (raw / "needs.yaml")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_id: fu\nlanguage: en\nnotebooks_dir: {ROOT / 'notebooks'}\nreports_dir: {tmp_path / 'reports'}\n"
        f"processed_dir: {tmp_path / 'processed'}\nnotebooks: [03-need-priority]\n"
        f"pseudonymize_ids: true\npseudonymize_key: {key}\ninputs:\n" + "".join(f"  {k}: {v}\n" for k, v in inputs.items()),
        encoding="utf-8",
    )
    log = io.StringIO()
    assert run(config, out=log) == 0, log.getvalue()
    folder = tmp_path / "processed" / "fu" / "followup"
    lists = {name: _read(folder / file) for name, file in followup_files.FOLLOWUP_FILES.items()}
    page = html.unescape((tmp_path / "reports" / "fu" / "03-need-priority.html").read_text(encoding="utf-8"))
    words = catalogue("en")
    keys = {
        "detractors": "needs.followup.detractors",
        "least_satisfied": "needs.followup.least_satisfied.overall",
        "suitability_violations": "needs.followup.suitability",
    }
    for name, key_ in keys.items():
        stated = _sentence_pattern(words[key_]).findall(page)
        assert stated == [f"{len(lists[name]):,}"], name
        assert f"followup/{followup_files.FOLLOWUP_FILES[name]}" in page
    assert all(len(t) for t in lists.values())
    assert lists["detractors"]["segment"].ne("").any()  # linked respondents carry their 8-class segment
    customers = pd.read_csv(raw / "customers.csv", dtype=str)
    pseudonyms = set(privacy.pseudonymize(customers["customer_id"], key=key))
    export = _read(tmp_path / "processed" / "fu" / "customer_segments.csv")
    for name, table in lists.items():
        ids = table.loc[table["customer_id"] != "", "customer_id"]
        assert len(ids) and set(ids) <= pseudonyms, name  # the keyed hash of the CRM export
        assert set(ids) & set(export["customer_id"]), name
    assert privacy.find_pii(sorted(folder.glob("*.csv")), privacy.pii_values(customers)) == {}
    assert not set(customers["customer_id"]) & {v for t in lists.values() for v in t.to_numpy().ravel()}


def test_pseudonymised_lists_hash_respondent_ids_too(tmp_path, monkeypatch):
    """A survey that uses customer ids as respondent ids must not leak them into a pseudonymised list."""
    import pandas as pd

    from segkit.core import privacy
    from segkit.pipeline import followup_files

    monkeypatch.setenv(privacy.KEY_ENV, "k")
    table = pd.DataFrame({"respondent_id": ["CU00001", "CU00002"], "customer_id": ["CU00001", "CU00002"], "nps": [3, 5]})
    monkeypatch.setattr(followup_files, "followup_lists", lambda run, language: {"detractors": table})
    (path,) = followup_files.write_followup(None, tmp_path, pseudonymize_ids=True)  # type: ignore[arg-type]
    written = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert written["respondent_id"].tolist() == privacy.pseudonymize(table["respondent_id"]).tolist()
    assert "CU00001" not in path.read_text(encoding="utf-8-sig")
