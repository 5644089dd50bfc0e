"""Complaint categories by keyword, counts, and complaint-based need urgency."""

import pandas as pd
import pytest

from segkit.core.errors import InputError
from segkit.needs import complaints

DICTIONARY = """
categories:
  delivery: {label_en: Delivery, label_zh: 配送, keywords: [late, 配送, 物流], needs: [N5]}
  quality: {label_en: Quality, label_zh: 质量, keywords: [broken, 质量], needs: [N1, N2]}
"""


@pytest.fixture
def dictionary(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text(DICTIONARY, encoding="utf-8")
    return complaints.load_dictionary(path)


def test_categorise_substrings_in_both_languages(dictionary):
    texts = pd.Series(["配送太慢了", "It arrived BROKEN and late", "质量一般", "", None, "hello"])
    flags = complaints.categorise(texts, dictionary=dictionary)
    assert flags["delivery"].tolist() == [True, True, False, False, False, False]
    assert flags["quality"].tolist() == [False, True, True, False, False, False]
    assert flags["other"].tolist() == [False, False, False, False, False, True]  # empty text is no complaint


def test_summary_by_hand(dictionary):
    frame = pd.DataFrame(
        {
            "complaint": ["配送太慢", "late again", "broken", "物流和质量都差", "nice"],
            "severity": [4, 2, 3, 5, 1],
            "segment": ["ent", "ent", "ind", "ind", "ind"],
        }
    )
    table = complaints.complaint_summary(frame, dictionary=dictionary).set_index("category")
    # delivery: rows 0, 1, 3 -> 3 complaints, severity (4 + 2 + 5) / 3; quality: rows 2, 3 -> 2, (3 + 5) / 2
    assert table.loc["delivery", "complaints"] == 3 and table.loc["delivery", "mean_severity"] == pytest.approx(11 / 3)
    assert table.loc["quality", "complaints"] == 2 and table.loc["quality", "mean_severity"] == pytest.approx(4.0)
    assert table.loc["other", "complaints"] == 1
    assert table.loc["delivery", "share"] == pytest.approx(3 / 5)
    by_segment = complaints.complaint_summary(frame, dictionary=dictionary, segment_col="segment").set_index(
        ["segment", "category"]
    )
    assert by_segment.loc[("ent", "delivery"), "complaints"] == 2
    assert by_segment.loc[("ent", "delivery"), "share"] == pytest.approx(1.0)
    assert by_segment.loc[("ind", "quality"), "share"] == pytest.approx(2 / 3)


def test_need_urgency_by_hand(dictionary):
    # delivery (N5): 3 complaints of 10 customers, severities 4, 4, 1 -> 0.3 x 3 = 0.9
    # quality (N1, N2): 1 complaint, severity 2 -> 0.1 x 2 = 0.2; N3: nothing -> 0
    frame = pd.DataFrame({"complaint": ["late", "late", "配送", "broken"], "severity": [4, 4, 1, 2]})
    table = complaints.need_urgency(frame, dictionary=dictionary, items=["N1", "N2", "N3", "N5"], n_customers=10).set_index(
        "item"
    )
    assert table["index"].to_dict() == pytest.approx({"N1": 0.2, "N2": 0.2, "N3": 0.0, "N5": 0.9})
    # onto 1..5: N5 gets 5, N1 1 + 4 x 0.2 / 0.9 = 1.889, N3 1
    assert table["urgency"].to_dict() == pytest.approx({"N1": 1 + 4 * 0.2 / 0.9, "N2": 1 + 4 * 0.2 / 0.9, "N3": 1.0, "N5": 5.0})
    # N3 had no complaint: its severity is unknown (shown as '–'), not 0
    assert table.loc["N3", "complaints"] == 0 and pd.isna(table.loc["N3", "mean_severity"])
    assert table.loc["N5", "mean_severity"] == pytest.approx(3.0)


def test_packaged_dictionary_is_bilingual():
    packaged = complaints.load_dictionary()
    flags = complaints.categorise(pd.Series(["快递三天才到货", "The courier was late"]), dictionary=packaged)
    assert flags["delivery"].all()
    assert set(packaged.labels("zh").values()) >= {"配送", "产品质量"}


def test_dictionary_without_keywords(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("categories:\n  price: {label_en: Price}\n", encoding="utf-8")
    with pytest.raises(InputError, match="category 'price' has no keywords"):
        complaints.load_dictionary(path)
