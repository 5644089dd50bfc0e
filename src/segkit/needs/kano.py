"""Kano classification: answer pairs → A / O / M / I / R / Q, categories, coefficients, Fong's test.

Each need is asked twice: how the customer feels if it is present (functional) and if it is
absent (dysfunctional), on five answers (like, must-be, neutral, live-with, dislike). The pair
is looked up in an evaluation table; a need's category is the mode over respondents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.frames import accepts_frames
from segkit.survey.kano_answers import ANSWERS

#: Kano classes: Attractive, One-dimensional, Must-be, Indifferent, Reverse, Questionable.
CLASSES = ("A", "O", "M", "I", "R", "Q")
#: Tie-break order when the two most frequent classes are close (Berger et al. 1993).
TIE_ORDER = ("M", "O", "A", "I", "R", "Q")
#: Kano class → the seeds' need classes.
SEED_CLASS = {"M": "basic", "O": "performance", "A": "value-added", "I": "indifferent", "R": "reverse", "Q": "questionable"}

_CLASSIC_ROWS = ("QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ")
#: Classic evaluation table (Kano et al. 1984; Berger et al. 1993): functional row × dysfunctional column.
#: Checked cell by cell against published reproductions; the sources are cited in tests/test_kano.py.
CLASSIC_TABLE = pd.DataFrame([list(r) for r in _CLASSIC_ROWS], index=list(ANSWERS), columns=list(ANSWERS))
_POULIOT_ROWS = ("QAAAO", "RQIIM", "RIIIM", "RIIQM", "RRRRQ")
#: Pouliot's variant as described in Berger et al. (1993, CQM Journal 2(4)), written from
#: memory; no published copy could be found to check it against (the classic table could), so
#: prefer "classic" for reported results. As implemented: a respondent who answers "must-be" to both
#: questions, or "live-with" to both, contradicts themselves and is questionable (Q) instead of
#: indifferent; every other cell equals the classic table. Pass your own `table` if your
#: source differs.
POULIOT_TABLE = pd.DataFrame([list(r) for r in _POULIOT_ROWS], index=list(ANSWERS), columns=list(ANSWERS))
TABLES = {"classic": CLASSIC_TABLE, "pouliot": POULIOT_TABLE}

#: Continuous Kano scores (Berger et al. 1993, DuMouchel): functional and dysfunctional answers.
FUNCTIONAL_SCORE = {"like": 4.0, "must-be": 2.0, "neutral": 0.0, "live-with": -1.0, "dislike": -2.0}
DYSFUNCTIONAL_SCORE = {"like": -2.0, "must-be": -1.0, "neutral": 0.0, "live-with": 2.0, "dislike": 4.0}


@accepts_frames("functional", "dysfunctional", "table")
def classify(functional: pd.Series, dysfunctional: pd.Series, *, table: str | pd.DataFrame = "classic") -> pd.Series:
    """Kano class of each answer pair by the evaluation `table` ("classic", "pouliot" or a 5×5
    DataFrame indexed by `ANSWERS`); pairs with a missing answer give NA."""
    grid = TABLES[table] if isinstance(table, str) else table
    lookup = grid.stack()
    keys = pd.MultiIndex.from_arrays([functional.to_numpy(), dysfunctional.to_numpy()])
    result = lookup.reindex(keys).to_numpy()
    return pd.Series(result, index=functional.index, dtype="str")


def cs_coefficients(counts: Mapping[str, float]) -> tuple[float, float]:
    """Better = (A + O) / (A + O + M + I) and Worse = −(O + M) / (A + O + M + I) (Berger et al. 1993).

    Reverse and questionable answers are left out of the denominator: they say nothing about
    how presence or absence moves satisfaction.
    """
    a, o, m, i = (float(counts.get(k, 0)) for k in ("A", "O", "M", "I"))
    total = a + o + m + i
    if total == 0:
        return float("nan"), float("nan")
    return (a + o) / total, -(o + m) / total


@dataclass(frozen=True)
class FongTest:
    """Fong (1996): is the most frequent class significantly ahead of the second?"""

    a: int
    b: int
    n: int
    difference: int
    critical: float
    significant: bool


def fong_test(a: int, b: int, n: int, *, z: float = 1.65) -> FongTest:
    """Significant when ``|a − b| ≥ z·√((a + b)(2n − a − b) / (2n))``; a, b the two largest
    class counts, n all answers of the item (Fong 1996, z = 1.65 for α = 0.10)."""
    critical = z * float(np.sqrt((a + b) * (2 * n - a - b) / (2 * n))) if n else float("nan")
    difference = abs(a - b)
    return FongTest(a=a, b=b, n=n, difference=difference, critical=critical, significant=bool(difference >= critical))


@accepts_frames("kano", "table")
def classify_survey(kano: pd.DataFrame, *, table: str | pd.DataFrame = "classic") -> pd.DataFrame:
    """Add a ``kano_class`` column to long Kano answers (respondent_id, item, functional, dysfunctional)."""
    return kano.assign(kano_class=classify(kano["functional"], kano["dysfunctional"], table=table))


@accepts_frames("classified")
def kano_counts(classified: pd.DataFrame, *, item_col: str = "item", class_col: str = "kano_class") -> pd.DataFrame:
    """Counts of each class per item (columns A O M I R Q), answered pairs only."""
    answered = classified.dropna(subset=[class_col])
    counts = pd.crosstab(answered[item_col], answered[class_col])
    return counts.reindex(columns=list(CLASSES), fill_value=0).rename_axis(index="item", columns=None)


def category(counts: Mapping[str, int], *, tie_threshold: float = 0.0) -> str:
    """The modal class; when the top two shares are within `tie_threshold` (share of answers,
    e.g. 0.05 = 5 points), the one first in M > O > A > I is taken, because failing a must-be
    costs more than missing a delighter (Berger et al. 1993)."""
    total = sum(counts.get(c, 0) for c in CLASSES)
    if total == 0:
        return "I"
    ranked = sorted(CLASSES, key=lambda c: (-counts.get(c, 0), TIE_ORDER.index(c)))
    top, second = ranked[0], ranked[1]
    if (counts.get(top, 0) - counts.get(second, 0)) / total <= tie_threshold:
        return min(top, second, key=TIE_ORDER.index)
    return top


def _bootstrap_cs(classes_by_item: dict[str, np.ndarray], *, n_boot: int, seed: int, level: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for item, classes in classes_by_item.items():
        if len(classes) == 0:
            rows.append({"item": item, "better_low": np.nan, "better_high": np.nan, "worse_low": np.nan, "worse_high": np.nan})
            continue
        draws = rng.integers(0, len(classes), size=(n_boot, len(classes)))
        sample = classes[draws]
        a, o, m, i = ((sample == c).sum(axis=1) for c in ("A", "O", "M", "I"))
        total = np.where(a + o + m + i == 0, np.nan, a + o + m + i)
        better, worse = (a + o) / total, -(o + m) / total
        q = [(1 - level) / 2, 1 - (1 - level) / 2]
        (bl, bh), (wl, wh) = np.nanquantile(better, q), np.nanquantile(worse, q)
        rows.append({"item": item, "better_low": bl, "better_high": bh, "worse_low": wl, "worse_high": wh})
    return pd.DataFrame(rows)


@accepts_frames("classified")
def kano_table(
    classified: pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    tie_threshold: float = 0.0,
    n_boot: int = 500,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per need: n, class counts and shares, category, category strength (% top − %
    second), total strength (%A + %O + %M), Fong's test, Better/Worse with bootstrap CIs, and
    the seeds' class. `classified` comes from `classify_survey`; ``n_boot=0`` skips the CIs."""
    counts = kano_counts(classified)
    if items is not None:
        counts = counts.reindex(list(items), fill_value=0)
    rows = []
    for item, row in counts.iterrows():
        n = int(row.sum())
        ranked = row.sort_values(ascending=False, kind="stable")
        a, b = int(ranked.iloc[0]), int(ranked.iloc[1])
        fong = fong_test(a, b, n)
        better, worse = cs_coefficients(row)
        cat = category(row, tie_threshold=tie_threshold)
        shares = row / n if n else row * np.nan
        rows.append(
            {
                "item": item,
                "n": n,
                **{c: int(row[c]) for c in CLASSES},
                "category": cat,
                "seed_class": SEED_CLASS[cat],
                "category_strength": (a - b) / n if n else np.nan,
                "total_strength": float(shares[["A", "O", "M"]].sum()) if n else np.nan,
                "fong_difference": fong.difference,
                "fong_critical": fong.critical,
                "fong_significant": fong.significant,
                "better": better,
                "worse": worse,
            }
        )
    table = pd.DataFrame(rows)
    if n_boot == 0 or table.empty:
        return table
    answered = classified.dropna(subset=["kano_class"])
    by_item = {item: answered.loc[answered["item"] == item, "kano_class"].to_numpy(dtype=object) for item in table["item"]}
    ci = _bootstrap_cs(by_item, n_boot=n_boot, seed=seed, level=level)
    return table.merge(ci, on="item", how="left")


