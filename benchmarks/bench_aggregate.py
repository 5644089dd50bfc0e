"""Benchmark: clean + aggregate to one row per customer on pandas, DuckDB-from-Parquet and Spark.

Generates seeded synthetic canonical transaction lines (with the dirt the cleaning rules remove),
writes them to Parquet, then times each engine in its own subprocess so that peak memory
(resource.getrusage ru_maxrss; for Spark plus the JVM's VmHWM) belongs to that measurement alone.
Every timing starts from the Parquet file. The baseline is a plain pandas read + groupby with no
cleaning, from the same run on the same file.

    python benchmarks/bench_aggregate.py                       # 1M and 10M lines
    python benchmarks/bench_aggregate.py --rows 1000000 --no-spark
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK = 1_000_000
MEASUREMENTS = (
    ("baseline", "pandas groupby (no cleaning)"),
    ("pandas", "segkit pandas"),
    ("duckdb-agg", "segkit DuckDB, aggregate only"),
    ("duckdb", "segkit DuckDB"),
    ("spark", "segkit Spark local[2]"),
)


def synthetic_chunk(rows: int, *, seed: int, offset: int) -> pd.DataFrame:
    """Canonical lines: heavy-tailed customers, two years, ~2% cancellations, dirt at known rates."""
    rng = np.random.default_rng(seed)
    n_customers = max(rows // 20, 10)
    customer = np.minimum(rng.zipf(1.3, rows), n_customers) + rng.integers(0, n_customers, rows) * (rng.random(rows) < 0.7)
    order = offset // 5 + rng.integers(0, max(rows // 5, 1), rows)
    product = rng.integers(0, 4000, rows)
    quantity = rng.choice([1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0], rows)
    price = np.round(rng.lognormal(1.0, 0.8, rows), 2)
    seconds = rng.integers(0, 2 * 365 * 86400, rows)

    customer_id = pd.Series(np.char.add("CU", customer.astype("U7")), dtype="str").where(rng.random(rows) > 0.03)
    product_id = pd.Series(np.char.add("P", product.astype("U5")), dtype="str")
    product_id = product_id.where(rng.random(rows) > 0.01, "POST")
    price = np.where(rng.random(rows) < 0.003, 0.0, price)
    quantity = np.where(rng.random(rows) < 0.005, -quantity, quantity)  # returns
    df = pd.DataFrame(
        {
            "customer_id": customer_id,
            "order_id": pd.Series(order.astype("U9"), dtype="str"),
            "order_date": (np.datetime64("2024-01-01T00:00:00", "us") + seconds.astype("timedelta64[s]")).astype(
                "datetime64[us]"
            ),
            "product_id": product_id,
            "quantity": quantity,
            "unit_price": price,
        }
    )
    # The last 2.5% of the lines are replaced by cancellations of earlier lines (2%, a day later,
    # on a C-invoice) and exact copies of earlier lines (0.5%).
    n_cancel, n_copies = rows // 50, rows // 200
    sales = df.iloc[: rows - n_cancel - n_copies]
    cancel = sales.sample(n_cancel, random_state=seed)
    cancel = cancel.assign(
        order_id="C" + cancel["order_id"],
        quantity=-cancel["quantity"].abs(),
        order_date=cancel["order_date"] + pd.Timedelta(days=1),
    )
    copies = sales.sample(n_copies, random_state=seed + 1)
    out = pd.concat([sales, cancel, copies], ignore_index=True)
    return out.assign(amount=out["quantity"] * out["unit_price"])


def write_parquet(rows: int, path: Path, *, seed: int) -> None:
    """Write `rows` lines in chunks of a million, so generation memory stays flat too."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for start in range(0, rows, CHUNK):
        chunk = synthetic_chunk(min(CHUNK, rows - start), seed=seed + start // CHUNK, offset=start)
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def measure(engine_name: str, path: str, memory_limit: str) -> dict:
    """Run one measurement in this process and return seconds, customers and peak memory."""
    from segkit.prep import aggregate as engine
    from segkit.prep.cleaning import clean_transactions

    extra_mb = 0.0
    start = time.perf_counter()
    if engine_name == "baseline":
        df = pd.read_parquet(path)
        df = df[df["customer_id"].notna()].assign(day=lambda d: d["order_date"].dt.normalize())
        g = df.groupby("customer_id")
        table = g.agg(
            first_purchase=("order_date", "min"),
            last_purchase=("order_date", "max"),
            orders=("order_id", "nunique"),
            purchase_days=("day", "nunique"),
            revenue=("amount", "sum"),
            items=("quantity", "sum"),
            lines=("amount", "size"),
        )
    elif engine_name == "pandas":
        table = engine.customer_table(clean_transactions(engine.scan(path, backend="pandas")).clean)
    elif engine_name == "duckdb-agg":
        table = engine.customer_table(engine.scan(path, memory_limit=memory_limit))
    elif engine_name == "duckdb":
        table = engine.customer_table(clean_transactions(engine.scan(path, memory_limit=memory_limit)).clean)
    else:
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "6g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        start = time.perf_counter()  # session start-up is not part of the work
        table = engine.customer_table(clean_transactions(engine.scan(path, backend="spark", spark=spark)).clean)
        extra_mb = _jvm_peak_mb(spark)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + extra_mb
    return {"seconds": seconds, "customers": len(table), "peak_mb": peak_mb}


def _jvm_peak_mb(spark) -> float:
    pid = spark.sparkContext._gateway.proc.pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(rows: list[int], *, spark: bool, memory_limit: str, seed: int, workdir: Path) -> list[dict]:
    results = []
    for n in rows:
        path = workdir / f"lines_{n}.parquet"
        if not path.exists():
            print(f"generating {n:,} lines -> {path}", file=sys.stderr)
            write_parquet(n, path, seed=seed)
        for name, label in MEASUREMENTS:
            if name == "spark" and not spark:
                continue
            command = [sys.executable, __file__, "--measure", name, "--path", str(path), "--memory-limit", memory_limit]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{label} on {n:,} lines failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results.append({"rows": n, "engine": label, "name": name, **result})
            print(f"  {label:32s} {n:>12,} lines {result['seconds']:8.2f} s", file=sys.stderr)
    return results


def table(results: list[dict]) -> str:
    """Markdown table: rows/s, speed-up against the baseline of the same size, peak memory."""
    baseline = {r["rows"]: r["seconds"] for r in results if r["name"] == "baseline"}
    lines = [
        "| lines | engine | seconds | rows/s | vs baseline | peak RSS MB | customers |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = baseline.get(r["rows"], float("nan")) / r["seconds"]
        lines.append(
            f"| {r['rows']:,} | {r['engine']} | {r['seconds']:.2f} | {r['rows'] / r['seconds'] / 1e6:.1f}M | "
            f"{ratio:.2f}x | {r['peak_mb']:,.0f} | {r['customers']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="line counts to generate and time")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark measurement")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit (default 4GB)")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--workdir", type=Path, help="where to keep the generated Parquet files (default: a temporary folder)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure(args.measure, args.path, args.memory_limit)))
        return 0
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        results = run(args.rows, spark=not args.no_spark, memory_limit=args.memory_limit, seed=args.seed, workdir=args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="segkit-bench-") as tmp:
            results = run(args.rows, spark=not args.no_spark, memory_limit=args.memory_limit, seed=args.seed, workdir=Path(tmp))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
