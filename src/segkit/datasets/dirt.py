"""Realistic dirt planted in the simulated invoice lines, at known rates and of known kinds.

`generate_lines` (in `segkit.datasets.lines`) calls `_plant_dirt` with the clean lines; the
dirt comes at the rates in ``DIRT_RATES`` (shares of all lines), and every planted line has
exactly one kind, so a count per kind is unambiguous:

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

import numpy as np

from segkit.datasets.population import DAY, DAYS, _list_price, _pick_products, _sample_days, _seconds_in_day

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
    protected: np.ndarray,
    uncancellable: np.ndarray,
    prices: np.ndarray,
    cumulative: np.ndarray,
    expected_total: float,
    per_category: int,
) -> dict[str, np.ndarray]:
    """Choose disjoint sets of clean lines to spoil and build the added dirt lines.

    Cancellations and returns happen after their line and before the customer's window ends
    (so a lapsed customer has no line at all after lapsing); only lines with two days of
    window left are eligible. ``protected`` lines (the first line of each order of the BTYD
    group) are never priced at zero or below or made extreme, and ``uncancellable`` ones (all the
    BTYD group's lines) never cancelled: the cleaning removes a cancelled sale by matching it to
    the latest earlier sale of the same customer, product, quantity and price, which may be a
    later order than the one planted. So every BTYD order keeps a line the cleaning keeps and the
    group's purchase days survive the cleaning as drawn.
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
    cancel = take(count["cancellation"], (room >= 2 * DAY) & ~uncancellable)
    returned = take(count["return"], room >= 2 * DAY)
    duplicate = take(count["duplicate"], anywhere)
    zero = take(count["zero_price"], ~protected)
    negative = take(count["negative_price"], ~protected)
    extreme = take(max(1, round(n_customers / CUSTOMERS_PER_EXTREME_LINE)), ~lapsed[line_buyer] & ~protected)

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
