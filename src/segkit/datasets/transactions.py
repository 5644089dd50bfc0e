"""Simulated customers and their purchase history, with known structure and known dirt.

The demo data must look like a real shop's export (so the intake, cleaning and analyses are
exercised on something honest) while every interesting fact about it is known in advance (so
tests can check that the analyses recover it). Everything is drawn from `numpy.random.Generator`
streams derived from one seed; no hash-dependent ordering, no clock: the same seed gives the same
frames, byte for byte once written.

The model, in the order it is simulated:

- **Customers** sign up over time: ``EXISTING_SHARE`` before the period (2021-2023), the rest
  during 2024-2025 at a rising rate. About 80% are individuals, 20% enterprises.
- **Roles**: ``NEVER_BOUGHT_SHARE`` signed up and never bought (potential customers);
  ``LAPSED_SHARE`` are *lapsed big spenders* (existing customers with high spend and frequency
  who buy nothing from some day before ``LAPSE_DATE`` on); ``CHURN_SHARE`` of the other buyers
  churn at a random day; the rest stay active to the end.
- **Orders**: a customer's order rate and basket size share one latent "loyalty" factor, with
  lognormal noise, so spend is heavy-tailed (the top 20% of customers bring roughly 80% of
  revenue); enterprises order more often and buy larger quantities. Order days follow a
  seasonal curve (Chinese e-commerce calendar: quiet Spring Festival, 618 in June, peaks on
  Double 11 and through November-December).
- **Lines**: each order has 1 + Poisson lines, distinct products, quantity from the customer's
  basket size; unit price is the catalogue list price of the day (every other product costs 5%
  more from 2025-01-01).
- **Dirt**, at the rates in ``DIRT_RATES`` (shares of all lines); every planted line has exactly
  one kind, so a count per kind is unambiguous:

  ``missing_customer_id``  guest orders: whole invoices with an empty customer id
  ``cancellation``         invoice id "C"+number, quantity = minus the original line's, same
                           customer, product and price, shortly after the original
  ``return``               a later invoice with a normal id and a negative quantity (part or
                           all of an earlier line of the same customer, product and price)
  ``duplicate``            an exact copy of a line, right after it in the same invoice
  ``zero_price``           a product line with unit price 0 (free gift)
  ``negative_price``       a product line with a negative unit price (keying error)
  ``non_product``          lines with codes POST (postage), D (discount, quantity -1),
                           M (manual adjustment), BANK CHARGES, AMAZONFEE (platform fee)
  ``extreme_quantity``     about one line per 2,500 customers with a quantity of 10,000 or more
                           of a cheap product (as the 80,995 in the UCI Online Retail file)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError

PERIOD_START = np.datetime64("2024-01-01T00:00:00", "s")
DAYS = 731  # 2024-01-01 .. 2025-12-31 inclusive (2024 is a leap year)
DAY = 86_400
LAPSE_DATE = "2025-06-01"  # lapsed big spenders have no line on or after this day

# fmt: off
TRANSACTION_COLUMNS = (
    "invoice_id", "product_id", "category", "description", "quantity", "unit_price", "invoice_date", "customer_id",
)
CUSTOMER_COLUMNS = (
    "customer_id", "customer_type", "province", "city", "industry", "age_band", "gender", "signup_date",
    "name", "phone", "email",
)
# fmt: on
FIRST_INVOICE = 500_001
PRICE_RISE, PRICE_RISE_DATE = 1.05, "2025-01-01"  # list price rise for every other product
LINES_PER_CUSTOMER = 20  # ~100,000 lines for the default 5,000 customers

EXISTING_SHARE = 0.35  # customers who signed up before the period
ENTERPRISE_SHARE = 0.20
NEVER_BOUGHT_SHARE = 0.08
LAPSED_SHARE = 0.03
CHURN_SHARE = 0.30
EXTREME_QUANTITY_MIN = 10_000
CUSTOMERS_PER_EXTREME_LINE = 2_500

#: Non-product codes (the cleaning defaults include them) and what they stand for.
NON_PRODUCT_CODES = {
    "POST": "运费 POSTAGE",
    "D": "折扣 Discount",
    "M": "手工调整 Manual",
    "BANK CHARGES": "银行手续费 Bank charges",
    "AMAZONFEE": "平台服务费 AMAZON FEE",
}
#: Target share of all lines for each kind of dirt (non-product lines per code).
DIRT_RATES = {
    "missing_customer_id": 0.030,
    "cancellation": 0.015,
    "return": 0.005,
    "duplicate": 0.008,
    "zero_price": 0.003,
    "negative_price": 0.0005,
    "POST": 0.015,
    "D": 0.003,
    "M": 0.001,
    "BANK CHARGES": 0.0005,
    "AMAZONFEE": 0.0005,
}

# fmt: off
# (code prefix, category, [(Chinese name, English name, list price in CNY), ...]) -- 20 each.
CATALOGUE = (
    ("EL", "electronics", [
        ("蓝牙耳机", "Bluetooth earbuds", 199), ("充电宝", "Power bank", 129), ("智能手表", "Smart watch", 899),
        ("USB-C数据线", "USB-C cable", 29), ("无线鼠标", "Wireless mouse", 79),
        ("机械键盘", "Mechanical keyboard", 399), ("27英寸显示器", "27-inch monitor", 1499),
        ("平板电脑", "Tablet", 2499), ("无线路由器", "Wi-Fi router", 299),
        ("移动固态硬盘", "Portable SSD", 599), ("蓝牙音箱", "Bluetooth speaker", 259), ("手机壳", "Phone case", 39),
        ("快速充电器", "Fast charger", 99), ("高清摄像头", "Webcam", 229), ("电子书阅读器", "E-reader", 998),
        ("降噪耳机", "Noise-cancelling headphones", 1299), ("智能插座", "Smart plug", 59),
        ("扩展坞", "USB-C dock", 349), ("游戏手柄", "Game controller", 279), ("迷你投影仪", "Mini projector", 1899),
    ]),
    ("HM", "home", [
        ("保温杯", "Vacuum flask", 89), ("床上四件套", "Bedding set", 399), ("纯棉浴巾", "Bath towel", 35),
        ("收纳箱", "Storage box", 49), ("护眼台灯", "Desk lamp", 129), ("空气净化器", "Air purifier", 1299),
        ("电饭煲", "Rice cooker", 459), ("不粘炒锅", "Wok", 199), ("餐具套装", "Dinnerware set", 169),
        ("香薰蜡烛", "Scented candle", 59), ("旋转拖把", "Spin mop", 119), ("衣架20只", "Hangers (20)", 29),
        ("记忆棉枕头", "Memory-foam pillow", 99), ("电水壶", "Electric kettle", 139), ("抱枕", "Cushion", 45),
        ("地毯", "Rug", 259), ("遮光窗帘", "Blackout curtains", 229), ("扫地机器人", "Robot vacuum", 1999),
        ("垃圾桶", "Waste bin", 39), ("保鲜盒", "Food containers", 69),
    ]),
    ("AP", "apparel", [
        ("纯棉T恤", "Cotton T-shirt", 79), ("牛仔裤", "Jeans", 259), ("羽绒服", "Down jacket", 899),
        ("跑步鞋", "Running shoes", 599), ("衬衫", "Shirt", 199), ("连衣裙", "Dress", 329), ("卫衣", "Hoodie", 229),
        ("袜子5双", "Socks (5 pairs)", 39), ("羊毛围巾", "Wool scarf", 129), ("棒球帽", "Cap", 69),
        ("风衣", "Trench coat", 799), ("毛衣", "Sweater", 299), ("运动短裤", "Shorts", 99), ("睡衣", "Pyjamas", 159),
        ("皮带", "Leather belt", 149), ("双肩包", "Backpack", 239), ("手套", "Gloves", 59),
        ("内衣3件装", "Underwear (3)", 89), ("拖鞋", "Slippers", 49), ("西装外套", "Blazer", 699),
    ]),
    ("FD", "food", [
        ("绿茶", "Green tea", 128), ("咖啡豆", "Coffee beans", 98), ("坚果礼盒", "Nut gift box", 168),
        ("东北大米5kg", "Rice 5 kg", 59), ("食用油5L", "Cooking oil 5 L", 79), ("纯牛奶整箱", "Milk (case)", 69),
        ("月饼礼盒", "Mooncake gift box", 198), ("黑巧克力", "Dark chocolate", 45), ("蜂蜜", "Honey", 88),
        ("方便面整箱", "Instant noodles (case)", 35), ("苏打饼干", "Crackers", 25), ("酱油", "Soy sauce", 18),
        ("橄榄油", "Olive oil", 119), ("燕麦片", "Oatmeal", 39), ("矿泉水整箱", "Mineral water (case)", 29),
        ("果干", "Dried fruit", 49), ("新疆红枣", "Red dates", 39), ("白酒", "Baijiu", 499),
        ("红葡萄酒", "Red wine", 189), ("零食大礼包", "Snack bundle", 99),
    ]),
    ("OF", "office", [
        ("中性笔12支", "Gel pens (12)", 15), ("A4打印纸", "A4 paper (500)", 29), ("笔记本", "Notebook", 12),
        ("文件夹", "File folders", 19), ("订书机", "Stapler", 25), ("计算器", "Calculator", 49),
        ("人体工学椅", "Ergonomic chair", 699), ("墨盒", "Ink cartridge", 159), ("白板", "Whiteboard", 199),
        ("便利贴", "Sticky notes", 9.9), ("碎纸机", "Shredder", 399), ("激光打印机", "Laser printer", 1299),
        ("标签打印机", "Label printer", 299), ("书立", "Bookends", 19), ("剪刀", "Scissors", 9.9),
        ("透明胶带6卷", "Tape (6 rolls)", 12), ("档案盒", "Archive box", 8.5), ("荧光笔", "Highlighters", 16),
        ("文件柜", "Filing cabinet", 899), ("会议桌", "Meeting table", 1599),
    ]),
)

# fmt: on

# Chance that a buyer's favourite category is electronics, home, apparel, food, office.
FAVOURITE_ENTERPRISE = (0.30, 0.10, 0.05, 0.15, 0.40)
FAVOURITE_INDIVIDUAL = (0.20, 0.25, 0.25, 0.20, 0.10)

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
    ``role`` (never_bought | lapsed | churned | active), the purchase window in day indices
    from 2024-01-01 (``window_start`` inclusive, ``window_end`` exclusive), the latent
    ``order_rate`` (orders per year before calibration) and ``basket`` size multiplier.
    """

    customers: pd.DataFrame
    profile: pd.DataFrame


