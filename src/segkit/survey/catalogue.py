"""The need catalogue: items, labels and classification tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from segkit.core.errors import InputError
from segkit.intake.yaml_files import read_yaml
from segkit.survey.kano_answers import ANSWERS

#: Allowed values of the seeds' classification tags in a need catalogue.
RATING_MEASURES = ("importance", "urgency", "satisfaction")
#: Kano measures (answer pairs) per need item.
KANO_MEASURES = ("functional", "dysfunctional")

TAGS: dict[str, tuple[str, ...]] = {
    "functional": ("functional", "non-functional"),
    "level": ("basic", "value-added"),
    "role": ("core", "supplementary"),
    "horizon": ("long-term", "short-term"),
}
CATALOGUE_COLUMNS = ("item", "label_en", "label_zh", *TAGS, "category")
#: Value of a tag or category the catalogue leaves out.
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class NeedCatalogue:
    """Need items with labels and classification tags; `items` has `CATALOGUE_COLUMNS`.

    The optional survey settings say where a survey file keeps each item's answers, so a public
    file with its own column names is read as it is: `columns` (item → measure → column, e.g. the
    question text), `measure_names` (measure → the word put for ``{measure}`` in the column
    pattern, e.g. ``functional: F``), `kano_labels` (extra Kano answer labels, merged with the
    packaged ones) and `respondent_column`.

    Attributes
    ----------
    items : pandas.DataFrame
        item, label_en, label_zh, functional, level, role, horizon and category per need item.
    source : str
        Name of the catalogue file.
    columns : mapping of str to mapping of str to str
        Item → measure → survey column.
    measure_names : mapping of str to str
        Measure → the word for ``{measure}`` in the column pattern.
    kano_labels : mapping of str to sequence of str
        Canonical Kano answer → extra labels.
    respondent_column : str or None
        The survey's respondent id column.
    """

    items: pd.DataFrame
    source: str = ""
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    measure_names: Mapping[str, str] = field(default_factory=dict)
    kano_labels: Mapping[str, Sequence[str]] = field(default_factory=dict)
    respondent_column: str | None = None

    @property
    def ids(self) -> list[str]:
        return self.items["item"].tolist()

    def labels(self, language: str) -> dict[str, str]:
        """``{item id: label}`` in `language` for charts and tables: the catalogue's ``label_<language>``,
        else its label in another language, else the id (the catalogue is the user's own data)."""
        columns = [f"label_{language}", *sorted(c for c in self.items.columns if c.startswith("label_"))]
        labels = self.items["item"].astype("object")
        for column in reversed([c for c in columns if c in self.items.columns]):
            labels = self.items[column].where(self.items[column].notna(), labels)
        return dict(zip(self.items["item"], labels))


def load_catalogue(path: str | Path, *, encoding: str | None = None) -> NeedCatalogue:
    """Read a need catalogue (YAML: ``items: [{id, label_en, label_zh, functional, level, role,
    horizon, category}]``), checking that every tag given is one of the seeds' classes. Only the
    id and one label are required; missing tags read ``"unclassified"``.

    Optional survey settings (see `NeedCatalogue`): ``columns: {measure: column}`` per item, and
    top-level ``measure_names: {measure: word}``, ``kano_answers: {like: [labels], ...}`` and
    ``respondent_column: name``.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file: UTF-8, or GB18030 (detected as for tables), or in `encoding`.
    encoding : str, optional
        The file's encoding when it is neither UTF-8 nor GB18030 (e.g. ``"latin-1"``).

    Returns
    -------
    NeedCatalogue
        The items (labels and tags, ``"unclassified"`` where a tag is left out) and survey settings.

    Raises
    ------
    InputError
        When the file cannot be read or decoded or is not YAML, gives a key twice, has no items, an item lacks an id or a label or
        has a tag outside its classes, ids repeat, or a key or setting is unknown or malformed.
    """
    path = Path(path)
    tree = read_yaml(path, what="need catalogue", encoding=encoding) or {}
    entries = tree.get("items") if isinstance(tree, dict) else None
    if not entries:
        raise InputError(f"{path.name}: the need catalogue has no 'items' list")
    measures = (*RATING_MEASURES, *KANO_MEASURES)
    rows, columns = [], {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InputError(f"{path.name}: item {number} is not a mapping of id, labels and tags")
        if not entry.get("id") or not (entry.get("label_en") or entry.get("label_zh")):
            raise InputError(f"{path.name}: item {number} ({entry.get('id', '?')}) needs an id and a label_en or label_zh")
        for tag, allowed in TAGS.items():
            if entry.get(tag) and entry[tag] not in allowed:
                raise InputError(f"{path.name}: item {entry['id']}: {tag} is {entry[tag]!r}; use one of {', '.join(allowed)}")
        # A survey found in the wild comes without the seeds' tags: they are optional (shown as
        # "not classified"), and a missing label falls back to the other language's.
        label_en = str(entry.get("label_en") or entry["label_zh"])
        label_zh = str(entry.get("label_zh") or entry["label_en"])
        tags = {k: str(entry[k]) if entry.get(k) else UNCLASSIFIED for k in (*TAGS, "category")}
        rows.append({"item": str(entry["id"]), "label_en": label_en, "label_zh": label_zh, **tags})
        if "columns" in entry:
            columns[str(entry["id"])] = _measure_mapping(
                entry["columns"], allowed=measures, where=f"{path.name}: item {entry['id']}: columns"
            )
    items = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))
    duplicated = items["item"][items["item"].duplicated()].tolist()
    if duplicated:
        raise InputError(f"{path.name}: item ids are repeated: {', '.join(duplicated)}")
    unknown = sorted(set(tree) - {"items", "measure_names", "kano_answers", "respondent_column"})
    if unknown:
        raise InputError(
            f"{path.name}: unknown key(s) {', '.join(map(repr, unknown))}; "
            "allowed: items, measure_names, kano_answers, respondent_column"
        )
    measure_names = _measure_mapping(tree.get("measure_names") or {}, allowed=measures, where=f"{path.name}: measure_names")
    kano_labels = tree.get("kano_answers") or {}
    if not isinstance(kano_labels, dict) or set(kano_labels) - set(ANSWERS):
        raise InputError(f"{path.name}: kano_answers must map {', '.join(ANSWERS)} to lists of labels")
    kano_labels = {k: [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in kano_labels.items()}
    respondent = tree.get("respondent_column")
    return NeedCatalogue(
        items=items,
        source=path.name,
        columns=columns,
        measure_names=measure_names,
        kano_labels=kano_labels,
        respondent_column=str(respondent) if respondent else None,
    )


def _measure_mapping(content, *, allowed: Sequence[str], where: str) -> dict[str, str]:
    if not isinstance(content, dict) or set(content) - set(allowed):
        raise InputError(f"{where}: expected 'measure: column' lines with measures {', '.join(allowed)}")
    return {str(k): str(v) for k, v in content.items()}