@accepts_frames("kano")
def continuous_kano(kano: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD of the continuous functional (4, 2, 0, −1, −2) and dysfunctional (−2, −1, 0,
    2, 4) scores per item (Berger et al. 1993): a position on the Kano plane rather than a class."""
    scored = kano.assign(
        functional_score=kano["functional"].map(FUNCTIONAL_SCORE).astype("float64"),
        dysfunctional_score=kano["dysfunctional"].map(DYSFUNCTIONAL_SCORE).astype("float64"),
    )
    grouped = scored.groupby("item", sort=False)
    return pd.DataFrame(
        {
            "n": grouped["functional_score"].count(),
            "functional_mean": grouped["functional_score"].mean(),
            "functional_sd": grouped["functional_score"].std(),
            "dysfunctional_mean": grouped["dysfunctional_score"].mean(),
            "dysfunctional_sd": grouped["dysfunctional_score"].std(),
        }
    ).reset_index()


@accepts_frames("classified")
def questionable_rates(classified: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of Q answers per respondent and per item, ``(by_respondent, by_item)``: a
    respondent with many contradictions probably misread the questionnaire."""
    answered = classified.dropna(subset=["kano_class"]).assign(q=lambda f: f["kano_class"] == "Q")

    def rate(key: str) -> pd.DataFrame:
        grouped = answered.groupby(key)["q"]
        return pd.DataFrame({"n": grouped.size(), "questionable": grouped.sum(), "rate": grouped.mean()}).reset_index()

    return rate("respondent_id"), rate("item")


@accepts_frames("classified", "segments")
def category_mix(classified: pd.DataFrame, segments: pd.Series, *, correction: str = "holm") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kano class mix per segment, and per need a test of whether segments class it differently.

    `segments` maps respondent_id → segment. The mix pools every answer pair of a segment
    (``pairs`` = respondents × needs). The tests are per need: there each respondent counts once,
    so the chi-square of segment × class has independent observations, which a test on the
    pooled pairs would not. Returns ``(shares, tests)``; `tests` has item, respondents, chi2,
    dof, p and p_adjusted (`correction` over the needs: "holm" or "bh").
    """
    from scipy.stats import chi2_contingency

    from segkit.core.stats import adjust_pvalues

    joined = classified.dropna(subset=["kano_class"]).assign(segment=lambda f: f["respondent_id"].map(segments))
    joined = joined.dropna(subset=["segment"])
    table = pd.crosstab(joined["segment"], joined["kano_class"])
    table = table.loc[:, table.sum() > 0]
    shares = table.div(table.sum(axis=1), axis=0).reindex(columns=[c for c in CLASSES if c in table.columns])
    rows = []
    for item, answers in joined.groupby("item", sort=False):
        counts = pd.crosstab(answers["segment"], answers["kano_class"])
        counts = counts.loc[counts.sum(axis=1) > 0, counts.sum() > 0]
        chi2, dof, p = float("nan"), 0, float("nan")
        if min(counts.shape) > 1:
            result = chi2_contingency(counts.to_numpy(), correction=False)
            chi2, dof, p = float(result.statistic), int(result.dof), float(result.pvalue)
        rows.append({"item": item, "respondents": int(counts.to_numpy().sum()), "chi2": chi2, "dof": dof, "p": p})
    tests = pd.DataFrame(rows, columns=["item", "respondents", "chi2", "dof", "p"])
    tests = tests.assign(p_adjusted=adjust_pvalues(tests["p"].to_numpy(), method=correction))
    return shares.assign(pairs=table.sum(axis=1)).reset_index(), tests