@dataclass(frozen=True)
class Lines:
    """Simulated transaction lines (as written to transactions.csv) and what was planted.

    ``kind`` (aligned with ``transactions``) names the dirt each line carries: "" for a clean
    product line, a key of ``DIRT_RATES`` (non-product lines: their code) or "extreme_quantity".
    """

    transactions: pd.DataFrame
    kind: np.ndarray


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


def generate_population(*, customers: int = 5000, seed: int) -> Population:
    """Draw customers (public attributes) and their hidden roles and purchase windows.

    Role counts are exact shares of ``customers`` (rounded), not random, so a test can
    assert them; who gets which role is random.
    """
    if customers < 50:
        raise InputError(
            f"demo data: customers must be at least 50 (got {customers}) so every planted group has members"
        )
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
        }
    )
    return Population(customers=customers_frame, profile=profile)


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
        enterprise,
        "purchasing" + number + "@" + brand_py[brand] + ".example.cn",
        person_py + number + "@mail.example.cn",
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


def _catalogue() -> pd.DataFrame:
    """Products (with category and list price), then the non-product codes (neither)."""
    rows = [
        (f"{prefix}{i:03d}", category, f"{zh} {en}", float(price))
        for prefix, category, items in CATALOGUE
        for i, (zh, en, price) in enumerate(items, start=1)
    ]
    rows += [(code, None, description, np.nan) for code, description in NON_PRODUCT_CODES.items()]
    return pd.DataFrame(rows, columns=["product_id", "category", "description", "unit_price"])


