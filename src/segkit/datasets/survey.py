"""Demo needs survey, complaints and suitability data with known, planted structure.

Planted (tests check that the analysis recovers it):
- N01 (works as described) is must-be (M) for almost everyone;
- N07 (personalised recommendations) is attractive (A); N02 (consistent quality) one-dimensional (O);
- N04 (transparent pricing) is important, urgent and poorly satisfied → "act now";
- enterprises find N05 (on-time delivery) far more urgent than individuals;
- overall satisfaction is driven by satisfaction with N01, N02 and N04;
- about 8 % of holdings exceed the holder's risk level.
Answers mix English and Chinese labels with plain numbers and a few "don't know"/blank cells;
there are no invalid answers (those belong in tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ITEMS = ("N01", "N02", "N03", "N04", "N05", "N06", "N07", "N08", "N09")
CATALOGUE = [
    ("N01", "Product works as described", "产品功能与描述一致", "functional", "basic", "core", "long-term", "function"),
    ("N02", "Consistent product quality", "产品质量稳定", "non-functional", "basic", "core", "long-term", "quality"),
    (
        "N03",
        "Responsive customer service",
        "客服响应及时",
        "non-functional",
        "value-added",
        "supplementary",
        "short-term",
        "service",
    ),
    ("N04", "Transparent, fair pricing", "价格透明合理", "non-functional", "basic", "core", "long-term", "price"),
    ("N05", "On-time delivery", "按时送达", "non-functional", "basic", "supplementary", "short-term", "delivery"),
    (
        "N06",
        "Easy returns and after-sales",
        "退换货与售后便捷",
        "non-functional",
        "basic",
        "supplementary",
        "short-term",
        "service",
    ),
    ("N07", "Personalised recommendations", "个性化推荐", "functional", "value-added", "supplementary", "short-term", "function"),
    ("N08", "Attractive packaging", "包装美观", "non-functional", "value-added", "supplementary", "long-term", "appearance"),
    ("N09", "Online order tracking", "在线订单跟踪", "functional", "value-added", "supplementary", "short-term", "delivery"),
]
#: Mean importance, urgency and satisfaction per item (1..5 scale) for individuals.
IMPORTANCE = np.array([4.6, 4.3, 3.6, 4.4, 3.4, 3.5, 2.9, 2.2, 3.1])
URGENCY = np.array([2.6, 2.7, 2.8, 4.3, 2.4, 2.6, 2.2, 1.8, 2.5])
SATISFACTION = np.array([4.2, 3.9, 3.4, 2.3, 3.5, 3.3, 3.0, 3.6, 3.7])
ENTERPRISE_DELIVERY_URGENCY = 4.6  # N05 for enterprises
#: Kano class probabilities per item (A, O, M, I).
KANO_MIX = np.array(
    [
        [0.02, 0.08, 0.85, 0.05],
        [0.10, 0.70, 0.12, 0.08],
        [0.25, 0.35, 0.15, 0.25],
        [0.05, 0.55, 0.30, 0.10],
        [0.10, 0.40, 0.35, 0.15],
        [0.15, 0.30, 0.30, 0.25],
        [0.75, 0.08, 0.02, 0.15],
        [0.15, 0.05, 0.05, 0.75],
        [0.45, 0.20, 0.05, 0.30],
    ]
)
# Answer pairs (functional, dysfunctional) that produce each class in the classic table.
PAIRS = {
    "A": [("like", "neutral"), ("like", "live-with"), ("like", "must-be")],
    "O": [("like", "dislike")],
    "M": [("must-be", "dislike"), ("neutral", "dislike"), ("live-with", "dislike")],
    "I": [("neutral", "neutral"), ("neutral", "live-with"), ("must-be", "neutral"), ("live-with", "live-with")],
}
KANO_EN = {
    "like": "I like it",
    "must-be": "I expect it",
    "neutral": "I am neutral",
    "live-with": "I can live with it",
    "dislike": "I dislike it",
}
KANO_ZH = {"like": "我很喜欢", "must-be": "理应如此", "neutral": "无所谓", "live-with": "能忍受", "dislike": "我很不喜欢"}
LIKERT_EN = {
    "importance": ["not at all important", "not important", "moderately important", "very important", "extremely important"],
    "urgency": ["not at all urgent", "not urgent", "somewhat urgent", "urgent", "very urgent"],
    "satisfaction": ["very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"],
}
LIKERT_ZH = {
    "importance": ["非常不重要", "不重要", "一般", "重要", "非常重要"],
    "urgency": ["非常不紧急", "不紧急", "一般", "紧急", "非常紧急"],
    "satisfaction": ["非常不满意", "不满意", "一般", "满意", "非常满意"],
}
COMPLAINTS = {
    "delivery": ["Delivery was late again", "Courier delay of three days", "配送延迟，耽误了生产", "快递太慢，到货晚了一周"],
    "quality": ["Item arrived damaged", "The product is faulty and stopped working", "质量不稳定，第二批坏了", "产品有瑕疵"],
    "price": ["Price went up without notice", "Overcharge on the invoice", "价格太贵，发票金额不对", "多收了运费，要求退款"],
    "service": ["Support never gave a reply", "Waited 40 minutes on the hotline", "客服态度差", "客服没人回复"],
    "returns": ["Return process is confusing", "Warranty claim rejected", "退货流程太复杂", "售后保修拖了很久"],
}
PRODUCTS = pd.DataFrame(
    {
        "product_id": [f"FP{i:02d}" for i in range(1, 9)],
        "product_name": [
            "Deposit plus",
            "Bond fund A",
            "Bond fund B",
            "Balanced fund",
            "Index fund",
            "Equity fund",
            "Sector fund",
            "Structured note",
        ],
        "product_risk": ["R1", "R2", "R2", "R3", "R4", "R4", "R5", "R5"],
    }
)


def _likert(rng: np.random.Generator, mean: np.ndarray, sd: float = 0.8) -> np.ndarray:
    return np.clip(np.rint(mean + rng.normal(0, sd, mean.shape)), 1, 5).astype("int64")


def _as_labels(rng: np.random.Generator, points: np.ndarray, measure: str) -> np.ndarray:
    """Render points as English labels, Chinese labels or numbers, with ~2 % don't know/blank."""
    en, zh = np.array(LIKERT_EN[measure], dtype=object), np.array(LIKERT_ZH[measure], dtype=object)
    style = rng.random(points.shape)
    text = np.where(style < 0.4, en[points - 1], np.where(style < 0.8, zh[points - 1], points.astype("str").astype(object)))
    gap = rng.random(points.shape)
    return np.where(gap < 0.01, "don't know", np.where(gap < 0.015, "不知道", np.where(gap < 0.02, "", text)))


