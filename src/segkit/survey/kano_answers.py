"""Kano answer labels (Kano's wording and common variants, English and Chinese) to answer keys."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
import yaml

from segkit import catalogues

#: Canonical Kano answers, in questionnaire order.
ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")

from segkit.core.frames import accepts_frames


def default_labels() -> dict[str, list[str]]:
    """The packaged answer labels (English, Chinese and common variants) per canonical answer.

    Returns
    -------
    dict of str to list of str
        Canonical answer (in `ANSWERS` order) → its labels, from ``kano_answers.yaml``.
    """
    tree = yaml.safe_load(catalogues.path("kano_answers.yaml").read_text(encoding="utf-8"))
    return {answer: [str(v) for v in tree[answer]] for answer in ANSWERS}


@accepts_frames("values")
def parse_kano_answers(values: pd.Series, *, labels: Mapping[str, Sequence[str]] | None = None) -> tuple[pd.Series, pd.Series]:
    """Canonical answers for `values`; return ``(answers, bad)``.

    Labels match ignoring case, surrounding blanks, repeated blanks, curly apostrophes and a
    final full stop ("I like it that way." = "i like it that way"). Numbers 1..5 follow `ANSWERS`
    order (1 like .. 5 dislike) unless `labels` maps them otherwise (a file coded 1 = dislike
    passes ``{"dislike": ["1"], ...}``). Blanks and "don't know" are missing (not bad); anything
    else is bad and must be reported by the caller.

    Parameters
    ----------
    values : pandas.Series
        Raw answers: labels or numbers 1..5.
    labels : mapping of str to sequence of str, optional
        Canonical answer → labels, replacing the packaged labels (`default_labels`).

    Returns
    -------
    answers : pandas.Series
        ``str`` canonical answers (`ANSWERS`), NA where the answer is missing or bad.
    bad : pandas.Series
        bool, True where the answer is neither a known label nor missing.
    """
    from segkit.survey.likert import LikertScale

    lookup = {str(i): a for i, a in enumerate(ANSWERS, start=1)}
    lookup |= {_normalise_label(v): answer for answer, vs in (labels or default_labels()).items() for v in vs}
    text = values.astype("str").where(values.notna(), "").map(_normalise_label)
    answers = text.map(lookup).astype("str")
    missing = text.isin(LikertScale.default().missing)
    bad = answers.isna() & ~missing
    return answers, bad


def _normalise_label(value) -> str:
    """``"  I’m  Neutral. "`` → ``"i'm neutral"``, ``"5.0"`` → ``"5"``: the form labels are compared in."""
    text = " ".join(str(value).replace("\u2019", "'").replace("\u2018", "'").split()).lower()
    if re.fullmatch(r"-?\d+\.0+", text):  # a number cell of a spreadsheet export
        return text.split(".")[0]
    return text.rstrip(".。!！")
