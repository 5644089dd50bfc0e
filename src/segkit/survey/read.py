"""Survey intake: the need catalogue, Likert answers in Chinese or English, Kano answer pairs.

A survey arrives wide (a row per respondent, a column per item and measure) or long (a row per
answer). Either way it is turned into one tidy `Survey`: numeric ratings, canonical Kano answers
and one row of respondent facts. Every answer that is neither on the scale, nor a known label,
nor a "don't know" is reported with item, respondent and value — none is silently dropped,
because a dropped answer changes a base size the reviewer relies on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.survey.catalogue import KANO_MEASURES, RATING_MEASURES, NeedCatalogue
from segkit.survey.kano_answers import ANSWERS, default_labels, parse_kano_answers
from segkit.survey.likert import BadAnswer, LikertScale, _report_bad, parse_likert

#: Rating measures a survey may carry per need item.


@dataclass(frozen=True)
class Survey:
    """A read survey in tidy form.

    Attributes
    ----------
    ratings : pandas.DataFrame
        respondent_id, item, measure (importance|urgency|satisfaction), value (float, NaN = no answer)
    kano : pandas.DataFrame
        respondent_id, item, functional, dysfunctional (canonical answers, NA = no answer)
    respondents : pandas.DataFrame
        respondent_id, customer_id, overall_satisfaction, nps and any other respondent columns
    catalogue : NeedCatalogue
        The need catalogue the answers were read with.
    scale : LikertScale
        The rating scale the answers were read on.
    source : str
        Name of the survey file.
    """

    ratings: pd.DataFrame
    kano: pd.DataFrame
    respondents: pd.DataFrame
    catalogue: NeedCatalogue
    scale: LikertScale
    source: str = ""

    @property
    def n(self) -> int:
        return len(self.respondents)

    def measures(self) -> list[str]:
        """Rating measures that have at least one answer."""
        answered = self.ratings.dropna(subset=["value"])
        return [m for m in RATING_MEASURES if (answered["measure"] == m).any()]

    def wide(self, measure: str) -> pd.DataFrame:
        """Respondent × item table of one rating measure (respondents without answers kept)."""
        part = self.ratings[self.ratings["measure"] == measure]
        table = part.pivot_table(index="respondent_id", columns="item", values="value", aggfunc="first", dropna=False)
        return table.reindex(index=self.respondents["respondent_id"], columns=self.catalogue.ids)

    def subset(self, respondent_ids: Iterable[str]) -> Survey:
        """The same survey restricted to some respondents (for segments and bootstraps)."""
        keep = set(respondent_ids)
        return Survey(
            ratings=self.ratings[self.ratings["respondent_id"].isin(keep)].reset_index(drop=True),
            kano=self.kano[self.kano["respondent_id"].isin(keep)].reset_index(drop=True),
            respondents=self.respondents[self.respondents["respondent_id"].isin(keep)].reset_index(drop=True),
            catalogue=self.catalogue,
            scale=self.scale,
            source=self.source,
        )


@accepts_frames("frame")
def answer_columns(
    frame: pd.DataFrame,
    *,
    items: Sequence[str],
    column_pattern: str = "{item}_{measure}",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    measure_names: Mapping[str, str] | None = None,
    source: str = "survey",
) -> dict[tuple[str, str], str]:
    """``{(item, measure): column}`` of a wide survey: the item's named `columns` when given
    (each must exist), else `column_pattern` with ``{measure}`` replaced by `measure_names` (or the
    measure itself); pattern columns that are absent are skipped (not every item has every measure).

    Parameters
    ----------
    frame : pandas.DataFrame
        The wide survey, a row per respondent.
    items : sequence of str
        The need item ids.
    column_pattern : str, default "{item}_{measure}"
        Answer column name with ``{item}`` and ``{measure}`` placeholders.
    columns : mapping of str to mapping of str to str, optional
        Item → measure → column (the need catalogue's ``columns``).
    measure_names : mapping of str to str, optional
        Measure → the word put for ``{measure}``.
    source : str, default "survey"
        Name of the file in error messages.

    Returns
    -------
    dict of (str, str) to str
        ``{(item, measure): column}`` of every answer column found.

    Raises
    ------
    InputError
        When a column named in `columns` is not in `frame`, or no answer column is found.
    """
    columns, measure_names = columns or {}, measure_names or {}
    found: dict[tuple[str, str], str] = {}
    missing = []
    for item in items:
        named = columns.get(item)
        for measure in (*RATING_MEASURES, *KANO_MEASURES):
            if named is not None:
                if measure not in named:
                    continue
                column = named[measure]
                if column not in frame.columns:
                    missing.append(f"item {item} {measure}: {column!r}")
                    continue
            else:
                column = column_pattern.format(item=item, measure=measure_names.get(measure, measure))
                if column not in frame.columns:
                    continue
            found[(item, measure)] = column
    if missing:
        raise InputError(
            f"{source}: columns named in the need catalogue are not in the file ({'; '.join(missing[:5])}); "
            f"the file has {', '.join(map(repr, list(frame.columns)[:12]))}"
        )
    _check_measure_words(frame, [i for i in items if i not in columns], column_pattern, measure_names, found, source)
    if not found:
        example = column_pattern.format(item=items[0], measure=measure_names.get("importance", "importance"))
        raise InputError(
            f"{source}: no survey answer columns found; expected columns like {example!r} "
            "(set column_pattern, or name each item's columns in the need catalogue)"
        )
    return found


def _check_measure_words(
    frame: pd.DataFrame,
    items: Sequence[str],
    column_pattern: str,
    measure_names: Mapping[str, str],
    found: Mapping[tuple[str, str], str],
    source: str,
) -> None:
    """Refuse columns shaped like `column_pattern` for a catalogue item whose measure word segkit does
    not know (``N01_imp``), when no answer column was found or the word looks like a measure not found:
    read as respondent columns, those answers would be silently "not given"."""
    if "{measure}" not in column_pattern or not items:
        return
    words = {measure_names.get(m, m): m for m in (*RATING_MEASURES, *KANO_MEASURES)}
    alternatives = "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))
    parts = re.split(r"(\{item\}|\{measure\})", column_pattern)
    shape = re.compile(
        "".join(
            f"(?:{alternatives})" if p == "{item}" else "(?P<measure>.+)" if p == "{measure}" else re.escape(p) for p in parts
        )
    )
    matches = [(c, m["measure"]) for c in map(str, frame.columns) if (m := shape.fullmatch(c)) and m["measure"] not in words]
    unknown = sorted({word for _, word in matches})
    if not unknown:
        return
    missing = [w for w, m in words.items() if m not in {measure for _, measure in found}]
    like = [u for u in unknown if any(w.lower().startswith(u.lower()) for w in missing if len(u) >= 2)]
    if found and not like:
        return
    raise InputError(
        f"{source}: survey columns look like {column_pattern!r} but their measure part is not one segkit reads: "
        f"found {', '.join(map(repr, unknown))} (e.g. {matches[0][0]!r}); expected {', '.join(map(repr, words))}. "
        "Rename the columns, map the words in the need catalogue (measure_names: {importance: imp}), "
        "or set the survey input's column_pattern"
    )


@accepts_frames("frame")
def wide_to_long(
    frame: pd.DataFrame,
    *,
    items: Sequence[str],
    column_pattern: str = "{item}_{measure}",
    respondent_col: str = "respondent_id",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    measure_names: Mapping[str, str] | None = None,
    source: str = "survey",
) -> pd.DataFrame:
    """Melt a wide survey to ``respondent_id, item, measure, answer, column, row`` (answers kept as
    text; `column` and the 1-based data `row` say where each answer is, for error messages).

    Parameters
    ----------
    frame, items, column_pattern, columns, measure_names, source
        As in `answer_columns`.
    respondent_col : str, default "respondent_id"
        Column of respondent ids in `frame`.

    Returns
    -------
    pandas.DataFrame
        One row per answer cell: respondent_id, item, measure, answer, column, row.

    Raises
    ------
    InputError
        As `answer_columns`.
    """
    found = answer_columns(
        frame, items=items, column_pattern=column_pattern, columns=columns, measure_names=measure_names, source=source
    )
    rows = np.arange(1, len(frame) + 1)
    pieces = [
        pd.DataFrame(
            {
                "respondent_id": frame[respondent_col].astype("str").to_numpy(),
                "item": item,
                "measure": measure,
                "answer": frame[column].astype("str").where(frame[column].notna()).to_numpy(),
                "column": column,
                "row": rows,
            }
        )
        for (item, measure), column in found.items()
    ]
    return pd.concat(pieces, ignore_index=True)


@accepts_frames("answers", "respondents")
def survey_from_long(
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    catalogue: NeedCatalogue,
    scale: LikertScale | None = None,
    kano_labels: Mapping[str, Sequence[str]] | None = None,
    reverse: Iterable[tuple[str, str]] = (),
    source: str = "survey",
) -> Survey:
    """Build a `Survey` from long answers (respondent_id, item, measure, answer).

    `reverse` lists ``(item, measure)`` pairs that were asked in reverse. Unknown items or
    measures and every unreadable answer raise one `InputError` naming them.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer: respondent_id, item, measure, answer (text), optionally column and row.
    respondents : pandas.DataFrame
        One row per respondent (respondent_id, customer_id, ...), kept as it is.
    catalogue : NeedCatalogue
        The need items; its ``kano_labels`` extend the packaged Kano labels.
    scale : LikertScale, optional
        The rating scale; default `LikertScale.default`.
    kano_labels : mapping of str to sequence of str, optional
        Canonical Kano answer → labels, replacing the packaged and catalogue labels.
    reverse : iterable of (str, str)
        The reverse-coded ``(item, measure)`` pairs.
    source : str, default "survey"
        Name of the file in error messages.

    Returns
    -------
    Survey
        The ratings, Kano pairs and respondents.

    Raises
    ------
    InputError
        When an item or a measure is unknown, or answers cannot be read.
    """
    scale = scale or LikertScale.default()
    unknown_items = sorted(set(answers["item"]) - set(catalogue.ids))
    if unknown_items:
        raise InputError(f"{source}: items not in the need catalogue: {', '.join(unknown_items[:10])}")
    unknown_measures = sorted(set(answers["measure"]) - set(RATING_MEASURES) - set(KANO_MEASURES))
    if unknown_measures:
        raise InputError(
            f"{source}: unknown measures {', '.join(unknown_measures)}; use {', '.join((*RATING_MEASURES, *KANO_MEASURES))}"
        )
    reverse_set = set(reverse)
    if "column" not in answers.columns:
        answers = answers.assign(column=None)
    if "row" not in answers.columns:
        answers = answers.assign(row=None)
    if kano_labels is None and catalogue.kano_labels:
        kano_labels = {a: [*default_labels()[a], *catalogue.kano_labels.get(a, [])] for a in ANSWERS}
    bad: list[BadAnswer] = []

    def where(part: pd.DataFrame, wrong: pd.Series) -> list[BadAnswer]:
        rows = part[wrong]
        return [
            BadAnswer(i, m, r, v, column=c if isinstance(c, str) else None, row=int(n) if pd.notna(n) else None)
            for i, m, r, v, c, n in zip(
                rows["item"], rows["measure"], rows["respondent_id"], rows["answer"], rows["column"], rows["row"]
            )
        ]

    rating_parts = []
    for (item, measure), part in answers[answers["measure"].isin(RATING_MEASURES)].groupby(["item", "measure"], sort=False):
        points, wrong = parse_likert(part["answer"], scale=scale, measure=measure, reverse=(item, measure) in reverse_set)
        bad += where(part, wrong)
        rating_parts.append(part[["respondent_id", "item", "measure"]].assign(value=points))
    ratings = (
        pd.concat(rating_parts, ignore_index=True)
        if rating_parts
        else pd.DataFrame({"respondent_id": [], "item": [], "measure": [], "value": []}).astype(
            {"respondent_id": "str", "item": "str", "measure": "str", "value": "float64"}
        )
    )
    kano_parts = {}
    for measure in KANO_MEASURES:
        part = answers[answers["measure"] == measure]
        canonical, wrong = parse_kano_answers(part["answer"], labels=kano_labels)
        bad += where(part, wrong)
        kano_parts[measure] = part[["respondent_id", "item"]].assign(**{measure: canonical})
    bad.sort(key=lambda b: (b.row is None, b.row or 0))
    _report_bad(bad, int(answers["answer"].notna().sum()), source)
    kano = kano_parts["functional"].merge(kano_parts["dysfunctional"], on=["respondent_id", "item"], how="outer")
    return Survey(
        ratings=ratings,
        kano=kano.reset_index(drop=True),
        respondents=respondents.reset_index(drop=True),
        catalogue=catalogue,
        scale=scale,
        source=source,
    )


def base_sizes(survey: Survey) -> pd.DataFrame:
    """Answers per item and measure (the base behind every mean), including Kano pairs.

    Parameters
    ----------
    survey : Survey
        A read survey.

    Returns
    -------
    pandas.DataFrame
        item, a count column per answered rating measure, and ``kano`` (complete pairs).
    """
    rated = survey.ratings.dropna(subset=["value"]).groupby(["item", "measure"]).size().unstack(fill_value=0)
    kano_n = survey.kano.dropna(subset=["functional", "dysfunctional"]).groupby("item").size().rename("kano")
    table = rated.join(kano_n, how="outer").reindex(survey.catalogue.ids).fillna(0).astype("int64")
    return table.reset_index().rename(columns={"index": "item"})