def write_survey_files(out_dir: Path, customers: pd.DataFrame, transactions: pd.DataFrame, *, seed: int) -> list[Path]:
    """Write survey.csv, needs.yaml, complaints.csv, risk.csv and holdings.csv into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 5)
    buyers = pd.Index(transactions["customer_id"].dropna().astype("str").unique()).difference([""])
    info = customers.assign(customer_id=customers["customer_id"].astype("str")).set_index("customer_id")
    sample = np.sort(rng.choice(buyers.to_numpy(), size=max(1, int(round(0.17 * len(buyers)))), replace=False))
    n, k = len(sample), len(ITEMS)
    enterprise = (info["customer_type"].reindex(sample) == "enterprise").to_numpy()
    # a respondent-level satisfaction mood makes overall satisfaction and NPS coherent
    mood = rng.normal(0, 0.5, (n, 1))
    urgency_mean = np.tile(URGENCY, (n, 1))
    urgency_mean[enterprise, ITEMS.index("N05")] = ENTERPRISE_DELIVERY_URGENCY
    points = {
        "importance": _likert(rng, np.tile(IMPORTANCE, (n, 1))),
        "urgency": _likert(rng, urgency_mean),
        "satisfaction": _likert(rng, SATISFACTION + mood),
    }
    columns: dict[str, object] = {
        "respondent_id": [f"R{i:05d}" for i in range(1, n + 1)],
        "customer_id": sample,
        "survey_date": "2025-11-15",
    }
    cumulative = KANO_MIX.cumsum(axis=1)
    draws = rng.random((n, k))
    classes = np.array(["A", "O", "M", "I"])[(draws[..., None] > cumulative[None]).sum(axis=2).clip(0, 3)]
    zh_kano = rng.random(n) < 0.5
    for j, item in enumerate(ITEMS):
        for measure, values in points.items():
            columns[f"{item}_{measure}"] = _as_labels(rng, values[:, j], measure)
        functional = np.empty(n, dtype=object)
        dysfunctional = np.empty(n, dtype=object)
        for cls, pairs in PAIRS.items():
            rows = np.flatnonzero(classes[:, j] == cls)
            chosen = rng.integers(0, len(pairs), len(rows))
            functional[rows] = [pairs[c][0] for c in chosen]
            dysfunctional[rows] = [pairs[c][1] for c in chosen]
        questionable = rng.random(n) < 0.02
        functional[questionable], dysfunctional[questionable] = "like", "like"
        columns[f"{item}_functional"] = np.where(zh_kano, [KANO_ZH[a] for a in functional], [KANO_EN[a] for a in functional])
        columns[f"{item}_dysfunctional"] = np.where(
            zh_kano, [KANO_ZH[a] for a in dysfunctional], [KANO_EN[a] for a in dysfunctional]
        )
    sat = points["satisfaction"]
    drivers = 0.4 * sat[:, 0] + 0.3 * sat[:, 1] + 0.3 * sat[:, 3]
    overall = np.clip(np.rint(drivers + 0.3 * mood[:, 0] + rng.normal(0, 0.4, n)), 1, 5).astype("int64")
    nps = np.clip(np.rint(2.2 * overall - 1 + rng.normal(0, 1.2, n) - 1.2 * enterprise), 0, 10).astype("int64")
    columns["overall_satisfaction"] = overall
    columns["nps"] = nps
    survey = pd.DataFrame(columns)
    paths = [
        out_dir / "survey.csv",
        out_dir / "needs.yaml",
        out_dir / "complaints.csv",
        out_dir / "risk.csv",
        out_dir / "holdings.csv",
    ]
    survey.to_csv(paths[0], index=False, encoding="utf-8")
    catalogue = {
        "items": [
            dict(zip(("id", "label_en", "label_zh", "functional", "level", "role", "horizon", "category"), row))
            for row in CATALOGUE
        ]
    }
    paths[1].write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _complaints(rng, buyers, info).to_csv(paths[2], index=False, encoding="utf-8")
    risk, holdings = _suitability(rng, info)
    risk.to_csv(paths[3], index=False, encoding="utf-8")
    holdings.to_csv(paths[4], index=False, encoding="utf-8")
    return paths


def _complaints(rng: np.random.Generator, buyers: pd.Index, info: pd.DataFrame) -> pd.DataFrame:
    """About 12 % of buyers complain; enterprises mostly about delivery, individuals about price."""
    who = np.sort(rng.choice(buyers.to_numpy(), size=max(1, int(0.12 * len(buyers))), replace=False))
    enterprise = (info["customer_type"].reindex(who) == "enterprise").to_numpy()
    names = list(COMPLAINTS)
    p_ent = np.array([0.5, 0.2, 0.1, 0.1, 0.1])
    p_ind = np.array([0.15, 0.2, 0.35, 0.15, 0.15])
    u = rng.random(len(who))[:, None]
    cat = np.where(enterprise, (u > p_ent.cumsum()).sum(axis=1), (u > p_ind.cumsum()).sum(axis=1)).clip(0, 4)
    text = [COMPLAINTS[names[c]][i] for c, i in zip(cat, rng.integers(0, 4, len(who)))]
    severity = np.clip(np.rint(np.where(cat == 0, 3.8, 2.8) + rng.normal(0, 0.8, len(who))), 1, 5).astype("int64")
    return pd.DataFrame(
        {
            "complaint_id": [f"CP{i:05d}" for i in range(1, len(who) + 1)],
            "customer_id": who,
            "complaint": text,
            "severity": severity,
        }
    )


def _suitability(rng: np.random.Generator, info: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk answers for a third of customers; holdings mostly within the level, ~8 % above it."""
    ids = np.sort(rng.choice(info.index.to_numpy(), size=max(1, len(info) // 3), replace=False))
    tendency = rng.integers(1, 6, len(ids))
    answers = np.clip(tendency[:, None] + rng.integers(-1, 2, (len(ids), 5)), 1, 5)
    letters = np.array(list("abcde"))
    risk = pd.DataFrame(
        {
            "customer_id": ids,
            **{
                q: letters[answers[:, i] - 1]
                for i, q in enumerate(("q1_horizon", "q2_loss", "q3_experience", "q4_income", "q5_goal"))
            },
        }
    )
    # approximate level from the same cut-offs as the packaged scoring (score 5..25)
    level = np.searchsorted([0, 9, 13, 17, 21], answers.sum(axis=1), side="right")
    per = rng.integers(1, 4, len(ids))
    holder = np.repeat(np.arange(len(ids)), per)
    allowed = level[holder]
    over = rng.random(len(holder)) < 0.08
    target = np.where(over, np.minimum(allowed + 1, 5), rng.integers(1, allowed + 1))
    risk_num = PRODUCTS["product_risk"].str[1].astype("int64").to_numpy()
    pick = np.array([rng.choice(np.flatnonzero(risk_num == t)) for t in target])
    holdings = pd.DataFrame({"customer_id": ids[holder], "product_id": PRODUCTS["product_id"].to_numpy()[pick]})
    holdings = holdings.drop_duplicates(ignore_index=True).merge(PRODUCTS, on="product_id")
    return risk, holdings.sort_values(["customer_id", "product_id"], ignore_index=True)
