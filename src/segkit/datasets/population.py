"""The simulated shop's period and calendar, and its customers: who they are and how they buy.

The demo data must look like a real shop's export (so the intake, cleaning and analyses are
exercised on something honest) while every interesting fact about it is known in advance (so
tests can check that the analyses recover it). Everything is drawn from `numpy.random.Generator`
streams derived from one seed (`_rng`, one stream per concern); no hash-dependent ordering, no
clock: the same seed gives the same frames, byte for byte once written.

This module holds the first part of the model, the constants shared by the rest and the draws
that `segkit.datasets.lines` (invoice lines) and `segkit.datasets.dirt` (planted dirt) both use:

- **Customers** sign up over time: ``EXISTING_SHARE`` before the period (2021-2023), the rest
  during 2024-2025 at a rising rate. About 80% are individuals, 20% enterprises.
- **Roles**: ``NEVER_BOUGHT_SHARE`` signed up and never bought (potential customers);
  ``LAPSED_SHARE`` are *lapsed big spenders* (existing customers with high spend and frequency
  who buy nothing from some day before ``LAPSE_DATE`` on); ``CHURN_SHARE`` of the other buyers
  churn at a random day; the rest stay active to the end, except two planted groups drawn from
  them on streams of their own (so the roles above are the same with or without them):
- **BTYD group** (``BTYD_SHARE`` of the customers, newcomers who signed up in the period): their
  purchase days follow the BG/NBD process exactly (`segkit.datasets.btyd_process`) from a first
  purchase a few days after signing up; only the days come from the process, their orders and
  lines are made like everyone else's.
- **Leaving group** (``LEAVING_SHARE``, steady buyers who signed up before 2025): they stop
  buying on a day in the holdout window (the last 20% of the period, ``LEAVE_FROM`` ..
  ``LEAVE_UNTIL``); over the ``FADE_DAYS`` before it their gaps grow and their spend falls.
- **Calendar**: order days follow a seasonal curve (Chinese e-commerce calendar: quiet Spring
  Festival, 618 in June, peaks on Double 11 and through November-December) and times of day
  follow ``HOUR_WEIGHTS``; list prices rise by ``PRICE_RISE`` for every other product from
  ``PRICE_RISE_DATE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.datasets.btyd_process import simulate_bg_nbd

PERIOD_START = np.datetime64("2024-01-01T00:00:00", "s")
DAYS = 731  # 2024-01-01 .. 2025-12-31 inclusive (2024 is a leap year)
DAY = 86_400
LAPSE_DATE = "2025-06-01"  # lapsed big spenders have no line on or after this day

# fmt: off
CUSTOMER_COLUMNS = (
    "customer_id", "customer_type", "province", "city", "industry", "age_band", "gender", "signup_date",
    "name", "phone", "email",
)
# fmt: on
PRICE_RISE, PRICE_RISE_DATE = 1.05, "2025-01-01"  # list price rise for every other product

EXISTING_SHARE = 0.35  # customers who signed up before the period
ENTERPRISE_SHARE = 0.20
NEVER_BOUGHT_SHARE = 0.08
LAPSED_SHARE = 0.03
CHURN_SHARE = 0.30
BTYD_SHARE = 0.22  # of all customers: newcomers whose purchase days follow BG/NBD
LEAVING_SHARE = 0.05  # of all customers: steady buyers who leave in the holdout window
LEAVE_FROM, LEAVE_UNTIL = "2025-08-15", "2025-09-30"  # leaving day range (the holdout starts 2025-08-08)
# Before leaving, over up to FADE_DAYS, an order is skipped with a chance rising linearly to
# FADE_SKIP on the leaving day (gaps grow) and baskets shrink linearly to FADE_BASKET (spend falls).
FADE_DAYS, FADE_SKIP, FADE_BASKET = 240, 0.95, 0.25
LEAVING_RATE_QUANTILE = 0.5  # leavers buy at least as often as this share of the active customers

# fmt: off
# Province -> weight and (city, weight) pairs; weights roughly follow online retail volume.
REGIONS = (
    ("广东省", 0.18, (("深圳市", 0.40), ("广州市", 0.35), ("东莞市", 0.13), ("佛山市", 0.12))),
    ("浙江省", 0.13, (("杭州市", 0.55), ("宁波市", 0.25), ("温州市", 0.20))),
    ("江苏省", 0.12, (("南京市", 0.40), ("苏州市", 0.40), ("无锡市", 0.20))),
    ("上海市", 0.10, (("上海市", 1.0),)),
    ("北京市", 0.09, (("北京市", 1.0),)),
    ("山东省", 0.09, (("济南市", 0.35), ("青岛市", 0.45), ("烟台市", 0.20))),
    ("四川省", 0.08, (("成都市", 0.85), ("绵阳市", 0.15))),
    ("福建省", 0.07, (("福州市", 0.35), ("厦门市", 0.40), ("泉州市", 0.25))),
    ("湖北省", 0.07, (("武汉市", 0.85), ("宜昌市", 0.15))),
    ("河南省", 0.07, (("郑州市", 0.75), ("洛阳市", 0.25))),
)
INDUSTRIES = (
    ("制造业", 0.26), ("零售业", 0.18), ("信息技术", 0.16), ("金融业", 0.08), ("教育", 0.08), ("医疗健康", 0.07),
    ("建筑业", 0.06), ("物流运输", 0.06), ("餐饮服务", 0.05),
)
AGE_BANDS = (("18-24", 0.15), ("25-34", 0.35), ("35-44", 0.25), ("45-54", 0.15), ("55+", 0.10))
GENDERS = (("男", 0.48), ("女", 0.52))
SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"),
)
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"),
    ("英", "ying"), ("华", "hua"), ("建", "jian"), ("文", "wen"), ("玲", "ling"), ("宇", "yu"), ("浩", "hao"),
    ("欣", "xin"), ("婷", "ting"), ("博", "bo"), ("晨", "chen"), ("佳", "jia"), ("琳", "lin"), ("子", "zi"),
    ("轩", "xuan"), ("梓", "zi"), ("涵", "han"), ("睿", "rui"), ("诗", "shi"),
)
BRANDS = (
    ("恒达", "hengda"), ("华信", "huaxin"), ("鼎盛", "dingsheng"), ("瑞丰", "ruifeng"), ("嘉禾", "jiahe"),
    ("天成", "tiancheng"), ("永泰", "yongtai"), ("宏远", "hongyuan"), ("新锐", "xinrui"), ("金桥", "jinqiao"),
    ("博远", "boyuan"), ("启明", "qiming"), ("信诚", "xincheng"), ("海纳", "haina"), ("众联", "zhonglian"),
    ("凯越", "kaiyue"), ("明德", "mingde"), ("卓越", "zhuoyue"), ("长青", "changqing"), ("润和", "runhe"),
)
COMPANY_KINDS = ("科技", "贸易", "实业", "商贸", "电子", "咨询", "餐饮管理", "教育科技")
PHONE_PREFIXES = (
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159, 176, 177, 180, 181,
    182, 183, 185, 186, 187, 188, 189, 191, 199,
)
# fmt: on

# Seasonal order intensity: month factors and shopping-festival days (month, day, factor).
MONTH_FACTORS = (0.90, 0.65, 0.90, 0.95, 1.00, 1.15, 0.90, 0.90, 1.00, 1.05, 1.50, 1.60)
FESTIVALS = ((6, 18, 2.5), (11, 11, 4.0), (12, 12, 2.0))
# fmt: off
HOUR_WEIGHTS = (
    1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.0, 3.0, 3.5, 3.5, 3.0, 3.0, 3.2, 3.2, 3.0, 2.8, 2.8, 3.2, 3.8, 4.0,
    3.2, 1.8,
)
# fmt: on

# Random streams: each concern has its own, so changing one does not shift the others.
_STREAM_POPULATION, _STREAM_IDENTITY, _STREAM_ORDERS, _STREAM_DIRT = 1, 2, 3, 4
_STREAM_BTYD, _STREAM_LEAVING = 5, 6


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def _weights(pairs) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array([p[0] for p in pairs], dtype=object)
    weights = np.array([p[-1] for p in pairs], dtype=float)
    return labels, weights / weights.sum()


@dataclass(frozen=True)
class Population:
    """The customers table plus the hidden profile that drives their purchases.

    ``profile`` is indexed like ``customers`` and holds what the CSV does not show:
    ``role`` (never_bought | lapsed | churned | btyd | leaving | active), the purchase window in
    day indices from 2024-01-01 (``window_start`` inclusive, ``window_end`` exclusive), the latent
    ``order_rate`` (orders per year before calibration) and ``basket`` size multiplier; for the
    BTYD group ``btyd_rate`` (purchases per week), ``btyd_dropout`` and ``btyd_alive`` (alive at
    the end), for the leaving group ``fade_from`` (first day of fading; -1 for everyone else).
    ``btyd_days`` holds the BTYD group's purchase days: ``customer`` (row of ``profile``) and
    ``day`` (day index), one row per order, sorted by customer and day.
    """

    customers: pd.DataFrame
    profile: pd.DataFrame
    btyd_days: pd.DataFrame


def _day_intensity() -> np.ndarray:
    """Relative order intensity for each day of the period (mean 1)."""
    days = PERIOD_START.astype("datetime64[D]") + np.arange(DAYS)
    months = days.astype("datetime64[M]").astype(int) % 12
    day_of_month = (days - days.astype("datetime64[M]")).astype(int) + 1
    intensity = np.asarray(MONTH_FACTORS)[months]
    for month, day, factor in FESTIVALS:
        intensity = np.where((months == month - 1) & (day_of_month == day), intensity * factor, intensity)
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    intensity = intensity * np.where(weekday >= 5, 1.1, 1.0)
    return intensity / intensity.mean()


def _day_index(date: str) -> int:
    return int((np.datetime64(date, "D") - PERIOD_START.astype("datetime64[D]")).astype(int))


def _seconds_in_day(rng: np.random.Generator, size: int) -> np.ndarray:
    hours = np.asarray(HOUR_WEIGHTS, dtype=float)
    hour = rng.choice(24, size=size, p=hours / hours.sum())
    return hour * 3600 + rng.integers(0, 3600, size=size)


def _sample_days(rng: np.random.Generator, cumulative: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Days in [start, end) drawn with the seasonal intensity (inverse CDF on its running sum)."""
    target = cumulative[start] + rng.random(len(start)) * (cumulative[end] - cumulative[start])
    day = np.searchsorted(cumulative, target, side="right") - 1
    return np.clip(day, start, end - 1)


