"""Segment maps: every customer gets one label per map, in English and Chinese.

Built-in maps: the 10-segment RFM map (editable score ranges in ``playbooks/segment_maps.yaml``),
the Chinese 8-class RFM model (重要价值客户 ...), and Pareto/ABC value tiers with the Lorenz curve
and Gini coefficient. Users add their own maps as YAML rule sets on any per-customer column.
Every map reports its segment sizes and which segments are empty; `segment_summary` and
`profile` turn a map into the tables a manager reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from segkit import schema
from segkit.errors import InputError
from segkit.i18n import message
from segkit.rfm import RFMFeatures, RFMScores, require_columns, rfm_features, rfm_scores

BUILTIN_MAPS = ("rfm10", "eight_class", "value_tier")


@dataclass(frozen=True)
class SegmentMap:
    """One label per customer plus the map's segment catalogue (display order = value rank).

    `segments` has columns key, rank, en, zh; `table` has the customer id and ``segment`` (the
    key); `params` holds what a reviewer needs to reproduce the labels (references, cuts, ...).
    """

    name: str
    title: Mapping[str, str]
    segments: pd.DataFrame
    table: pd.DataFrame
    params: Mapping[str, object] = field(default_factory=dict)

    def labels(self, language: str) -> pd.Series:
        """Each customer's segment name in `language` (``en`` or ``zh``)."""
        names = dict(zip(self.segments["key"], self.segments[language]))
        return self.table["segment"].map(names)

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