def _part(invoice, seq, product, quantity, price, buyer, kind) -> pd.DataFrame:
    """One block of lines: invoice index, sort key within the invoice, catalogue row, quantity,
    unit price, buyer index (-1: guest) and the kind of dirt it carries ("" for none)."""
    return pd.DataFrame(
        {
            "invoice": invoice,
            "seq": seq,
            "product": product,
            "quantity": quantity,
            "price": price,
            "buyer": buyer,
            "kind": kind,
        }
    )


def _pick_products(
    rng: np.random.Generator, category: np.ndarray, n_per_category: int, prices: np.ndarray
) -> np.ndarray:
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


def _seconds_in_day(rng: np.random.Generator, size: int) -> np.ndarray:
    hours = np.asarray(HOUR_WEIGHTS, dtype=float)
    hour = rng.choice(24, size=size, p=hours / hours.sum())
    return hour * 3600 + rng.integers(0, 3600, size=size)


def _sample_days(rng: np.random.Generator, cumulative: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Days in [start, end) drawn with the seasonal intensity (inverse CDF on its running sum)."""
    target = cumulative[start] + rng.random(len(start)) * (cumulative[end] - cumulative[start])
    day = np.searchsorted(cumulative, target, side="right") - 1
    return np.clip(day, start, end - 1)


def generate_lines(population: Population, *, seed: int, lines_per_customer: float = LINES_PER_CUSTOMER) -> Lines:
    """Simulate every invoice line of the population over 2024-2025, dirt included.

    The order rate is calibrated so the file has about ``lines_per_customer`` lines per
    customer; dirt counts are exact shares (``DIRT_RATES``) of the expected total.
    """
    rng = _rng(seed, _STREAM_ORDERS)
    profile = population.profile
    n = len(profile)
    catalogue = _catalogue()
    n_categories = len(CATALOGUE)
    per_category = len(CATALOGUE[0][2])
    prices = catalogue["unit_price"].dropna().to_numpy()  # products only
    cumulative = np.concatenate([[0.0], np.cumsum(_day_intensity())])

    buyers = np.flatnonzero(profile["role"].to_numpy() != "never_bought")
    start = profile["window_start"].to_numpy()[buyers]
    end = profile["window_end"].to_numpy()[buyers]
    enterprise = profile["enterprise"].to_numpy()[buyers]
    basket = profile["basket"].to_numpy()[buyers]
    extra_lines = np.where(enterprise, 3.0, 1.6)

    # Calibrate the order rate so that product lines of known customers plus the added dirt
    # lines come to about lines_per_customer * n (duplicates removed within orders: ~3%).
    added = ("missing_customer_id", "cancellation", "return", "duplicate", *NON_PRODUCT_CODES)
    added_share = sum(DIRT_RATES[k] for k in added)
    target_base = lines_per_customer * n * (1 - added_share) / 0.97
    exposure = profile["order_rate"].to_numpy()[buyers] * (cumulative[end] - cumulative[start]) / 365.25
    scale = (target_base - (1 + extra_lines).sum()) / (exposure * (1 + extra_lines)).sum()
    n_orders = 1 + rng.poisson(scale * exposure)

    order_buyer = np.repeat(np.arange(len(buyers)), n_orders)
    order_day = _sample_days(rng, cumulative, start[order_buyer], end[order_buyer])
    # New customers place their first order within days of signing up.
    first = np.concatenate([[0], np.cumsum(n_orders)[:-1]])
    lag = rng.geometric(0.35, size=len(buyers)) - 1
    is_new = start > 0
    order_day[first[is_new]] = np.minimum(start + lag, end - 1)[is_new]
    order_time = order_day * DAY + _seconds_in_day(rng, len(order_day))

    n_lines = 1 + rng.poisson(extra_lines[order_buyer])
    line_order = np.repeat(np.arange(len(order_day)), n_lines)
    # Each buyer has a favourite category; offices and workshops lean to office supplies and
    # electronics, households to home, apparel and food.
    favourite = np.where(
        enterprise,
        rng.choice(n_categories, size=len(buyers), p=FAVOURITE_ENTERPRISE),
        rng.choice(n_categories, size=len(buyers), p=FAVOURITE_INDIVIDUAL),
    )
    line_buyer = order_buyer[line_order]
    any_category = rng.integers(n_categories, size=len(line_order))
    category = np.where(rng.random(len(line_order)) < 0.55, favourite[line_buyer], any_category)
    product = _pick_products(rng, category, per_category, prices)
    _, first_of_pair = np.unique(line_order * len(prices) + product, return_index=True)
    keep = np.sort(first_of_pair)  # one line per product within an order
    line_order, line_buyer, product = line_order[keep], line_buyer[keep], product[keep]
    noise = rng.lognormal(0.0, 0.5, size=len(keep))
    quantity = np.where(
        enterprise[line_buyer],
        np.clip(np.rint(3.0 * basket[line_buyer] * noise), 1, 2000),
        np.clip(np.rint(basket[line_buyer] ** 0.8 * noise), 1, 30),
    ).astype(np.int64)
    price = _list_price(prices, product, order_day[line_order])
    n_base = len(keep)

    dirt = _plant_dirt(
        _rng(seed, _STREAM_DIRT),
        n_customers=n,
        line_order=line_order,
        line_buyer=line_buyer,
        product=product,
        quantity=quantity,
        price=price,
        order_time=order_time,
        window_end=end,
        lapsed=profile["role"].to_numpy()[buyers] == "lapsed",
        prices=prices,
        cumulative=cumulative,
        expected_total=n_base / (1 - added_share),
        per_category=per_category,
    )

    # Invoices: known customers' orders, then guest orders, cancellation and return invoices,
    # numbered in time order (ties in that order of creation).
    blocks = [order_time, dirt["guest_time"], dirt["cancel_time"], dirt["return_time"]]
    offset_guest, offset_cancel, offset_return = np.cumsum([len(b) for b in blocks])[:3]
    inv_time = np.concatenate(blocks)
    inv_cancel = np.zeros(len(inv_time), dtype=bool)
    inv_cancel[offset_cancel:offset_return] = True
    rank = np.empty(len(inv_time), dtype=np.int64)
    rank[np.lexsort((np.arange(len(inv_time)), inv_time))] = np.arange(len(inv_time))

    # Lines sort by invoice number, then by seq: a duplicate (2i + 1) right after its original
    # (2i), non-product lines after the products of their order.
    seq = 2 * np.arange(n_base)
    dup, cancel, returned, guest = dirt["duplicate"], dirt["cancel"], dirt["return"], dirt["guest_invoice"]
    n_products = len(prices)
    parts = pd.concat(
        [
            _part(line_order, seq, dirt["product"], dirt["quantity"], dirt["price"], line_buyer, dirt["base_kind"]),
            _part(
                line_order[dup],
                seq[dup] + 1,
                dirt["product"][dup],
                dirt["quantity"][dup],
                dirt["price"][dup],
                line_buyer[dup],
                "duplicate",
            ),
            _part(
                offset_guest + guest,
                2 * np.arange(len(guest)),
                dirt["guest_product"],
                dirt["guest_quantity"],
                _list_price(prices, dirt["guest_product"], dirt["guest_time"][guest] // DAY),
                -1,
                "missing_customer_id",
            ),
            _part(
                offset_cancel + dirt["cancel_invoice"],
                seq[cancel],
                product[cancel],
                -quantity[cancel],
                price[cancel],
                line_buyer[cancel],
                "cancellation",
            ),
            _part(
                offset_return + dirt["return_invoice"],
                seq[returned],
                product[returned],
                dirt["return_quantity"],
                price[returned],
                line_buyer[returned],
                "return",
            ),
            _part(
                dirt["np_order"],
                2 * n_base + dirt["np_code"],
                n_products + dirt["np_code"],
                dirt["np_quantity"],
                dirt["np_price"],
                order_buyer[dirt["np_order"]],
                np.array(list(NON_PRODUCT_CODES))[dirt["np_code"]],
            ),
        ],
        ignore_index=True,
    )
    parts = parts.assign(number=rank[parts["invoice"].to_numpy()]).sort_values(["number", "seq"], kind="stable")
    invoice, item, buyer = (parts[c].to_numpy() for c in ("invoice", "product", "buyer"))

    number = (FIRST_INVOICE + rank[invoice]).astype(str).astype(object)
    ids = population.customers["customer_id"].to_numpy(dtype=object)
    transactions = pd.DataFrame(
        {
            "invoice_id": pd.array(np.where(inv_cancel[invoice], "C" + number, number), dtype="str"),
            "product_id": pd.array(catalogue["product_id"].to_numpy()[item], dtype="str"),
            "category": pd.array(catalogue["category"].to_numpy()[item], dtype="str"),
            "description": pd.array(catalogue["description"].to_numpy()[item], dtype="str"),
            "quantity": parts["quantity"].to_numpy(dtype=np.int64),
            "unit_price": np.round(parts["price"].to_numpy(dtype=float), 2),
            "invoice_date": PERIOD_START + inv_time[invoice].astype("timedelta64[s]"),
            "customer_id": pd.array(np.where(buyer >= 0, ids[buyers[np.maximum(buyer, 0)]], None), dtype="str"),
        }
    )
    kind = parts["kind"].to_numpy(dtype=str)
    return Lines(transactions=transactions, kind=kind)


def _plant_dirt(
    rng: np.random.Generator,
    *,
    n_customers: int,
    line_order: np.ndarray,
    line_buyer: np.ndarray,
    product: np.ndarray,
    quantity: np.ndarray,
    price: np.ndarray,
    order_time: np.ndarray,
    window_end: np.ndarray,
    lapsed: np.ndarray,
    prices: np.ndarray,
    cumulative: np.ndarray,
    expected_total: float,
    per_category: int,
) -> dict[str, np.ndarray]:
    """Choose disjoint sets of clean lines to spoil and build the added dirt lines.

    Cancellations and returns happen after their line and before the customer's window ends
    (so a lapsed customer has no line at all after lapsing); only lines with two days of
    window left are eligible.
    """
    count = {kind: round(rate * expected_total) for kind, rate in DIRT_RATES.items()}
    n_base = len(line_order)
    time = order_time[line_order]
    room = window_end[line_buyer] * DAY - time
    used = np.zeros(n_base, dtype=bool)
    permutation = rng.permutation(n_base)

    def take(k: int, eligible: np.ndarray) -> np.ndarray:
        candidates = permutation[eligible[permutation] & ~used[permutation]][:k]
        used[candidates] = True
        return np.sort(candidates)

    anywhere = np.ones(n_base, dtype=bool)
    cancel = take(count["cancellation"], room >= 2 * DAY)
    returned = take(count["return"], room >= 2 * DAY)
    duplicate = take(count["duplicate"], anywhere)
    zero = take(count["zero_price"], anywhere)
    negative = take(count["negative_price"], anywhere)
    extreme = take(max(1, round(n_customers / CUSTOMERS_PER_EXTREME_LINE)), ~lapsed[line_buyer])

    kind = np.full(n_base, "", dtype=object)
    kind[zero], kind[negative], kind[extreme] = "zero_price", "negative_price", "extreme_quantity"
    price = price.copy()
    price[zero] = 0.0
    price[negative] = -price[negative]
    cheap = np.flatnonzero(prices < 20)
    product = product.copy()
    product[extreme] = cheap[rng.integers(len(cheap), size=len(extreme))]
    price[extreme] = _list_price(prices, product[extreme], time[extreme] // DAY)
    quantity = quantity.copy()
    quantity[extreme] = rng.integers(EXTREME_QUANTITY_MIN, 90_000, size=len(extreme))

    # One cancellation (return) invoice per source order, minutes to two weeks (1-60 days) later.
    def follow_up(lines: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
        orders, invoice = np.unique(line_order[lines], return_inverse=True)
        first_line = lines[np.unique(invoice, return_index=True)[1]]
        latest = np.minimum(high, room[first_line] - 1)
        return invoice, order_time[orders] + rng.uniform(low, latest).astype(np.int64)

    cancel_invoice, cancel_time = follow_up(cancel, 600, 14 * DAY)
    return_invoice, return_time = follow_up(returned, DAY, 60 * DAY)
    return_quantity = -rng.integers(1, quantity[returned] + 1)

    # Guest orders: whole invoices without a customer id, exactly count lines in all.
    n_guest = count["missing_customer_id"]
    guest_lines = 1 + rng.poisson(1.0, size=max(n_guest, 1))
    n_guest_orders = int(np.searchsorted(np.cumsum(guest_lines), n_guest)) + 1 if n_guest else 0
    guest_lines = guest_lines[:n_guest_orders]
    if n_guest_orders:
        guest_lines[-1] -= guest_lines.sum() - n_guest
    guest_day = _sample_days(rng, cumulative, np.zeros(n_guest_orders, np.int64), np.full(n_guest_orders, DAYS))
    guest_time = guest_day * DAY + _seconds_in_day(rng, n_guest_orders)
    guest_invoice = np.repeat(np.arange(n_guest_orders), guest_lines)
    # The first product of a guest invoice follows popularity; the next ones step through the
    # catalogue, so products within an invoice are distinct and no exact duplicate arises by chance.
    guest_category = rng.integers(len(prices) // per_category, size=n_guest_orders)
    guest_first = _pick_products(rng, guest_category, per_category, prices)
    position = np.arange(n_guest) - np.repeat(np.cumsum(guest_lines) - guest_lines, guest_lines)
    guest_product = (guest_first[guest_invoice] + 37 * position) % len(prices)
    guest_quantity = 1 + rng.poisson(0.3, size=n_guest)

    # Non-product lines, each code on distinct orders of known customers.
    n_orders = len(order_time)
    np_order, np_code, np_quantity, np_price = [], [], [], []
    for code_index, code in enumerate(NON_PRODUCT_CODES):
        k = count[code]
        orders = np.sort(rng.choice(n_orders, size=k, replace=False))
        np_order.append(orders)
        np_code.append(np.full(k, code_index))
        np_quantity.append(np.full(k, -1 if code == "D" else 1))
        np_price.append(_non_product_prices(rng, code, k))

    return {
        "product": product,
        "quantity": quantity,
        "price": price,
        "base_kind": kind,
        "duplicate": duplicate,
        "cancel": cancel,
        "cancel_invoice": cancel_invoice,
        "cancel_time": cancel_time,
        "return": returned,
        "return_invoice": return_invoice,
        "return_time": return_time,
        "return_quantity": return_quantity,
        "guest_time": guest_time,
        "guest_invoice": guest_invoice,
        "guest_product": guest_product,
        "guest_quantity": guest_quantity,
        "np_order": np.concatenate(np_order),
        "np_code": np.concatenate(np_code),
        "np_quantity": np.concatenate(np_quantity),
        "np_price": np.concatenate(np_price),
    }


def _non_product_prices(rng: np.random.Generator, code: str, k: int) -> np.ndarray:
    """Unit prices of non-product lines: postage tiers, discounts, manual entries, fees."""
    if code == "POST":
        return rng.choice([8.0, 10.0, 12.0, 15.0, 20.0, 25.0], size=k)
    if code == "D":
        return np.round(rng.uniform(5, 120, size=k))
    if code == "M":
        return np.round(rng.uniform(1, 300, size=k), 2)
    if code == "BANK CHARGES":
        return np.full(k, 15.0)
    return np.round(rng.uniform(100, 2000, size=k), 2)  # AMAZONFEE
