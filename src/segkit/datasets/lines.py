"""Simulated invoice lines: the product catalogue, the customers' orders and the lines in them.

`generate_lines` turns a `Population` (`segkit.datasets.population`) into the rows of
transactions.csv, with the dirt of `segkit.datasets.dirt` planted in them:

- **Orders**: a customer's order rate and basket size share one latent "loyalty" factor, with
  lognormal noise, so spend is heavy-tailed (the top 20% of customers bring roughly 80% of
  revenue); enterprises order more often and buy larger quantities. Order days follow the
  seasonal calendar of `segkit.datasets.population`, except the BTYD group's, whose days are
  given (the BG/NBD process); leaving customers skip ever more orders and buy ever smaller
  baskets before they leave.
- **Lines**: each order has 1 + Poisson lines, distinct products, quantity from the customer's
  basket size; unit price is the catalogue list price of the day (every other product costs 5%
  more from 2025-01-01); unit cost is a fixed share of the list price per category
  (`COST_RATIOS`), empty for the non-product codes.
- **Invoices** are numbered in time order from ``FIRST_INVOICE``: known customers' orders,
  guest orders, cancellation and return invoices alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.datasets.dirt import DIRT_RATES, NON_PRODUCT_CODES, _plant_dirt
from segkit.datasets.population import (
    _STREAM_DIRT,
    _STREAM_ORDERS,
    DAY,
    FADE_BASKET,
    FADE_SKIP,
    PERIOD_START,
    Population,
    _day_intensity,
    _list_price,
    _pick_products,
    _rng,
    _sample_days,
    _seconds_in_day,
)

# fmt: off
TRANSACTION_COLUMNS = (
    "invoice_id", "product_id", "category", "description", "quantity", "unit_price", "unit_cost", "invoice_date",
    "customer_id",
)
# fmt: on
FIRST_INVOICE = 500_001
LINES_PER_CUSTOMER = 20  # ~100,000 lines for the default 5,000 customers

# fmt: off
#: Cost of goods as a share of the list price, per category: a product's unit cost is fixed over the
#: two years (the 5 % price rise of 2025 widens its margin).
COST_RATIOS = {"electronics": 0.70, "home": 0.55, "apparel": 0.40, "food": 0.65, "office": 0.50}
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


@dataclass(frozen=True)
class Lines:
    """Simulated transaction lines (as written to transactions.csv) and what was planted.

    ``kind`` (aligned with ``transactions``) names the dirt each line carries: "" for a clean
    product line, a key of ``DIRT_RATES`` (non-product lines: their code) or "extreme_quantity".
    """

    transactions: pd.DataFrame
    kind: np.ndarray


def _catalogue() -> pd.DataFrame:
    """Products (with category and list price), then the non-product codes (neither)."""
    rows = [
        (f"{prefix}{i:03d}", category, f"{zh} {en}", float(price), round(price * COST_RATIOS[category], 2))
        for prefix, category, items in CATALOGUE
        for i, (zh, en, price) in enumerate(items, start=1)
    ]
    rows += [(code, None, description, np.nan, np.nan) for code, description in NON_PRODUCT_CODES.items()]
    return pd.DataFrame(rows, columns=["product_id", "category", "description", "unit_price", "unit_cost"])


def _part(invoice, seq, product, quantity, price, buyer, kind) -> pd.DataFrame:
    """One block of lines: invoice index, sort key within the invoice, catalogue row, quantity,
    unit price, buyer index (-1: guest) and the kind of dirt it carries ("" for none)."""
    return pd.DataFrame(
        {"invoice": invoice, "seq": seq, "product": product, "quantity": quantity, "price": price, "buyer": buyer, "kind": kind}
    )


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

    role = profile["role"].to_numpy()
    buyers = np.flatnonzero(role != "never_bought")
    start = profile["window_start"].to_numpy()[buyers]
    end = profile["window_end"].to_numpy()[buyers]
    enterprise = profile["enterprise"].to_numpy()[buyers]
    basket = profile["basket"].to_numpy()[buyers]
    extra_lines = np.where(enterprise, 3.0, 1.6)
    btyd = role[buyers] == "btyd"
    fade_from = profile["fade_from"].to_numpy()[buyers]
    btyd_orders = np.zeros(len(buyers), dtype=np.int64)
    btyd_orders[btyd] = np.bincount(population.btyd_days["customer"].to_numpy(), minlength=n)[buyers[btyd]]

    # Calibrate the order rate so that product lines of known customers plus the added dirt
    # lines come to about lines_per_customer * n (duplicates removed within orders: ~3%); the
    # BTYD group's orders are given, the others' rate fills the rest.
    added = ("missing_customer_id", "cancellation", "return", "duplicate", *NON_PRODUCT_CODES)
    added_share = sum(DIRT_RATES[k] for k in added)
    target_base = lines_per_customer * n * (1 - added_share) / 0.97
    exposure = profile["order_rate"].to_numpy()[buyers] * (cumulative[end] - cumulative[start]) / 365.25
    exposure = np.where(btyd, 0.0, exposure)
    given = (btyd_orders * (1 + extra_lines)).sum() + (1 + extra_lines)[~btyd].sum()
    scale = max(target_base - given, 0.0) / max((exposure * (1 + extra_lines)).sum(), 1e-9)
    n_orders = np.where(btyd, btyd_orders, 1 + rng.poisson(scale * exposure))

    order_buyer = np.repeat(np.arange(len(buyers)), n_orders)
    order_day = _sample_days(rng, cumulative, start[order_buyer], end[order_buyer])
    # New customers place their first order within days of signing up.
    first = np.concatenate([[0], np.cumsum(n_orders)[:-1]])
    lag = rng.geometric(0.35, size=len(buyers)) - 1
    is_new = (start > 0) & ~btyd
    order_day[first[is_new]] = np.minimum(start + lag, end - 1)[is_new]
    # The BTYD group's purchase days come from the BG/NBD process (sorted by customer and day,
    # as the order rows are).
    order_day[btyd[order_buyer]] = population.btyd_days["day"].to_numpy()
    # Leaving customers fade: from fade_from on, an order is skipped with a chance rising to
    # FADE_SKIP on the leaving day (growing gaps) and baskets shrink to FADE_BASKET (falling spend).
    fade = np.where(
        fade_from[order_buyer] >= 0,
        np.clip((order_day - fade_from[order_buyer]) / np.maximum(end - fade_from, 1)[order_buyer], 0.0, 1.0),
        0.0,
    )
    kept = rng.random(len(order_day)) >= FADE_SKIP * fade
    order_buyer, order_day, fade = order_buyer[kept], order_day[kept], fade[kept]
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
    noise = rng.lognormal(0.0, 0.5, size=len(keep)) * (1 - (1 - FADE_BASKET) * fade[line_order])
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
        lapsed=role[buyers] == "lapsed",
        protected=btyd[line_buyer] & np.concatenate([[True], line_order[1:] != line_order[:-1]]),
        uncancellable=btyd[line_buyer],
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
            "unit_cost": catalogue["unit_cost"].to_numpy()[item],  # empty for non-product codes
            "invoice_date": PERIOD_START + inv_time[invoice].astype("timedelta64[s]"),
            "customer_id": pd.array(np.where(buyer >= 0, ids[buyers[np.maximum(buyer, 0)]], None), dtype="str"),
        }
    )
    kind = parts["kind"].to_numpy(dtype=str)
    return Lines(transactions=transactions, kind=kind)
