"""Segment maps: every customer gets one segment key per map.

Segment keys are what computation returns; the names a reader sees come from the i18n
catalogues at render time (`segkit.reporting.names`), or, for a user's own rule file, from the
names per language that file gives.

Built-in maps: the 10-segment RFM map (editable score ranges in ``playbooks/segment_maps.yaml``),
the Chinese 8-class RFM model (重要价值客户 ...), Pareto/ABC value tiers (any number of cuts) with
the Lorenz curve and Gini coefficient, and the 战略 / 重要 / 普通 scheme (`segkit.value.tiers`). Users add their own maps as YAML rule sets on any per-customer column.
Every map reports its segment sizes and which segments are empty; `segment_summary` and
`profile` turn a map into the tables a manager reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import yaml

from segkit.core import schema
from segkit.core.checks import require_columns
from segkit.core.errors import InputError
from segkit.core.frames import accepts_frames
from segkit.value.rule_grammar import Condition, evaluate, parse_condition

BUILTIN_MAPS = ("rfm10", "eight_class", "value_tier", "strategic_tier", "aov_tier")


@dataclass(frozen=True)
class SegmentMap:
    """One label per customer plus the map's segment catalogue (display order = value rank).

    `segments` has columns key and rank (and ``code`` for the 8-class model); `table` has the
    customer id and ``segment`` (the key); `params` holds what a reviewer needs to reproduce the
    labels (references, cuts, ...). `names` and `title` are what a user's rule file says per
    language (``{"en": {key: name}}``); built-in maps leave them to the catalogues.

    Attributes
    ----------
    name : str
        The map's name (``"rfm10"``, ``"eight_class"``, ``"value_tier"`` or a rule set's name).
    segments : pandas.DataFrame
        key, rank (and code) per segment, in rank order.
    table : pandas.DataFrame
        customer id and ``segment`` per customer.
    params : mapping of str to object
        What reproduces the labels.
    names : mapping of str to mapping of str to str
        Language → segment key → name, from a user's rule file.
    title : mapping of str to str
        Language → map title, from a user's rule file.
    """

    name: str
    segments: pd.DataFrame
    table: pd.DataFrame
    params: Mapping[str, object] = field(default_factory=dict)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    title: Mapping[str, str] = field(default_factory=dict)

    @property
    def sizes(self) -> pd.DataFrame:
        """Customers and share per segment, empty segments included, in rank order."""
        counts = self.table["segment"].value_counts()
        sizes = self.segments.assign(customers=self.segments["key"].map(counts).fillna(0).astype(int))
        return sizes.assign(share=sizes["customers"] / max(len(self.table), 1))

    @property
    def empty(self) -> list[str]:
        """Keys of segments that no customer falls into (the report warns about each)."""
        sizes = self.sizes
        return sizes.loc[sizes["customers"] == 0, "key"].tolist()


#: Entries of a rule-file segment that are not names per language.
RULE_FIELDS = ("key", "rank", "ranges", "when")


def _catalogue(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame([{"key": r["key"], "rank": r["rank"]} for r in rows])
    return frame.sort_values("rank", kind="stable").reset_index(drop=True)


def _names(rows: Sequence[Mapping[str, object]]) -> dict[str, dict[str, str]]:
    """Names per language that rule-file segments give (any entry besides `RULE_FIELDS`)."""
    names: dict[str, dict[str, str]] = {}
    for row in rows:
        for language, name in row.items():
            if language not in RULE_FIELDS:
                names.setdefault(str(language), {})[str(row["key"])] = str(name)
    return names


# --------------------------------------------------------------------------------------------
# Rule sets (the 10-segment map and user maps)


@dataclass(frozen=True)
class RuleSet:
    """A segment map as rules: the first segment whose conditions all hold wins.

    Attributes
    ----------
    name : str
        The map's name (its top-level key in the rule file).
    title : mapping of str to str
        Language → map title.
    segments : tuple of mapping
        The segments in matching order: key, rank, ``ranges`` (column → ``[low, high]``, inclusive)
        or ``when`` (a condition in the grammar of `segkit.value.rule_grammar`), and names per
        language.
    other : mapping of str to object
        The segment of customers no rule matches: key, rank and names per language.
    source : str
        The rule file's name, which errors name first ("" for a set made in code).
    conditions : tuple of Condition or None
        The parsed ``when`` of each segment (None for ``ranges``), filled by `load_rules`; a set
        made in code without them has its conditions parsed by `apply_rules`.
    """

    name: str
    title: Mapping[str, str]
    segments: tuple[Mapping[str, object], ...]
    other: Mapping[str, object]
    source: str = ""
    conditions: tuple[Condition | None, ...] = ()

    def where(self, segment: Mapping[str, object]) -> str:
        """What an error about `segment` names first: the file (if known), the map and the segment."""
        place = f"map {self.name!r}, segment {segment.get('key')!r}"
        return f"{self.source}: {place}" if self.source else place

    def condition(self, i: int) -> Condition:
        """The parsed ``when`` of segment `i` (parsed now when the set was made without it)."""
        parsed = self.conditions[i] if len(self.conditions) == len(self.segments) else None
        return parsed or parse_condition(self.segments[i]["when"], where=self.where(self.segments[i]))


def load_rules(path: str | Path | None = None) -> dict[str, RuleSet]:
    """Rule sets from a YAML file (default: the built-in ``playbooks/segment_maps.yaml``).

    Each top-level key is a map: ``title: {en, zh}``, ``segments: [{key, rank, ranges | when,
    en, zh}]`` and ``other: {key, rank, en, zh}``; the names per language are optional (a
    segment without one is shown by its key). Every ``when`` is parsed here
    (`segkit.value.rule_grammar`), so a condition outside the grammar fails before any data is
    read. Mistakes raise `InputError` naming the file, map and segment, so a user editing the
    file can fix it.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The YAML rule file; default the built-in ``playbooks/segment_maps.yaml``.

    Returns
    -------
    dict of str to RuleSet
        Map name → rule set, in file order.

    Raises
    ------
    InputError
        When the file does not exist or is not YAML, a map lacks ``segments`` or ``other``, a segment
        lacks key or rank, a segment gives both or neither of ``ranges`` and ``when``, or a
        ``when`` is not a condition of the grammar (function calls, attributes, arithmetic ...).
    """
    if path is None:
        source = resources.files("segkit.value") / "playbooks" / "segment_maps.yaml"
        where = "segment_maps.yaml"
    else:
        source = Path(path)
        where = source.name
        if not source.exists():
            raise InputError(f"{path}: rule file not found")
    try:
        tree = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML ({exc})") from exc
    sets = {}
    for name, spec in tree.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("segments"), list) or "other" not in spec:
            raise InputError(f"{where}: map {name!r} needs 'segments' (a list) and 'other'")
        for i, seg in enumerate([*spec["segments"], spec["other"]], start=1):
            missing = [k for k in ("key", "rank") if k not in seg]
            if missing:
                raise InputError(f"{where}: map {name!r}, segment {i}: missing {', '.join(missing)}")
        for seg in spec["segments"]:
            if ("ranges" in seg) == ("when" in seg):
                raise InputError(f"{where}: map {name!r}, segment {seg['key']!r}: give exactly one of 'ranges' or 'when'")
        title = spec.get("title", {})
        conditions = tuple(
            parse_condition(seg["when"], where=f"{where}: map {name!r}, segment {seg['key']!r}") if "when" in seg else None
            for seg in spec["segments"]
        )
        sets[name] = RuleSet(
            name=name, title=title, segments=tuple(spec["segments"]), other=spec["other"], source=where, conditions=conditions
        )
    return sets


@accepts_frames("customers")
def apply_rules(customers: pd.DataFrame, rules: RuleSet, *, customer_col: str = schema.CUSTOMER_ID) -> SegmentMap:
    """Label customers with the first matching segment of `rules`; the rest get ``other``.

    Conditions are tested on the columns of `customers` (scores, features, attributes), so a
    rule set can use any per-customer column the table has.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with the columns the rules test.
    rules : RuleSet
        The rule set, e.g. ``load_rules()["rfm10"]``.
    customer_col : str, default "customer_id"
        Column of customer ids.

    Returns
    -------
    SegmentMap
        Named after `rules`: `table` has the customer id and ``segment``; `segments` lists the rule
        segments and ``other``; `params` holds the rules; `names` and `title` come from `rules`.

    Raises
    ------
    InputError
        When the customer column or a column of a ``ranges`` condition is missing, or a ``when``
        condition names a column the table lacks or compares a column with the wrong kind of value.
    """
    require_columns(customers, [customer_col], what=f"segment map {rules.name!r}")
    # Segment number per customer (len(segments) = other), filled first match first.
    number = np.full(len(customers), len(rules.segments))
    for i, seg in enumerate(rules.segments):
        if "ranges" in seg:
            ranges = cast(Mapping[str, Sequence[float]], seg["ranges"])
            require_columns(customers, list(ranges), what=f"segment map {rules.name!r}, segment {seg['key']!r}")
            hit = np.ones(len(customers), dtype=bool)
            for col, (low, high) in ranges.items():
                hit &= customers[col].between(low, high).to_numpy(dtype=bool, na_value=False)
        else:  # parsed by the safe grammar, never by DataFrame.eval (a rule file is data, not code)
            hit = evaluate(rules.condition(i), customers, where=rules.where(seg))
        number[hit & (number == len(rules.segments))] = i
    keys = np.array([seg["key"] for seg in rules.segments] + [rules.other["key"]], dtype=object)
    table = pd.DataFrame({customer_col: customers[customer_col].to_numpy(), "segment": pd.array(keys[number], dtype="str")})
    return SegmentMap(
        name=rules.name,
        segments=_catalogue([*rules.segments, rules.other]),
        table=table,
        params={"rules": [dict(s) for s in rules.segments]},
        names=_names([*rules.segments, rules.other]),
        title=dict(rules.title),
    )


@accepts_frames("scored")
def rfm10(scored: pd.DataFrame, *, rules_path: str | Path | None = None) -> SegmentMap:
    """The 10-segment RFM map (Champions ... Lost, else Others) on the 1..5 scores.

    Parameters
    ----------
    scored : pandas.DataFrame
        One row per customer with ``customer_id`` and the 1..5 scores the rules test (the built-in
        map: r_score, f_score, m_score), e.g. ``rfm_scores(...).table``.
    rules_path : str or pathlib.Path, optional
        A YAML rule file whose ``rfm10`` map replaces the built-in one.

    Returns
    -------
    SegmentMap
        Named ``"rfm10"``, one segment key per customer (see `apply_rules`).

    Raises
    ------
    InputError
        When the rule file is invalid or has no ``rfm10`` map, or a column is missing.
    """
    rules = load_rules(rules_path)
    if "rfm10" not in rules:
        raise InputError(f"{rules_path}: no map named 'rfm10'")
    return apply_rules(scored, rules["rfm10"])
