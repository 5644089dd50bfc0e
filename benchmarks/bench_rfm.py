"""Benchmark: features + scores + all segment maps at 1M and 10M transaction lines.

Paths timed on the same synthetic data (canonical columns, 20 lines per customer on average):

* segkit pandas : engine.customer_table(pandas frame) + segments.segment_customers (all maps)
* segkit DuckDB : the same, aggregating a Parquet file in DuckDB (engine.scan)
* segkit BTYD   : rfm.btyd_summary on the pandas frame (the like-for-like baseline comparison)
* lifetimes     : lifetimes.utils.summary_data_from_transaction_data (freq "D"), when installed
* pymc-marketing: pymc_marketing.clv.utils.rfm_summary, when installed (0.19.3+ needs Python 3.12)

Usage: python benchmarks/bench_rfm.py [--sizes 1000000 10000000] [--repeat 1]
Prints a table: seconds, lines per second, and the speed-up over each baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.models import btyd as rfm
from segkit.prep import aggregate as engine
from segkit.value import segmentation as segments


def synthetic(lines: int, *, seed: int = 20240101) -> pd.DataFrame:
    """Canonical transactions: 20 lines per customer on average, ~3 lines per order, two years."""
    rng = np.random.default_rng(seed)
    customers = max(lines // 20, 1)
    cust = rng.zipf(1.3, lines) % customers
    order = cust * 1000 + rng.integers(0, 8, lines)  # up to 8 orders per customer
    start = np.datetime64("2024-01-01T00:00:00")
    day = (order * 7919) % 730  # every line of an order on the same day
    seconds = rng.integers(8 * 3600, 20 * 3600, lines)
    quantity = rng.integers(1, 6, lines).astype(float)
    price = rng.gamma(2.0, 8.0, lines).round(2)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(cust).map("C{:07d}".format).astype("str"),
            "order_id": pd.Series(order).astype("str"),
            "order_date": start + day.astype("timedelta64[D]") + seconds.astype("timedelta64[s]"),
            "product_id": pd.Series(rng.integers(0, 5000, lines)).astype("str"),
            "quantity": quantity,
            "unit_price": price,
            "amount": quantity * price,
        }
    )


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(lines: int, repeat: int) -> list[dict]:
    frame = synthetic(lines)
    end = frame["order_date"].max().normalize()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "t.parquet"
        frame.to_parquet(parquet, index=False)
        paths = {
            "segkit pandas (features+scores+maps)": lambda: segments.segment_customers(engine.customer_table(frame)),
            "segkit DuckDB (features+scores+maps)": lambda: segments.segment_customers(
                engine.customer_table(engine.scan(parquet, backend="duckdb"))
            ),
            "segkit BTYD summary (pandas)": lambda: rfm.btyd_summary(frame, observation_end=end, unit="D"),
        }
        try:
            from lifetimes.utils import summary_data_from_transaction_data

            paths["lifetimes summary_data_from_transaction_data"] = lambda: summary_data_from_transaction_data(
                frame, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end, freq="D"
            )
        except ImportError:
            print("lifetimes not installed: baseline skipped (pip install 'segkit[bench]')")
        try:
            from pymc_marketing.clv.utils import rfm_summary

            paths["pymc-marketing rfm_summary"] = lambda: rfm_summary(
                frame, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end, time_unit="D"
            )
        except ImportError:
            print("pymc-marketing not installed: baseline skipped (needs Python 3.12 for 0.19.3+)")
        for name, fn in paths.items():
            seconds = timed(fn, repeat)
            rows.append({"lines": lines, "path": name, "seconds": seconds, "lines_per_s": lines / seconds})
    out = pd.DataFrame(rows)
    for base in ("lifetimes", "pymc-marketing"):
        ref = out.loc[out["path"].str.startswith(base), "seconds"]
        if len(ref):
            out[f"x_vs_{base}"] = ref.iloc[0] / out["seconds"]
    return out.to_dict("records")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    table = pd.DataFrame([row for size in args.sizes for row in run(size, args.repeat)])
    with pd.option_context("display.width", 160, "display.max_columns", 10, "display.float_format", "{:,.2f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