# Products and prices: drawn both for ordinary lines and for planted ones (guest orders).
def _pick_products(rng: np.random.Generator, category: np.ndarray, n_per_category: int, prices: np.ndarray) -> np.ndarray:
    """Product index for each line, within its category; cheaper products sell more often."""
    weights = prices.reshape(-1, n_per_category) ** -0.5
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(category))
    within = np.minimum((u[:, None] > cumulative[category]).sum(axis=1), n_per_category - 1)
    return category * n_per_category + within


def _list_price(prices: np.ndarray, product: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Catalogue price on a day: every other product costs ``PRICE_RISE`` more from 2025-01-01,
    so a product's unit price is not a constant (cleaning must match lines on the line's price)."""
    raised = (day >= _day_index(PRICE_RISE_DATE)) & (product % 2 == 0)
    return np.where(raised, np.round(prices * PRICE_RISE, 1)[product], prices[product])


def generate_population(*, customers: int = 5000, seed: int) -> Population:
    """Draw customers (public attributes) and their hidden roles and purchase windows.

    Role counts are exact shares of ``customers`` (rounded), not random, so a test can
    assert them; who gets which role is random.
    """
    if customers < 50:
        raise InputError(f"demo data: customers must be at least 50 (got {customers}) so every planted group has members")
    rng = _rng(seed, _STREAM_POPULATION)
    n = customers
    enterprise = rng.random(n) < ENTERPRISE_SHARE

    # Sign-up: existing customers over 2021-2023; new ones over the period at a rate rising
    # linearly to twice the initial rate (inverse CDF of density 1 + x on [0, 1]).
    existing = rng.random(n) < EXISTING_SHARE
    existing_day = rng.integers(_day_index("2021-01-01"), 0, size=n)
    x = np.sqrt(1 + 3 * rng.random(n)) - 1
    new_day = np.minimum((x * DAYS).astype(np.int64), DAYS - 1)
    signup_day = np.where(existing, existing_day, new_day)

    role = np.full(n, "active", dtype=object)
    order = rng.permutation(n)
    n_never = round(NEVER_BOUGHT_SHARE * n)
    role[order[:n_never]] = "never_bought"
    pool = order[n_never:]
    lapsed_pool = pool[existing[pool]]
    n_lapsed = max(1, round(LAPSED_SHARE * n))
    role[lapsed_pool[:n_lapsed]] = "lapsed"
    rest = pool[role[pool] == "active"]
    role[rest[: round(CHURN_SHARE * len(rest))]] = "churned"

    # Latent loyalty drives both how often and how much a customer buys (heavy tail).
    loyalty = rng.normal(size=n)
    is_lapsed = role == "lapsed"
    loyalty = np.where(is_lapsed, 2.2 + np.abs(rng.normal(0, 0.4, size=n)), loyalty)
    order_rate = np.exp(0.65 * loyalty + rng.normal(0, 0.5, size=n)) * np.where(enterprise, 1.6, 1.0)
    basket = np.exp(0.5 * loyalty + rng.normal(0, 0.4, size=n))

    start = np.maximum(signup_day, 0)
    end = np.full(n, DAYS)
    lapse_day = rng.integers(_day_index("2025-02-01"), _day_index(LAPSE_DATE) + 1, size=n)
    end = np.where(is_lapsed, lapse_day, end)
    churn_day = start + 1 + (rng.uniform(0.1, 0.95, size=n) * (DAYS - start - 1)).astype(np.int64)
    end = np.where(role == "churned", np.minimum(churn_day, DAYS), end)
    # A churner who signed up on the last day cannot churn: treat them as active.
    role = np.where((role == "churned") & (end >= DAYS), "active", role)
    role, start, end, fade_from, btyd = _planted_groups(role, start, end, order_rate, signup_day, seed=seed)

    customers_frame = _customer_attributes(n, enterprise=enterprise, signup_day=signup_day, seed=seed)
    profile = pd.DataFrame(
        {
            "customer_id": customers_frame["customer_id"],
            "enterprise": enterprise,
            "role": pd.array(role, dtype="str"),
            "window_start": start,
            "window_end": end,
            "order_rate": order_rate,
            "basket": basket,
            "btyd_rate": btyd["rate"],
            "btyd_dropout": btyd["dropout"],
            "btyd_alive": btyd["alive"],
            "fade_from": fade_from,
        }
    )
    days = pd.DataFrame({"customer": btyd["customer"], "day": btyd["day"]})
    return Population(customers=customers_frame, profile=profile, btyd_days=days)


def _planted_groups(
    role: np.ndarray, start: np.ndarray, end: np.ndarray, order_rate: np.ndarray, signup_day: np.ndarray, *, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Draw the BTYD and the leaving group from the active customers (streams of their own).

    BTYD: newcomers (signed up in the period), first purchase 0-few days after signing up, then
    the BG/NBD process. Leaving: active customers who signed up before 2025 and buy more often
    than the median active customer; each leaves on a day in ``LEAVE_FROM`` .. ``LEAVE_UNTIL``.
    Returns the new roles, windows, ``fade_from`` and the BTYD draw (per customer and per day).
    """
    n = len(role)
    rng = _rng(seed, _STREAM_BTYD)
    candidates = np.flatnonzero((role == "active") & (signup_day >= 0))
    chosen = np.sort(rng.permutation(candidates)[: min(round(BTYD_SHARE * n), len(candidates))])
    first = np.minimum(start[chosen] + rng.geometric(0.35, size=len(chosen)) - 1, DAYS - 1)
    draw = simulate_bg_nbd(rng, first, period_days=DAYS)
    role = np.where(np.isin(np.arange(n), chosen), "btyd", role)
    start = start.copy()
    start[chosen] = first
    rate, dropout, alive = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool)
    rate[chosen], dropout[chosen], alive[chosen] = draw.rate, draw.dropout, draw.alive_at_end

    rng = _rng(seed, _STREAM_LEAVING)
    active = role == "active"
    threshold = float(np.quantile(order_rate[active], LEAVING_RATE_QUANTILE)) if active.any() else 0.0
    candidates = np.flatnonzero(active & (signup_day < _day_index("2025-01-01")) & (order_rate >= threshold))
    leaving = np.sort(rng.permutation(candidates)[: min(round(LEAVING_SHARE * n), len(candidates))])
    leave_day = rng.integers(_day_index(LEAVE_FROM), _day_index(LEAVE_UNTIL) + 1, size=len(leaving))
    role = np.where(np.isin(np.arange(n), leaving), "leaving", role)
    end = end.copy()
    end[leaving] = leave_day
    fade_from = np.full(n, -1, dtype=np.int64)
    fade_from[leaving] = np.maximum(leave_day - FADE_DAYS, start[leaving])
    btyd = {"rate": rate, "dropout": dropout, "alive": alive, "customer": chosen[draw.customer], "day": draw.day}
    return role, start, end, fade_from, btyd


