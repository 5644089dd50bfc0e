"""Kano classification: evaluation tables, coefficients, Fong's test, categories, continuous Kano."""

import pandas as pd
import pytest

from segkit.needs import kano
from segkit.survey import kano_answers


def classified_from_counts(counts: dict[str, int], item: str = "X") -> pd.DataFrame:
    classes = [c for c, k in counts.items() for _ in range(k)]
    return pd.DataFrame({"respondent_id": [f"r{i}" for i in range(len(classes))], "item": item, "kano_class": classes})


def test_better_worse_reference():
    # Better = (45 + 123) / 296 = 0.5676; Worse = -(123 + 95) / 296 = -0.7365
    better, worse = kano.cs_coefficients({"M": 95, "O": 123, "A": 45, "I": 33})
    assert better == pytest.approx(0.568, abs=5e-4)
    assert worse == pytest.approx(-0.736, abs=5e-4)


def test_fong_reference():
    # |123 - 95| = 28 >= 1.65 * sqrt(218 * (592 - 218) / 592) = 1.65 * 11.736 = 19.36
    result = kano.fong_test(123, 95, 296)
    assert result.difference == 28
    assert result.critical == pytest.approx(19.4, abs=0.05)
    assert result.significant


def test_fong_not_significant_when_close():
    # |50 - 45| = 5 < 1.65 * sqrt(95 * 105 / 200) = 1.65 * 7.062 = 11.65
    result = kano.fong_test(50, 45, 100)
    assert result.critical == pytest.approx(11.65, abs=0.01)
    assert not result.significant


def test_kano_table_reference_counts():
    table = kano.kano_table(classified_from_counts({"M": 95, "O": 123, "A": 45, "I": 33}), n_boot=200, seed=1)
    row = table.iloc[0]
    assert row["category"] == "O" and row["seed_class"] == "performance"
    assert row["n"] == 296
    assert row["category_strength"] == pytest.approx(28 / 296)  # 41.6% - 32.1%
    assert row["total_strength"] == pytest.approx((45 + 123 + 95) / 296)
    assert row["fong_significant"]
    assert row["better_low"] < row["better"] < row["better_high"]
    assert row["worse_low"] < row["worse"] < row["worse_high"]


# Classic evaluation table: functional answer (row) x dysfunctional answer (column), in the order
# like, must-be, neutral, live-with, dislike. Berger et al. (1993), "Kano's methods for
# understanding customer-defined quality", Center for Quality of Management Journal 2(4), Kano
# evaluation table; checked cell by cell against three independent reproductions found with the
# search tool: agilesoftwaredevelopment.com "Kano questionnaires" (Like: Q E E E L / Expect: R I I I M
# x3 / Dislike: R R R R Q, E = attractive, L = one-dimensional), kostya.ws "How to analyse Kano survey
# results" (same grid, D = delight, N = normal), and the "Kano model steps" deck on scribd.com
# (Q E E E P / R I I I B x3 / R R R R Q). One R package (stp25stat, rdrr.io) prints like/like = O:
# a typo against all of these (like/like contradicts itself and is Q in every published table).
CLASSIC = {"like": "QAAAO", "must-be": "RIIIM", "neutral": "RIIIM", "live-with": "RIIIM", "dislike": "RRRRQ"}


@pytest.mark.parametrize("functional", kano_answers.ANSWERS)
def test_classic_table_every_cell(functional):
    dysfunctional = pd.Series(kano_answers.ANSWERS)
    result = kano.classify(pd.Series([functional] * 5), dysfunctional)
    assert "".join(result) == CLASSIC[functional]


