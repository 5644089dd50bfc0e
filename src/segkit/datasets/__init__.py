"""Deterministic demo data: transactions, customers, the needs survey and the planted truth.

`write_demo` is what ``segkit demo-data`` and ``make demo`` call. The model behind the data is
described in `segkit.datasets.population` (customers, calendar) and `segkit.datasets.lines`
(orders and invoice lines), the dirt it carries in `segkit.datasets.dirt`; ``truth.json`` records
what was planted so tests and reviewers can check that the cleaning and the analyses recover it:

``generator``            module, version, seed, customers
``period``               start and end (2024-01-01, 2025-12-31)
``lines``, ``invoices``  row count and distinct invoice ids of transactions.csv
``definitions``          how each kind of dirt can be recognised in the file
``non_product_codes``    code -> description
``dirt``                 per kind: ``lines``, ``rate`` (share of all lines), ``target_rate``;
                         ``non_product`` adds ``by_code``, ``extreme_quantity`` adds
                         ``min_quantity`` and ``invoice_ids``
``never_bought``         ids in customers.csv with no line (potential customers)
``lapsed_big_spenders``  ``lapse_date`` (no line on or after it), ``ids``, ``inactive_from``
                         (id -> first day without activity)
``churned``              ``ids``, ``inactive_from``
``btyd_group``           customers whose purchase days follow the BG/NBD process exactly: ``ids``,
                         the true ``r``, ``alpha`` (rate per ``time_unit`` "W"), ``a``, ``b``,
                         ``first_purchase_from`` (earliest first purchase), ``first_purchase``
                         and ``purchase_days`` (distinct days) per id, ``alive_at_end`` (ids)
                         and ``notes``
``leaving_in_holdout``   steady buyers who stop in the holdout window: ``ids``, ``holdout_from``,
                         ``leave_from`` and ``fade_from`` (id -> day) and ``notes``
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.core.errors import InputError
from segkit.datasets.btyd_process import BTYD_A, BTYD_ALPHA, BTYD_B, BTYD_R
from segkit.datasets.dirt import DIRT_RATES, EXTREME_QUANTITY_MIN, NON_PRODUCT_CODES
from segkit.datasets.lines import TRANSACTION_COLUMNS, generate_lines
from segkit.datasets.population import (
    CUSTOMER_COLUMNS,
    FADE_BASKET,
    FADE_DAYS,
    FADE_SKIP,
    LAPSE_DATE,
    LEAVE_FROM,
    LEAVE_UNTIL,
    PERIOD_START,
    Population,
    generate_population,
)

DEFAULT_SEED = 20240101
DEFAULT_CUSTOMERS = 5000
GENERATOR_VERSION = 3
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

__all__ = [
    "CUSTOMER_COLUMNS",
    "DEFAULT_SEED",
    "TRANSACTION_COLUMNS",
    "DemoData",
    "generate_customers",
    "generate_demo",
    "generate_transactions",
    "write_demo",
]


@dataclass(frozen=True)
class DemoData:
    """The demo data set as written: the two tables and the planted truth (``truth.json``)."""

    customers: pd.DataFrame
    transactions: pd.DataFrame
    truth: dict


def generate_demo(*, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> DemoData:
    """Simulate ``customers`` customers and their 2024-2025 purchases (about 20 lines each).

    Same arguments, same data: every random draw comes from streams derived from ``seed``.
    """
    population = generate_population(customers=customers, seed=seed)
    lines = generate_lines(population, seed=seed)
    truth = _truth(population.profile, lines.transactions, lines.kind, customers=customers, seed=seed)
    truth.update(_planted_truth(population))
    return DemoData(customers=population.customers, transactions=lines.transactions, truth=truth)


def generate_customers(*, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """customers.csv as a DataFrame (``signup_date`` as datetime64; missing values as NA)."""
    return generate_population(customers=customers, seed=seed).customers


def generate_transactions(*, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """transactions.csv as a DataFrame (``invoice_date`` as datetime64; guest lines have NA ids)."""
    return generate_lines(generate_population(customers=customers, seed=seed), seed=seed).transactions


def _truth(profile: pd.DataFrame, transactions: pd.DataFrame, kind: np.ndarray, *, customers: int, seed: int) -> dict:
    """What was planted, in plain JSON types: groups of customers and dirt counts per kind."""
    total = len(transactions)

    def ids(role: str) -> list[str]:
        return sorted(profile.loc[profile["role"] == role, "customer_id"].tolist())

    def inactive_from(role: str) -> dict[str, str]:
        rows = profile[profile["role"] == role].sort_values("customer_id")
        days = PERIOD_START.astype("datetime64[D]") + rows["window_end"].to_numpy()
        return dict(zip(rows["customer_id"], np.datetime_as_string(days), strict=True))

    kinds = {k: int((kind == k).sum()) for k in (*DIRT_RATES, "extreme_quantity")}
    dirt = {
        k: {"lines": kinds[k], "rate": round(kinds[k] / total, 6), "target_rate": DIRT_RATES.get(k)}
        for k in ("missing_customer_id", "cancellation", "return", "duplicate", "zero_price", "negative_price")
    }
    non_product = {code: kinds[code] for code in NON_PRODUCT_CODES}
    dirt["non_product"] = {
        "lines": sum(non_product.values()),
        "rate": round(sum(non_product.values()) / total, 6),
        "target_rate": round(sum(DIRT_RATES[c] for c in NON_PRODUCT_CODES), 6),
        "by_code": non_product,
    }
    extreme = transactions[kind == "extreme_quantity"]
    dirt["extreme_quantity"] = {
        "lines": kinds["extreme_quantity"],
        "rate": round(kinds["extreme_quantity"] / total, 6),
        "target_rate": None,
        "min_quantity": EXTREME_QUANTITY_MIN,
        "invoice_ids": extreme["invoice_id"].tolist(),
    }
    return {
        "generator": {"module": "segkit.datasets", "version": GENERATOR_VERSION, "seed": seed, "customers": customers},
        "period": {"start": "2024-01-01", "end": "2025-12-31"},
        "lines": total,
        "invoices": int(transactions["invoice_id"].nunique()),
        "definitions": {
            "missing_customer_id": "guest invoices: every line has an empty customer_id",
            "cancellation": "invoice_id 'C'+number; quantity is minus that of an earlier line with the same "
            "customer_id, product_id and unit_price, at most 14 days before",
            "return": "normal invoice_id, product line with a negative quantity (part or all of an earlier line "
            "of the same customer, product and price, 1-60 days before)",
            "duplicate": "an exact copy of the line before it (every column equal)",
            "zero_price": "product line with unit_price 0",
            "negative_price": "product line with a negative unit_price",
            "non_product": "product_id one of " + ", ".join(NON_PRODUCT_CODES) + " (D has quantity -1)",
            "extreme_quantity": f"product line with quantity >= {EXTREME_QUANTITY_MIN:,}",
            "kinds": "every line has at most one kind; kinds are disjoint",
        },
        "non_product_codes": dict(NON_PRODUCT_CODES),
        "dirt": dirt,
        "never_bought": ids("never_bought"),
        "lapsed_big_spenders": {"lapse_date": LAPSE_DATE, "ids": ids("lapsed"), "inactive_from": inactive_from("lapsed")},
        "churned": {"ids": ids("churned"), "inactive_from": inactive_from("churned")},
    }


def _planted_truth(population: Population) -> dict:
    """The BTYD group (true BG/NBD parameters, first purchases) and the leaving group, as JSON types."""
    profile = population.profile
    origin = PERIOD_START.astype("datetime64[D]")

    def dates(rows: pd.DataFrame, column: str) -> dict[str, str]:
        days = origin + rows[column].to_numpy()
        return dict(zip(rows["customer_id"], np.datetime_as_string(days), strict=True))

    btyd = profile[profile["role"] == "btyd"].sort_values("customer_id")
    days = population.btyd_days.drop_duplicates()
    distinct = days.groupby("customer")["day"].size().reindex(btyd.index, fill_value=0)
    leaving = profile[profile["role"] == "leaving"].sort_values("customer_id")
    return {
        "btyd_group": {
            "ids": btyd["customer_id"].tolist(),
            "r": BTYD_R,
            "alpha": BTYD_ALPHA,
            "a": BTYD_A,
            "b": BTYD_B,
            "time_unit": "W",
            "first_purchase_from": str(origin + int(btyd["window_start"].min())) if len(btyd) else None,
            "first_purchase": dates(btyd, "window_start"),
            "purchase_days": dict(zip(btyd["customer_id"], distinct.astype(int).tolist(), strict=True)),
            "alive_at_end": btyd.loc[btyd["btyd_alive"], "customer_id"].tolist(),
            "notes": "newcomers who signed up in the period; first purchase 0-few days after signing up, then "
            "purchase rate lambda ~ Gamma(shape r, rate alpha) per week while alive and, after each repeat purchase, "
            "dropout with p ~ Beta(a, b); event times rounded to days (two on one day: two orders, one purchase day). "
            "Their lines are made and spoiled like everyone else's (returns, duplicates, non-product lines, zero "
            "and negative prices), except that none is cancelled and the first line of each order is never zero- or "
            "negative-priced or made extreme, so every purchase day keeps a line the default cleaning keeps: "
            "purchase_days counts the distinct days of kept lines.",
        },
        "leaving_in_holdout": {
            "ids": leaving["customer_id"].tolist(),
            "holdout_from": "2025-08-08",
            "leave_from": dates(leaving, "window_end"),
            "fade_from": dates(leaving, "fade_from"),
            "notes": f"steady buyers (signed up before 2025, order rate above the active customers' median) who buy "
            f"nothing from their leave_from day ({LEAVE_FROM} .. {LEAVE_UNTIL}) on; over the up to {FADE_DAYS} days "
            "before it (from fade_from) an order is skipped with a chance rising linearly to "
            f"{FADE_SKIP:.0%} and baskets shrink linearly to {FADE_BASKET:.0%} of their size.",
        },
    }


#: The files `write_demo` writes (the survey files when the survey generator is installed).
DEMO_FILES = ("transactions.csv", "customers.csv", "survey.csv", "needs.yaml", "complaints.csv", "risk.csv", "holdings.csv")


def _is_demo_folder(folder: Path) -> bool:
    """True when `folder`'s truth.json says segkit's generator wrote it (its files may be rewritten)."""
    try:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(truth, dict) and truth.get("generator", {}).get("module") == "segkit.datasets"


def write_demo(
    out_dir: Path | str, *, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED, overwrite: bool = False
) -> list[Path]:
    """Write transactions.csv, customers.csv, the survey files and truth.json to ``out_dir``.

    Files are written to a temporary folder beside the targets and then moved into place
    with `os.replace`, so a reader never sees a half-written file and a failed run leaves
    the previous files intact. A folder that holds files of the same names which segkit did not
    write (no segkit truth.json beside them: a user's own transactions.csv) is refused unless
    `overwrite`. Returns the paths written.

    Raises
    ------
    InputError
        When `out_dir` is a file or cannot be written, would overwrite files segkit did not write,
        or `customers` / `seed` are out of range.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: is a file, not a folder; give a folder for the demo data")
    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError(f"demo data: seed must be a whole number from 0 to {2**32 - 1}, got {seed!r}")
    taken = [name for name in (*DEMO_FILES, "truth.json") if (out_dir / name).exists()]
    if taken and not overwrite and not _is_demo_folder(out_dir):
        raise InputError(
            f"{out_dir}: holds {', '.join(taken)} that segkit did not write; choose another folder "
            "or pass --force to overwrite them"
        )
    data = generate_demo(customers=customers, seed=seed)  # checks `customers` before anything is written
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{out_dir}: cannot create the folder ({error.strerror})") from None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=out_dir))
    except OSError as error:
        raise InputError(f"{out_dir}: cannot write the demo data there ({error.strerror})") from None
    try:
        written = [staging / "transactions.csv", staging / "customers.csv"]
        data.transactions.to_csv(written[0], index=False, date_format=DATE_FORMAT, float_format="%.2f", lineterminator="\n")
        data.customers.to_csv(written[1], index=False, date_format="%Y-%m-%d", lineterminator="\n")
        if importlib.util.find_spec("segkit.datasets.survey") is not None:
            survey = importlib.import_module("segkit.datasets.survey")
            written += survey.write_survey_files(staging, data.customers, data.transactions, seed=seed)
        written.append(staging / "truth.json")
        written[-1].write_text(json.dumps(data.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        targets = []
        for path in written:
            target = out_dir / Path(path).relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            targets.append(target)
        return targets
    finally:
        shutil.rmtree(staging, ignore_errors=True)
