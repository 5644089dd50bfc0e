"""Complaints and feedback: keyword categories, counts per category and segment, need urgency.

Categories come from a keyword dictionary (Chinese and English). Keywords are matched as
case-insensitive *substrings*, so Chinese text needs no word segmentation ("配送" matches
"配送太慢了"); the price is that a short English keyword also matches inside longer words
("late" in "chocolate"), so English keywords should be specific. A complaint can fall in several
categories; one matching none is "other".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd

from segkit import catalogues
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.core.yaml_files import parse_yaml
from segkit.intake.yaml_files import read_yaml

OTHER = "other"


@dataclass(frozen=True)
class KeywordDictionary:
    """Complaint categories: labels, keywords, and the need items each category concerns."""

    categories: pd.DataFrame  # category, label_en, label_zh
    keywords: Mapping[str, Sequence[str]]
    needs: Mapping[str, Sequence[str]]

    def labels(self, language: str) -> dict[str, str]:
        column = "label_zh" if language == "zh" else "label_en"
        return dict(zip(self.categories["category"], self.categories[column]))


def load_dictionary(path: str | Path | None = None, *, encoding: str | None = None) -> KeywordDictionary:
    """Read a keyword dictionary (default: the packaged zh+en one): UTF-8, GB18030 (detected), or in `encoding`."""
    if path:
        source: Path | Traversable = Path(path)
        tree = read_yaml(Path(path), what="keyword dictionary", encoding=encoding) or {}
    else:  # packaged: UTF-8
        source = catalogues.path("complaint_keywords.yaml")
        tree = parse_yaml(source.read_text(encoding="utf-8"), source=source.name) or {}
    entries = tree.get("categories") or {}
    if not entries:
        raise InputError(f"{source.name}: the keyword dictionary has no 'categories'")
    rows, keywords, needs = [], {}, {}
    for name, entry in entries.items():
        if not entry.get("keywords"):
            raise InputError(f"{source.name}: category {name!r} has no keywords")
        rows.append({"category": str(name), "label_en": entry.get("label_en", name), "label_zh": entry.get("label_zh", name)})
        keywords[str(name)] = [str(k).lower() for k in entry["keywords"]]
        needs[str(name)] = [str(n) for n in entry.get("needs", [])]
    return KeywordDictionary(categories=pd.DataFrame(rows), keywords=keywords, needs=needs)


@accepts_frames("texts")
def categorise(texts: pd.Series, *, dictionary: KeywordDictionary) -> pd.DataFrame:
    """Boolean complaint × category table (plus "other" for no match), index as `texts`."""
    lowered = texts.astype("str").str.lower().where(texts.notna(), "")
    hits = {
        category: np.logical_or.reduce([lowered.str.contains(k, regex=False).to_numpy() for k in words])
        for category, words in dictionary.keywords.items()
    }
    table = pd.DataFrame(hits, index=texts.index)
    return table.assign(**{OTHER: ~table.any(axis=1) & (lowered != "")})


@accepts_frames("complaints")
def complaint_summary(
    complaints: pd.DataFrame,
    *,
    dictionary: KeywordDictionary,
    text_col: str = "complaint",
    severity_col: str | None = "severity",
    segment_col: str | None = None,
) -> pd.DataFrame:
    """Complaints per category (and per segment when `segment_col` is given): count, share of
    complaints, mean severity. Empty texts are not complaints and are left out."""
    present = complaints[complaints[text_col].notna() & (complaints[text_col].astype("str").str.strip() != "")]
    flags = categorise(present[text_col], dictionary=dictionary)
    long = flags.stack().rename("hit").reset_index(level=1).rename(columns={"level_1": "category"})
    long = long[long["hit"]].drop(columns="hit")
    keys = ["category"]
    if severity_col and severity_col in present:
        long = long.assign(severity=present[severity_col].astype("float64").reindex(long.index).to_numpy())
    if segment_col:
        long = long.assign(segment=present[segment_col].reindex(long.index).to_numpy())
        keys = ["segment", "category"]
    grouped = long.groupby(keys, sort=True)
    table = grouped.size().rename("complaints").to_frame()
    if "severity" in long:
        table = table.assign(mean_severity=grouped["severity"].mean())
    denominator = len(present) if not segment_col else present[segment_col].value_counts()
    if segment_col:
        table = table.assign(share=table["complaints"] / table.index.get_level_values("segment").map(denominator).to_numpy())
    else:
        table = table.assign(share=table["complaints"] / max(len(present), 1))
    return table.reset_index().sort_values(
        [*keys[:-1], "complaints"], ascending=[True] * (len(keys) - 1) + [False], ignore_index=True
    )


@accepts_frames("complaints")
def need_urgency(
    complaints: pd.DataFrame,
    *,
    dictionary: KeywordDictionary,
    items: Sequence[str],
    n_customers: int,
    text_col: str = "complaint",
    severity_col: str | None = "severity",
    scale: tuple[float, float] = (1, 5),
) -> pd.DataFrame:
    """Complaint-based urgency of need items for surveys that asked no urgency question.

    index = complaint frequency (complaints linked to the item per customer) × mean severity
    (1 when no severity is given); `urgency` rescales the index linearly onto the survey scale
    (the item with the largest index gets the top of the scale, items without complaints the
    bottom) so it can sit on the priority matrix's urgency axis.
    """
    if n_customers <= 0:
        raise InputError("need_urgency: n_customers must be positive (the base the complaints come from)")
    present = complaints[complaints[text_col].notna()]
    flags = categorise(present[text_col], dictionary=dictionary)
    severity = (
        present[severity_col].astype("float64")
        if severity_col and severity_col in present
        else pd.Series(1.0, index=present.index)
    )
    rows = []
    for item in items:
        linked = [c for c, needs in dictionary.needs.items() if item in needs]
        hit = flags[linked].any(axis=1) if linked else pd.Series(False, index=flags.index)
        count = int(hit.sum())
        mean_severity = float(severity[hit].mean()) if count else float("nan")  # no complaint: no severity
        rows.append({"item": item, "complaints": count, "frequency": count / n_customers, "mean_severity": mean_severity})
    table = pd.DataFrame(rows)
    index = (table["frequency"] * table["mean_severity"]).fillna(0.0)
    top = index.max()
    low, high = scale
    urgency = low + (high - low) * (index / top if top > 0 else index * 0)
    return table.assign(index=index, urgency=urgency)


@dataclass(frozen=True)
class ComplaintUrgency:
    """Complaint-based urgency per need item (`need_urgency`, indexed by item)."""

    table: pd.DataFrame  # complaints, frequency, mean_severity, index, urgency (index = item)

    @property
    def index(self) -> pd.Series:
        """Frequency × severity: the backlog's complaint-urgency component."""
        return self.table["index"]

    @property
    def urgency(self) -> pd.Series:
        """`index` on the survey scale: the priority matrix's urgency axis."""
        return self.table["urgency"]


@accepts_frames("complaints")
def complaint_urgency(
    complaints: pd.DataFrame | None, *, dictionary: KeywordDictionary, items: Sequence[str], n_customers: int
) -> ComplaintUrgency | None:
    """The complaint urgency of every need item, or None without complaints.

    Parameters
    ----------
    complaints : DataFrame, optional
        Complaint rows (``complaint``, optional ``severity``), as the run read them.
    dictionary : KeywordDictionary
        Categories, their keywords and the need items each concerns.
    items : sequence of str
        The need items of the catalogue.
    n_customers : int
        The base the complaints come from (customers with transactions, else respondents).

    Returns
    -------
    ComplaintUrgency or None
    """
    if complaints is None:
        return None
    table = need_urgency(complaints, dictionary=dictionary, items=items, n_customers=n_customers)
    return ComplaintUrgency(table=table.set_index("item"))