def test_pouliot_table_differs_only_on_contradictory_cells():
    # NOT checked against a published source: Pouliot's table (cited via Berger et al. 1993) could
    # not be found with the search tool (pages, docs, code). This pins the variant as implemented.
    f = pd.Series(["must-be", "live-with", "like", "must-be", "neutral"])
    d = pd.Series(["must-be", "live-with", "dislike", "dislike", "neutral"])
    assert kano.classify(f, d, table="pouliot").tolist() == ["Q", "Q", "O", "M", "I"]
    assert kano.classify(f, d, table="classic").tolist() == ["I", "I", "O", "M", "I"]
    differing = (kano.CLASSIC_TABLE != kano.POULIOT_TABLE).to_numpy().sum()
    assert differing == 2


def test_missing_answer_gives_no_class():
    result = kano.classify(pd.Series(["like", None]), pd.Series([None, "dislike"]))
    assert result.isna().all()


def test_labels_in_both_languages_and_variants():
    values = pd.Series(
        [
            "我很喜欢",
            "理应如此",
            "无所谓",
            "能忍受",
            "我很不喜欢",
            "I like it",
            "Must be",
            " I can tolerate it ",
            "3",
            "5.0",
            "不知道",
            None,
            "love it",
        ]
    )
    answers, bad = kano_answers.parse_kano_answers(values)
    assert answers.iloc[:10].tolist() == [*kano_answers.ANSWERS, "like", "must-be", "live-with", "neutral", "dislike"]
    assert answers.iloc[10:12].isna().all() and not bad.iloc[10:12].any()
    assert bad.tolist() == [False] * 12 + [True]


def test_custom_labels():
    answers, bad = kano_answers.parse_kano_answers(
        pd.Series(["sehr gut", "egal"]), labels={"like": ["sehr gut"], "neutral": ["egal"]}
    )
    assert answers.tolist() == ["like", "neutral"] and not bad.any()


def test_category_tie_rule():
    counts = {"M": 40, "O": 42, "A": 10, "I": 8}
    assert kano.category(counts) == "O"  # plain mode
    assert kano.category(counts, tie_threshold=0.05) == "M"  # 42% - 40% = 2 points <= 5: M > O
    assert kano.category({"A": 30, "I": 30, "O": 5}) == "A"  # exact tie: A before I


def test_continuous_kano_by_hand():
    # functional like/must-be/neutral -> 4, 2, 0: mean 2, sd 2
    # dysfunctional dislike/dislike/neutral -> 4, 4, 0: mean 2.667, sd sqrt(16/3) = 2.309
    pairs = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c"],
            "item": "X",
            "functional": ["like", "must-be", "neutral"],
            "dysfunctional": ["dislike", "dislike", "neutral"],
        }
    )
    row = kano.continuous_kano(pairs).iloc[0]
    assert row["functional_mean"] == pytest.approx(2.0)
    assert row["functional_sd"] == pytest.approx(2.0)
    assert row["dysfunctional_mean"] == pytest.approx(8 / 3)
    assert row["dysfunctional_sd"] == pytest.approx(2.3094, abs=1e-4)


def test_questionable_rates():
    frame = pd.DataFrame(
        {"respondent_id": ["a", "a", "b", "b"], "item": ["X", "Y", "X", "Y"], "kano_class": ["Q", "A", "M", "M"]}
    )
    by_respondent, by_item = kano.questionable_rates(frame)
    assert by_respondent.set_index("respondent_id")["rate"].to_dict() == {"a": 0.5, "b": 0.0}
    assert by_item.set_index("item")["rate"].to_dict() == {"X": 0.5, "Y": 0.0}


def test_category_mix_detects_segment_difference():
    frame = pd.concat([classified_from_counts({"M": 40, "A": 10}), classified_from_counts({"M": 10, "A": 40})], ignore_index=True)
    frame["respondent_id"] = [f"r{i}" for i in range(len(frame))]
    segments = pd.Series(["s1"] * 50 + ["s2"] * 50, index=frame["respondent_id"])
    shares, tests = kano.category_mix(frame, segments)
    assert shares.set_index("segment").loc["s1", "M"] == pytest.approx(0.8)
    # one need, 2 x 2 table [[40, 10], [10, 40]]: chi-square = 100 * (40*40 - 10*10)^2 / (50^4) = 36
    row = tests.set_index("item").iloc[0]
    assert row["respondents"] == 100 and row["dof"] == 1
    assert row["chi2"] == pytest.approx(36.0) and row["p_adjusted"] < 0.001


