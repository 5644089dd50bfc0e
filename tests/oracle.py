"""Plain-pandas reference implementation, used only by the tests as an oracle.

Written the obvious way (row loops, `groupby`, an explicit stack for cancellations) so that it
is easy to check by eye; `segkit.prep.cleaning` and `segkit.prep.aggregate` must agree with it on every backend.
"""

from __future__ import annotations

import re

import pandas as pd

from segkit.prep.options import RULES, CleaningOptions

CANONICAL = ["customer_id", "order_id", "order_date", "product_id", "quantity", "unit_price"]
KEY = ["customer_id", "product_id", "abs_qty", "unit_price"]


def rule_labels(frame: pd.DataFrame, options: CleaningOptions | None = None) -> pd.Series:
    """The rule that removes each row (first match in `RULES` order), or "" when it is kept."""
    opts = options or CleaningOptions()
    df = frame.reset_index(drop=True)
    columns = list(df.columns)
    cust = df["customer_id"]
    no_customer = cust.isna() | (cust.fillna("").str.strip() == "")
    is_cancel = df["order_id"].fillna("").str.startswith(opts.cancellation_prefix)
    duplicate = df.duplicated(subset=columns, keep="first")

    taken = pd.Series(False, index=df.index)
    if opts.cancellations == "drop_with_originals":
        live = ~no_customer & ~duplicate
        sale = live & ~is_cancel & (df["quantity"] > 0)
        # assign before filtering: a Series assigned to an empty frame would bring its own index back
        events = df.assign(abs_qty=df["quantity"].abs(), cancel=is_cancel)[live & (sale | is_cancel)]
        other = [c for c in columns if c not in ("order_date", "order_id")]
        events = events.sort_values(["order_date", "cancel", "order_id", *other], kind="stable")
        events = events[events.groupby(KEY, dropna=False)["cancel"].transform("any")]
        for _, group in events.groupby(KEY, sort=False, dropna=False):
            stack: list[int] = []
            for idx, cancel in zip(group.index, group["cancel"]):
                if cancel:
                    if stack:
                        taken[stack.pop()] = True  # the latest open sale before this cancellation
                else:
                    stack.append(idx)
    cancelled = is_cancel | taken if opts.cancellations != "keep" else pd.Series(False, index=df.index)

    code = df["product_id"].fillna("").str.strip()
    non_product = code.isin(opts.non_product_codes)
    if opts.non_product_regex:
        non_product |= code.map(lambda c: re.search(opts.non_product_regex, c) is not None).astype(bool)
    outside = pd.Series(False, index=df.index)
    if opts.date_start:
        outside |= df["order_date"] < pd.Timestamp(opts.date_start)
    if opts.date_end:
        outside |= df["order_date"] >= pd.Timestamp(opts.date_end) + pd.Timedelta(days=1)

    flags = {
        "missing_customer_id": no_customer & opts.missing_customer_id,
        "cancellations": cancelled,
        "returns": (df["quantity"] < 0) & ~is_cancel & opts.returns,
        "non_positive": ((df["quantity"] == 0) | (df["unit_price"] <= 0) | df["quantity"].isna() | df["unit_price"].isna())
        & opts.non_positive,
        "non_product": non_product & opts.non_product,
        "duplicates": duplicate & opts.duplicates,
        "date_window": outside,
    }
    labels = pd.Series("", index=df.index, dtype="str")
    for rule in RULES[:-1]:
        labels = labels.mask((labels == "") & flags[rule], rule)
    if opts.outliers:
        cap = opts.outlier_cap
        if cap is None:
            cap = df.loc[labels == "", "quantity"].quantile(opts.outlier_quantile)
        labels = labels.mask((labels == "") & (df["quantity"] > cap), "outliers")
    return labels


