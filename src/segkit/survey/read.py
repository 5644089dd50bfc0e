"""Survey intake: the need catalogue, Likert answers in Chinese or English, Kano answer pairs.

A survey arrives wide (a row per respondent, a column per item and measure) or long (a row per
answer). Either way it is turned into one tidy `Survey`: numeric ratings, canonical Kano answers
and one row of respondent facts. Every answer that is neither on the scale, nor a known label,
nor a "don't know" is reported with item, respondent and value — none is silently dropped,
because a dropped answer changes a base size the reviewer relies on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.intake import files as io
from segkit.survey.catalogue import KANO_MEASURES, RATING_MEASURES, NeedCatalogue
from segkit.survey.kano_answers import ANSWERS, default_labels, parse_kano_answers
from segkit.survey.likert import BadAnswer, LikertScale, _report_bad, parse_likert

#: Rating measures a survey may carry per need item.


@dataclass(frozen=True)
class Survey:
    """A read survey in tidy form.

    ratings:     respondent_id, item, measure (importance|urgency|satisfaction), value (float, NaN = no answer)
    kano:        respondent_id, item, functional, dysfunctional (canonical answers, NA = no answer)
    respondents: respondent_id, customer_id, overall_satisfaction, nps and any other respondent columns
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
    if not found:
        example = column_pattern.format(item=items[0], measure=measure_names.get("importance", "importance"))
        raise InputError(
            f"{source}: no survey answer columns found; expected columns like {example!r} "
            "(set column_pattern, or name each item's columns in the need catalogue)"
        )
    return found


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
    text; `column` and the 1-based data `row` say where each answer is, for error messages)."""
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
    """
    scale = scale or LikertScale.default()
    unknown_items = sorted(set(answers["item"]) - set(catalogue.ids))
    if unknown_items:
        raise InputError(f"{source}: items not in the need catalogue: {', '.join(unknown_items[:10])}")
    unknown_measures = sorted(set(answers["measure"]) - set(RATING_MEASURES) - set(KANO_MEASURES))
    if unknown_measures:
        raise InputError(
            f"{source}: unknown measures {', '.join(unknown_measures)}; use "
            f"{', '.join((*RATING_MEASURES, *KANO_MEASURES))}"
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
            for i, m, r, v, c, n in zip(rows["item"], rows["measure"], rows["respondent_id"], rows["answer"],
                                        rows["column"], rows["row"])
        ]

    rating_parts = []
    for (item, measure), part in answers[answers["measure"].isin(RATING_MEASURES)].groupby(
        ["item", "measure"], sort=False
    ):
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


def _score_column(frame: pd.DataFrame, column: str, *, low: float, high: float, source: str) -> pd.Series:
    """A respondent-level numeric score (overall satisfaction, NPS); off-range values are reported."""
    raw = frame[column]
    text = raw.astype("str").str.strip().str.lower().where(raw.notna(), "")
    values = pd.to_numeric(text, errors="coerce")
    missing = text.isin(LikertScale.default().missing)
    wrong = (values.isna() & ~missing) | (values < low) | (values > high)
    if wrong.any():
        rows = np.flatnonzero(wrong.to_numpy())
        from segkit.core.errors import sample_offenders

        raise InputError(
            f"{source}: column {column!r}: {int(wrong.sum())} of {len(frame)} values are not numbers "
            f"from {low:g} to {high:g} ({sample_offenders((rows + 1).tolist(), raw.iloc[rows].tolist())})"
        )
    return values.astype("float64")