def test_category_mix_tests_each_need_on_respondents_not_pooled_pairs():
    """Two needs whose segment differences cancel when pooled: the per-need tests still see them."""
    x = pd.concat([classified_from_counts({"M": 40, "A": 10}), classified_from_counts({"M": 10, "A": 40})], ignore_index=True)
    y = pd.concat([classified_from_counts({"M": 10, "A": 40}), classified_from_counts({"M": 40, "A": 10})], ignore_index=True)
    ids = [f"r{i}" for i in range(100)]
    frame = pd.concat([x.assign(item="X", respondent_id=ids), y.assign(item="Y", respondent_id=ids)], ignore_index=True)
    segments = pd.Series(["s1"] * 50 + ["s2"] * 50, index=ids)
    shares, tests = kano.category_mix(frame, segments)
    assert shares.set_index("segment")["M"].tolist() == pytest.approx([0.5, 0.5])  # pooled: no difference
    assert shares["pairs"].tolist() == [100, 100]
    assert (tests.set_index("item")["p_adjusted"] < 0.001).all()


@pytest.mark.parametrize(
    ("label", "answer"),
    [
        # Kano's original wording (Berger et al. 1993; Matzler & Hinterhuber 1998)
        ("I like it that way", "like"),
        ("It must be that way", "must-be"),
        ("I am neutral", "neutral"),
        ("I can live with it that way", "live-with"),
        ("I dislike it that way", "dislike"),
        # UX-guide wording, short forms and Löfgren & Witell (2008)
        ("I like it", "like"),
        ("I expect it", "must-be"),
        ("Expect", "must-be"),
        ("I can tolerate it", "live-with"),
        ("Tolerate", "live-with"),
        ("I dislike it", "dislike"),
        ("Live with", "live-with"),
        ("Must-be", "must-be"),
        ("I am expecting it to be that way", "must-be"),
        ("I can accept it to be that way", "live-with"),
        ("This would be a minor inconvenience", "live-with"),
        ("I don't care", "neutral"),
        # Chinese questionnaires
        ("我喜欢", "like"),
        ("理所当然", "must-be"),
        ("必须这样", "must-be"),
        ("无所谓", "neutral"),
        ("可以忍受", "live-with"),
        ("不喜欢", "dislike"),
        # spelling noise of real exports: case, blanks, curly apostrophe, final full stop
        ("  i LIKE it   that way. ", "like"),
        ("I\u2019m neutral", "neutral"),
        ("I don\u2019t like it", "dislike"),
        ("可以忍受。", "live-with"),
        ("\u3000无所谓", "neutral"),
    ],
)
def test_label_variants_of_public_surveys(label, answer):
    answers, bad = kano_answers.parse_kano_answers(pd.Series([label]))
    assert answers.tolist() == [answer] and not bad.any()


def test_packaged_labels_name_each_wording_once():
    seen = {}
    for answer, labels in kano_answers.default_labels().items():
        for label in labels:
            key = kano_answers._normalise_label(label)
            assert seen.setdefault(key, answer) == answer, f"{label!r} is both {seen[key]} and {answer}"


def test_custom_labels_can_recode_the_numbers():
    # default: 1 like .. 5 dislike; a file coded 5 = like passes its own mapping
    assert kano_answers.parse_kano_answers(pd.Series(["1", "5"]))[0].tolist() == ["like", "dislike"]
    reverse = {"like": ["5"], "must-be": ["4"], "neutral": ["3"], "live-with": ["2"], "dislike": ["1"]}
    assert kano_answers.parse_kano_answers(pd.Series(["1", "5.0", "5"]), labels=reverse)[0].tolist() == [
        "dislike",
        "like",
        "like",
    ]