def audit(frame: pd.DataFrame, options: CleaningOptions | None = None) -> pd.DataFrame:
    """Rows and revenue removed per rule, from `rule_labels`."""
    labels = rule_labels(frame, options)
    amount = frame["amount"].reset_index(drop=True)
    return pd.DataFrame(
        {
            "rule": list(RULES),
            "rows_removed": [int((labels == r).sum()) for r in RULES],
            "revenue_removed": [float(amount[labels == r].sum()) for r in RULES],
        }
    )


def clean(frame: pd.DataFrame, options: CleaningOptions | None = None) -> pd.DataFrame:
    labels = rule_labels(frame, options)
    return frame.reset_index(drop=True)[labels == ""].reset_index(drop=True)


def customer_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with a plain pandas groupby."""
    df = frame[frame["customer_id"].notna()]
    df = df.assign(day=df["order_date"].dt.normalize())
    g = df.groupby("customer_id")
    out = pd.DataFrame(
        {
            "first_purchase": g["order_date"].min(),
            "last_purchase": g["order_date"].max(),
            "orders": g["order_id"].nunique(),
            "purchase_days": g["day"].nunique(),
            "revenue": g["amount"].sum(),
            "items": g["quantity"].sum(),
            "lines": g.size(),
        }
    ).reset_index()
    return out.sort_values("customer_id", ignore_index=True)


def order_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, order) with a plain pandas groupby."""
    df = frame[frame["customer_id"].notna()]
    g = df.groupby(["customer_id", "order_id"])
    out = pd.DataFrame(
        {"order_date": g["order_date"].min(), "amount": g["amount"].sum(), "items": g["quantity"].sum()}
    ).reset_index()
    return out.sort_values(["customer_id", "order_date", "order_id"], ignore_index=True)


def synthetic_transactions(lines: int = 2000, *, seed: int = 7) -> pd.DataFrame:
    """Canonical lines with every kind of dirt the rules handle, for backend comparisons.

    Used when the demo data is absent; small ranges of customers, products and days make
    ties, same-day orders and cancellation matches common.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n = lines
    customers = rng.integers(0, max(n // 15, 2), n)
    products = np.where(
        rng.random(n) < 0.05, rng.choice(["POST", "M", "DOT", "gift_0001_10"], n), [f"P{p}" for p in rng.integers(0, 30, n)]
    )
    orders = rng.integers(0, max(n // 4, 2), n)
    minutes = rng.integers(0, 60 * 24 * 90, n)
    quantity = rng.choice([1.0, 2.0, 3.0, 6.0, 12.0, 0.0, 500.0], n, p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.02, 0.03])
    price = rng.choice([0.5, 1.25, 2.1, 4.95, 0.0, -3.0], n, p=[0.3, 0.3, 0.2, 0.16, 0.02, 0.02])
    df = pd.DataFrame(
        {
            "customer_id": pd.array([f"CU{c:05d}" for c in customers], dtype="str"),
            "order_id": pd.array([f"{500000 + o}" for o in orders], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(minutes, unit="min"),
            "product_id": pd.array(products, dtype="str"),
            "quantity": quantity,
            "unit_price": price,
        }
    )
    returns = rng.random(n) < 0.02
    df.loc[returns, "quantity"] = -df.loc[returns, "quantity"]
    df.loc[rng.random(n) < 0.05, "customer_id"] = None
    # Cancellations: copies of earlier lines, later in time, negated, on a C-invoice.
    cancelled = df.sample(frac=0.08, random_state=seed)
    cancellations = cancelled.assign(
        order_id="C" + cancelled["order_id"],
        quantity=-cancelled["quantity"].abs(),
        order_date=cancelled["order_date"] + pd.to_timedelta(rng.integers(-2 * 60, 5 * 24 * 60, len(cancelled)), unit="min"),
    )
    duplicates = df.sample(frac=0.03, random_state=seed + 1)
    out = pd.concat([df, cancellations, duplicates], ignore_index=True).sample(frac=1.0, random_state=seed + 2)
    out["order_date"] = out["order_date"].astype("datetime64[us]")
    return out.assign(amount=out["quantity"] * out["unit_price"]).reset_index(drop=True)