def read_survey(
    path: str | Path,
    *,
    catalogue: NeedCatalogue,
    layout: str = "wide",
    column_pattern: str = "{item}_{measure}",
    respondent_col: str = "respondent_id",
    customer_col: str = "customer_id",
    overall_col: str | None = "overall_satisfaction",
    overall_range: tuple[float, float] = (1, 5),
    nps_col: str | None = "nps",
    scale: LikertScale | None = None,
    kano_labels: Mapping[str, Sequence[str]] | None = None,
    reverse: Iterable[tuple[str, str]] = (),
) -> Survey:
    """Read a survey file (CSV in any encoding `segkit.intake` detects, also ``.csv.gz``, or an
    ``.xlsx`` sheet): ``layout="wide"``: a row per respondent, answer columns named by
    `column_pattern` or by the need catalogue (`answer_columns`); ``layout="long"``: columns
    respondent_id, item, measure, answer.

    For a long file, respondent facts (customer id, overall satisfaction, NPS) come from rows
    whose item is empty and whose measure names the column. Overall satisfaction is read on
    `overall_range`, NPS on 0..10; a respondent without a customer id is kept (unlinked). A wide
    file without the respondent column (a public survey export, where a row is a respondent)
    numbers the respondents by data row: ``1``, ``2``, ...
    """
    path = Path(path)
    frame = _as_text(io.load_table(path))
    respondent_col = catalogue.respondent_column or respondent_col
    if respondent_col not in frame.columns:
        if layout == "long" or catalogue.respondent_column:
            raise InputError(
                f"{path.name}: no respondent column {respondent_col!r} (columns: {', '.join(map(str, frame.columns[:8]))})"
            )
        frame = frame.assign(**{respondent_col: [str(i) for i in range(1, len(frame) + 1)]})
    if layout == "long":
        needed = {"item", "measure", "answer"} - set(frame.columns)
        if needed:
            raise InputError(f"{path.name}: a long survey needs columns {', '.join(sorted(needed))}")
        frame = frame.assign(column="answer", row=np.arange(1, len(frame) + 1))
        facts = frame[frame["item"].isna()]
        respondents = facts.pivot_table(index=respondent_col, columns="measure", values="answer", aggfunc="first")
        respondents = respondents.reset_index().rename_axis(columns=None)
        answers = frame[frame["item"].notna()].rename(columns={respondent_col: "respondent_id"})
    elif layout == "wide":
        answers = wide_to_long(
            frame, items=catalogue.ids, column_pattern=column_pattern, respondent_col=respondent_col,
            columns=catalogue.columns, measure_names=catalogue.measure_names, source=path.name,
        )
        used = set(answers["column"].unique())
        respondents = frame[[c for c in frame.columns if c not in used]]
    else:
        raise InputError(f"{path.name}: layout must be 'wide' or 'long', not {layout!r}")
    respondents = respondents.rename(columns={respondent_col: "respondent_id", customer_col: "customer_id"})
    repeated = respondents["respondent_id"][respondents["respondent_id"].duplicated()]
    if len(repeated):
        raise InputError(f"{path.name}: respondent ids are repeated: {', '.join(repeated.head(5))}")
    if "customer_id" not in respondents.columns:
        respondents = respondents.assign(customer_id=pd.Series(pd.NA, index=respondents.index, dtype="str"))
    scores = {}
    if overall_col and overall_col in respondents.columns:
        scores["overall_satisfaction"] = _score_column(
            respondents, overall_col, low=overall_range[0], high=overall_range[1], source=path.name
        )
    if nps_col and nps_col in respondents.columns:
        scores["nps"] = _score_column(respondents, nps_col, low=0, high=10, source=path.name)
    respondents = respondents.drop(columns=[c for c in (overall_col, nps_col) if c in respondents.columns]).assign(
        **scores
    )
    return survey_from_long(
        answers,
        respondents,
        catalogue=catalogue,
        scale=scale,
        kano_labels=kano_labels,
        reverse=reverse,
        source=path.name,
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as stripped text, empty → NA; Excel numbers as written (``3``, not ``3.0``)."""
    out = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
            text = values.str.strip()
        else:
            text = values.map(_cell_text, na_action="ignore").astype("str")
        out[str(name)] = text.mask(text == "")
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def base_sizes(survey: Survey) -> pd.DataFrame:
    """Answers per item and measure (the base behind every mean), including Kano pairs."""
    rated = survey.ratings.dropna(subset=["value"]).groupby(["item", "measure"]).size().unstack(fill_value=0)
    kano_n = survey.kano.dropna(subset=["functional", "dysfunctional"]).groupby("item").size().rename("kano")
    table = rated.join(kano_n, how="outer").reindex(survey.catalogue.ids).fillna(0).astype("int64")
    return table.reset_index().rename(columns={"index": "item"})