def _customer_attributes(n: int, *, enterprise: np.ndarray, signup_day: np.ndarray, seed: int) -> pd.DataFrame:
    """customers.csv: ids, type, region, industry/age/gender, sign-up date and contact details.

    Names, phones and e-mails exist only so tests can prove that no report shows them, so they
    are made distinctive: Chinese person or company names, unique 11-digit mobile numbers and
    unique addresses under ``example.cn`` that contain the customer number.
    """
    rng = _rng(seed, _STREAM_IDENTITY)
    ids = np.char.add("CU", np.char.zfill(np.arange(1, n + 1).astype(str), 5)).astype(object)

    provinces, province_w = _weights([(p, w) for p, w, _ in REGIONS])
    p_idx = rng.choice(len(provinces), size=n, p=province_w)
    city = np.empty(n, dtype=object)
    u = rng.random(n)
    for i, (_, _, cities) in enumerate(REGIONS):
        names, w = _weights(cities)
        pick = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(names) - 1)
        city = np.where(p_idx == i, names[pick], city)

    industries, industry_w = _weights(INDUSTRIES)
    ages, age_w = _weights(AGE_BANDS)
    genders, gender_w = _weights(GENDERS)
    industry = np.where(enterprise, industries[rng.choice(len(industries), size=n, p=industry_w)], None)
    age_band = np.where(enterprise, None, ages[rng.choice(len(ages), size=n, p=age_w)])
    gender = np.where(enterprise, None, genders[rng.choice(len(genders), size=n, p=gender_w)])

    number = np.arange(1, n + 1).astype(str)
    surname = rng.integers(len(SURNAMES), size=n)
    given1 = rng.integers(len(GIVEN), size=n)
    given2 = rng.integers(len(GIVEN), size=n)
    two_char = rng.random(n) < 0.7
    sur_zh = np.array([s[0] for s in SURNAMES], dtype=object)
    sur_py = np.array([s[1] for s in SURNAMES], dtype=object)
    giv_zh = np.array([g[0] for g in GIVEN], dtype=object)
    giv_py = np.array([g[1] for g in GIVEN], dtype=object)
    person = sur_zh[surname] + giv_zh[given1] + np.where(two_char, giv_zh[given2], "")
    person_py = sur_py[surname] + "." + giv_py[given1] + np.where(two_char, giv_py[given2], "")
    brand = rng.integers(len(BRANDS), size=n)
    kind = rng.integers(len(COMPANY_KINDS), size=n)
    brand_zh = np.array([b[0] for b in BRANDS], dtype=object)
    brand_py = np.array([b[1] for b in BRANDS], dtype=object)
    city_stem = np.array([c.removesuffix("市") for c in city], dtype=object)
    company = city_stem + brand_zh[brand] + np.array(COMPANY_KINDS, dtype=object)[kind] + "有限公司"
    name = np.where(enterprise, company, person)
    email = np.where(
        enterprise, "purchasing" + number + "@" + brand_py[brand] + ".example.cn", person_py + number + "@mail.example.cn"
    )
    prefix = np.array(PHONE_PREFIXES)[rng.integers(len(PHONE_PREFIXES), size=n)]
    # Distinct phone numbers: the last eight digits are a sample without replacement.
    tail = rng.choice(100_000_000, size=n, replace=False)
    phone = np.char.add(prefix.astype(str), np.char.zfill(tail.astype(str), 8)).astype(object)

    signup = PERIOD_START.astype("datetime64[D]") + signup_day
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "customer_type": pd.array(np.where(enterprise, "enterprise", "individual"), dtype="str"),
            "province": pd.array(provinces[p_idx], dtype="str"),
            "city": pd.array(city, dtype="str"),
            "industry": pd.array(industry, dtype="str"),
            "age_band": pd.array(age_band, dtype="str"),
            "gender": pd.array(gender, dtype="str"),
            "signup_date": pd.to_datetime(signup.astype("datetime64[s]")),
            "name": pd.array(name, dtype="str"),
            "phone": pd.array(phone, dtype="str"),
            "email": pd.array(email, dtype="str"),
        }
    )