def _catalogue(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame([{k: r[k] for k in ("key", "rank", "en", "zh")} for r in rows])
    return frame.sort_values("rank", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Rule sets (the 10-segment map and user maps)


@dataclass(frozen=True)
class RuleSet:
    """A segment map as rules: the first segment whose conditions all hold wins."""

    name: str
    title: Mapping[str, str]
    segments: tuple[Mapping[str, object], ...]
    other: Mapping[str, object]


def load_rules(path: str | Path | None = None) -> dict[str, RuleSet]:
    """Rule sets from a YAML file (default: the built-in ``playbooks/segment_maps.yaml``).

    Each top-level key is a map: ``title: {en, zh}``, ``segments: [{key, rank, en, zh, ranges |
    when}]`` and ``other: {key, rank, en, zh}``. Mistakes raise `InputError` naming the map and
    segment, so a user editing the file can fix it.
    """
    if path is None:
        source = resources.files("segkit") / "playbooks" / "segment_maps.yaml"
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
            missing = [k for k in ("key", "rank", "en", "zh") if k not in seg]
            if missing:
                raise InputError(f"{where}: map {name!r}, segment {i}: missing {', '.join(missing)}")
        for seg in spec["segments"]:
            if ("ranges" in seg) == ("when" in seg):
                raise InputError(f"{where}: map {name!r}, segment {seg['key']!r}: give exactly one of 'ranges' or 'when'")
        title = spec.get("title", {"en": name, "zh": name})
        sets[name] = RuleSet(name=name, title=title, segments=tuple(spec["segments"]), other=spec["other"])
    return sets


def apply_rules(
    customers: pd.DataFrame,
    rules: RuleSet,
    *,
    customer_col: str = schema.CUSTOMER_ID,
) -> SegmentMap:
    """Label customers with the first matching segment of `rules`; the rest get ``other``.

    Conditions are tested on the columns of `customers` (scores, features, attributes), so a
    rule set can use any per-customer column the table has.
    """
    require_columns(customers, [customer_col], what=f"segment map {rules.name!r}")
    # Segment number per customer (len(segments) = other), filled first match first.
    number = np.full(len(customers), len(rules.segments))
    for i, seg in enumerate(rules.segments):
        if "ranges" in seg:
            require_columns(customers, seg["ranges"], what=f"segment map {rules.name!r}, segment {seg['key']!r}")
            hit = np.ones(len(customers), dtype=bool)
            for col, (low, high) in seg["ranges"].items():
                hit &= customers[col].between(low, high).to_numpy(dtype=bool, na_value=False)
        else:
            try:
                hit = customers.eval(seg["when"]).astype(bool).to_numpy()
            except Exception as exc:  # any evaluation error is a mistake in the user's rule
                raise InputError(
                    f"segment map {rules.name!r}, segment {seg['key']!r}: cannot evaluate "
                    f"{seg['when']!r} ({type(exc).__name__}: {exc}); columns are {', '.join(customers.columns)}"
                ) from exc
        number[hit & (number == len(rules.segments))] = i
    keys = np.array([seg["key"] for seg in rules.segments] + [rules.other["key"]], dtype=object)
    table = pd.DataFrame({customer_col: customers[customer_col].to_numpy(), "segment": pd.array(keys[number], dtype="str")})
    return SegmentMap(
        name=rules.name,
        title=rules.title,
        segments=_catalogue([*rules.segments, rules.other]),
        table=table,
        params={"rules": [dict(s) for s in rules.segments]},
    )


def rfm10(scored: pd.DataFrame, *, rules_path: str | Path | None = None) -> SegmentMap:
    """The 10-segment RFM map (Champions ... Lost, else Others) on the 1..5 scores."""
    rules = load_rules(rules_path)
    if "rfm10" not in rules:
        raise InputError(f"{rules_path}: no map named 'rfm10'")
    return apply_rules(scored, rules["rfm10"])


# --------------------------------------------------------------------------------------------
# The Chinese 8-class RFM model

#: Code (R F M, 1 = high; high R = recent) -> key, value rank, English and Chinese names.
EIGHT_CLASSES = {
    "111": ("important_value", 1, "Important value", "重要价值客户"),
    "011": ("important_retain", 2, "Important retention", "重要保持客户"),
    "101": ("important_develop", 3, "Important development", "重要发展客户"),
    "001": ("important_winback", 4, "Important win-back", "重要挽留客户"),
    "110": ("general_value", 5, "General value", "一般价值客户"),
    "010": ("general_retain", 6, "General retention", "一般保持客户"),
    "100": ("general_develop", 7, "General development", "一般发展客户"),
    "000": ("general_winback", 8, "General win-back", "一般挽留客户"),
}


def eight_class(
    features: pd.DataFrame,
    *,
    reference: str = "mean",
    basis: str = "value",
    references: Mapping[str, float] | None = None,
    customer_col: str = schema.CUSTOMER_ID,
) -> SegmentMap:
    """The Chinese 8-class model: R, F and M each high or low against the all-customer reference.

    High R means *recent*: recency days strictly below the reference. High F and M mean strictly
    above it, so a mass of customers sitting exactly on a median of 1 order counts as low.
    `basis` = "value" compares raw recency / frequency / monetary, "score" compares the 1..k
    scores (where a higher R score already means more recent); `reference` = "mean" | "median".
    `references` fixes the reference values (column -> value), e.g. to label an earlier
    snapshot against today's means so that a move reflects the customer, not the crowd.
    The codes read R F M: 111 重要价值客户 (recent, frequent, high spend), 011 重要保持客户 (lapsed,
    frequent, high spend), 101 重要发展客户 (recent, infrequent, high spend), 001 重要挽留客户 ...
    """
    if reference not in ("mean", "median"):
        raise InputError(f"reference: {reference!r} is not supported; use 'mean' or 'median'")
    if basis not in ("value", "score"):
        raise InputError(f"basis: {basis!r} is not supported; use 'value' or 'score'")
    cols = ["recency", "frequency", "monetary"] if basis == "value" else ["r_score", "f_score", "m_score"]
    require_columns(features, [customer_col, *cols], what="8-class model")
    refs = dict(references) if references else {c: float(getattr(features[c].astype(float), reference)()) for c in cols}
    require_columns(pd.DataFrame(columns=list(refs)), cols, what="8-class references")
    r_col, f_col, m_col = cols
    r_high = features[r_col] < refs[r_col] if basis == "value" else features[r_col] > refs[r_col]
    # The code as a number 0..7 (R = 4, F = 2, M = 1), then looked up: "101" -> important_develop.
    number = (4 * r_high.to_numpy(dtype=int) + 2 * (features[f_col] > refs[f_col]).to_numpy(dtype=int)
              + (features[m_col] > refs[m_col]).to_numpy(dtype=int))
    codes = np.array([f"{n:03b}" for n in range(8)], dtype=object)
    keys = np.array([EIGHT_CLASSES[c][0] for c in codes], dtype=object)
    table = pd.DataFrame(
        {customer_col: features[customer_col].to_numpy(), "segment": pd.array(keys[number], dtype="str"),
         "code": pd.array(codes[number], dtype="str")}
    )
    segments = _catalogue([{"key": k, "rank": r, "en": en, "zh": zh} for k, r, en, zh in EIGHT_CLASSES.values()])
    segments = segments.assign(code=segments["key"].map({v[0]: c for c, v in EIGHT_CLASSES.items()}))
    return SegmentMap(
        name="eight_class",
        title={"en": "RFM 8-class model", "zh": "RFM 八类客户模型"},
        segments=segments,
        table=table,
        params={"reference": reference, "basis": basis, "references": refs},
    )


# --------------------------------------------------------------------------------------------
# Value tiers, Lorenz curve, Gini

VALUE_TIERS = (
    {"key": "A", "rank": 1, "en": "A: high value", "zh": "A类：高价值"},
    {"key": "B", "rank": 2, "en": "B: medium value", "zh": "B类：中价值"},
    {"key": "C", "rank": 3, "en": "C: low value", "zh": "C类：低价值"},
)


def gini(values: Sequence[float] | pd.Series) -> float:
    """Gini coefficient of revenue concentration (0 = equal, towards 1 = concentrated).

    G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n with x sorted ascending, i = 1..n.
    Negative values (net returners) count as 0.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        raise InputError("Gini: revenue is zero or negative for every customer; nothing to compare")
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


def lorenz_curve(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Lorenz curve points: cumulative customer share vs cumulative revenue share, from (0, 0).

    Customers are sorted from lowest to highest revenue; negative revenue counts as 0.
    """
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = x.sum()
    if len(x) == 0 or total <= 0:
        raise InputError("Lorenz curve: revenue is zero or negative for every customer")
    return pd.DataFrame(
        {
            "customer_share": np.arange(len(x) + 1) / len(x),
            "revenue_share": np.concatenate([[0.0], np.cumsum(x) / total]),
        }
    )


@dataclass(frozen=True)
class ValueTiers:
    """Pareto/ABC tiers with the concentration numbers a manager asks for."""

    map: SegmentMap
    cuts: tuple[float, float]
    gini: float
    lorenz: pd.DataFrame
    customer_share_at_cut: float  # share of customers (top first) that makes the first cut of revenue

    def sentence(self, language: str) -> str:
        """"x % of customers bring 80 % of revenue", in `language`."""
        return message(
            language,
            "value.pareto_sentence",
            customers=f"{100 * self.customer_share_at_cut:.1f}",
            revenue=f"{100 * self.cuts[0]:.0f}",
        )


def value_tiers(
    features: pd.DataFrame,
    *,
    cuts: tuple[float, float] = (0.80, 0.95),
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
) -> ValueTiers:
    """A/B/C tiers by cumulative revenue share, plus the Lorenz curve and the Gini coefficient.

    Customers are sorted by revenue, highest first (ties by customer id, so runs are
    reproducible). A customer is A when the cumulative share of the customers *before* it is
    below ``cuts[0]`` (so A is the smallest top group reaching 80 %), B when below ``cuts[1]``,
    else C. A = high, B = medium, C = low value.
    """
    low, high = cuts
    if not 0 < low < high <= 1:
        raise InputError(f"cuts: {cuts} must satisfy 0 < A cut < B cut <= 1, e.g. (0.80, 0.95)")
    require_columns(features, [customer_col, revenue_col], what="value tiers")
    revenue = features[revenue_col].astype(float)
    total = revenue.clip(lower=0).sum()
    if total <= 0:
        raise InputError(f"value tiers: column {revenue_col!r}: no customer has positive revenue")
    ids = features[customer_col]
    id_rank = pd.factorize(ids, sort=True)[0]
    order = np.lexsort((id_rank, -revenue.to_numpy()))  # revenue descending, ties by customer id
    positive = revenue.clip(lower=0).to_numpy()[order]
    before = (np.cumsum(positive) - positive) / total
    tier = np.empty(len(order), dtype=object)
    tier[order] = np.where(before < low, "A", np.where(before < high, "B", "C"))
    table = pd.DataFrame({customer_col: ids.to_numpy(), "segment": pd.array(tier, dtype="str")})
    segmap = SegmentMap(
        name="value_tier",
        title={"en": "Value tiers (Pareto / ABC)", "zh": "客户价值分层（帕累托 / ABC）"},
        segments=_catalogue(VALUE_TIERS),
        table=table,
        params={"cuts": cuts, "sort": "revenue descending, ties by customer id"},
    )
    return ValueTiers(
        map=segmap,
        cuts=(low, high),
        gini=gini(revenue),
        lorenz=lorenz_curve(revenue),
        customer_share_at_cut=float((tier == "A").sum() / len(tier)),
    )


# --------------------------------------------------------------------------------------------
# Summaries and profiles


def segment_summary(
    features: pd.DataFrame,
    segmap: SegmentMap,
    *,
    customer_col: str = schema.CUSTOMER_ID,
    revenue_col: str = schema.REVENUE,
    orders_col: str = schema.ORDERS,
) -> pd.DataFrame:
    """Per segment: customers, share, revenue, revenue share, average order value, median R/F/M.

    Every segment of the map appears (empty ones with 0 customers), in value-rank order;
    customers sum to the customer count and the shares to 1.
    """
    require_columns(features, [customer_col, revenue_col, orders_col, "recency", "frequency", "monetary"],
                    what="segment summary")
    data = features.merge(segmap.table[[customer_col, "segment"]], on=customer_col, how="inner", validate="1:1")
    grouped = data.groupby("segment").agg(
        customers=(customer_col, "size"),
        revenue=(revenue_col, "sum"),
        orders=(orders_col, "sum"),
        median_recency=("recency", "median"),
        median_frequency=("frequency", "median"),
        median_monetary=("monetary", "median"),
    )
    out = segmap.segments[["key", "en", "zh"]].join(grouped, on="key")
    out = out.assign(
        customers=out["customers"].fillna(0).astype(int),
        revenue=out["revenue"].fillna(0.0),
        orders=out["orders"].fillna(0).astype(float),
    )
    total_revenue = data[revenue_col].sum()
    return out.assign(
        customer_share=out["customers"] / len(data),
        revenue_share=out["revenue"] / total_revenue if total_revenue else np.nan,
        average_order_value=out["revenue"] / out["orders"].where(out["orders"] > 0),
    )[
        ["key", "en", "zh", "customers", "customer_share", "revenue", "revenue_share", "average_order_value",
         "median_recency", "median_frequency", "median_monetary"]
    ]


@dataclass(frozen=True)
class Profile:
    """Segment x attribute cross-tab with a chi-square test of independence and Cramér's V."""

    attribute: str
    counts: pd.DataFrame  # segments (rows) x attribute values (columns)
    row_pct: pd.DataFrame  # each segment's mix over the attribute values
    n: int
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    low_expected_share: float  # share of cells with expected count < 5 (the test is rough above 20 %)


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V = sqrt(chi2 / (n * (min(rows, cols) - 1))): 0 = no association, 1 = complete."""
    k = min(shape) - 1
    return float(np.sqrt(chi2 / (n * k))) if n > 0 and k > 0 else float("nan")


def profile(
    segmap: SegmentMap,
    attributes: pd.DataFrame,
    column: str,
    *,
    customer_col: str = schema.CUSTOMER_ID,
) -> Profile:
    """Cross-tabulate segments against one customer attribute (region, industry, ...).

    Customers without a value for `column` (e.g. industry for individuals) are left out, and so
    are empty rows and columns. The chi-square test is Pearson's, without continuity correction.
    """
    require_columns(attributes, [customer_col, column], what="customer attributes")
    data = segmap.table.merge(attributes[[customer_col, column]].drop_duplicates(customer_col), on=customer_col,
                              how="inner").dropna(subset=[column])
    counts = pd.crosstab(data["segment"], data[column])
    order = [k for k in segmap.segments["key"] if k in counts.index]
    counts = counts.loc[order]
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    n = int(counts.to_numpy().sum())
    if min(counts.shape) >= 2:
        result = stats.chi2_contingency(counts.to_numpy(), correction=False)
        chi2, p, dof, expected = float(result.statistic), float(result.pvalue), int(result.dof), result.expected_freq
        low = float((expected < 5).mean())
    else:
        chi2, p, dof, low = float("nan"), float("nan"), 0, float("nan")
    return Profile(
        attribute=column,
        counts=counts,
        row_pct=counts.div(counts.sum(axis=1), axis=0),
        n=n,
        chi2=chi2,
        dof=dof,
        p_value=p,
        cramers_v=cramers_v(chi2, n, counts.shape) if dof else float("nan"),
        low_expected_share=low,
    )


# --------------------------------------------------------------------------------------------
# All built-in maps at once


@dataclass(frozen=True)
class Segmentation:
    """Features, scores and every built-in map for one as-of date."""

    features: RFMFeatures
    scores: RFMScores
    maps: Mapping[str, SegmentMap]  # rfm10, eight_class, value_tier
    tiers: ValueTiers

    @property
    def table(self) -> pd.DataFrame:
        """Features and scores with one ``<map>`` column of segment keys per map."""
        out = self.scores.table
        for name, segmap in self.maps.items():
            out = out.assign(**{name: segmap.table["segment"].to_numpy()})
        return out


def segment_customers(
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    frequency: str = "orders",
    monetary: str = "revenue",
    bins: int = 5,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    eight_class_reference: str = "mean",
    eight_class_basis: str = "value",
    eight_class_references: Mapping[str, float] | None = None,
    tier_cuts: tuple[float, float] = (0.80, 0.95),
    rules_path: str | Path | None = None,
) -> Segmentation:
    """Features, scores, the 10-segment map, the 8-class model and value tiers in one call.

    Pass `thresholds` and `eight_class_references` from a later segmentation to label an
    earlier snapshot on the same scale (see `segkit.lifecycle.migrate`).
    """
    features = rfm_features(customers, as_of=as_of, frequency=frequency, monetary=monetary)
    scores = rfm_scores(features.table, bins=bins, thresholds=thresholds)
    tiers = value_tiers(features.table, cuts=tier_cuts)
    maps = {
        "rfm10": rfm10(scores.table, rules_path=rules_path),
        "eight_class": eight_class(scores.table, reference=eight_class_reference, basis=eight_class_basis,
                                   references=eight_class_references),
        "value_tier": tiers.map,
    }
    return Segmentation(features=features, scores=scores, maps=maps, tiers=tiers)


# --------------------------------------------------------------------------------------------
# Strategy playbook


def load_playbook(path: str | Path | None = None) -> dict:
    """The playbook YAML (default: the built-in ``playbooks/strategy.yaml``) as a nested dict.

    Layout: ``map -> segment key -> language -> {actions: [...], kpi: ...}``.
    """
    if path is None:
        text = (resources.files("segkit") / "playbooks" / "strategy.yaml").read_text(encoding="utf-8")
    else:
        if not Path(path).exists():
            raise InputError(f"{path}: playbook file not found")
        text = Path(path).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"playbook: not valid YAML ({exc})") from exc


def playbook(
    map_name: str,
    segments: pd.DataFrame,
    language: str,
    *,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """Each segment of a map (``key`` column) with its recommended actions and KPI in `language`.

    A segment without an entry raises `InputError`, so an edited playbook cannot silently drop one.
    """
    book = load_playbook(path).get(map_name)
    if book is None:
        raise InputError(f"playbook: no section for the map {map_name!r}")
    rows = []
    for key in segments["key"]:
        entry = (book.get(key) or {}).get(language)
        if not entry or not entry.get("actions") or not entry.get("kpi"):
            raise InputError(f"playbook: map {map_name!r}, segment {key!r}: no actions/kpi in {language!r}")
        rows.append({"key": key, "actions": ("；" if language == "zh" else "; ").join(entry["actions"]), "kpi": entry["kpi"]})
    return segments.merge(pd.DataFrame(rows), on="key", how="left")
