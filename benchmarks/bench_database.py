"""Benchmark: reading transactions from PostgreSQL (`segkit.intake.database`) against hand-written reads.

A throwaway PostgreSQL cluster (the tests' `throwaway_postgres`, Debian's server binaries) holds
the seeded synthetic lines of `bench_aggregate.synthetic_chunk` in a table ``orders`` with the
seven canonical columns as a shop database types them (text ids, integer quantity, NUMERIC(12, 2)
money, timestamp) plus four text columns of 32 characters a CRM table carries besides (notes,
hashes), which a mapping does not name. Each job runs in its own process (peak RSS from
``ru_maxrss`` belongs to it alone). The baseline, measured in the same run, is the hand-written
ADBC query that selects the seven columns and fetches them as one Arrow table: the cost of moving
the data, without validation.

    python benchmarks/bench_database.py --rows 1000000
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

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from bench_aggregate import write_parquet  # noqa: E402
from throwaway_postgres import Unavailable, throwaway_server  # noqa: E402

COLUMNS = ("customer_id", "order_id", "order_date", "product_id", "quantity", "unit_price", "amount")
MAPPING = {c: c for c in COLUMNS}
JOBS = (
    "hand ADBC: SELECT the 7 mapped columns to Arrow",
    "hand ADBC: SELECT * (11 columns) to Arrow",
    "segkit load_transactions(DatabaseSource)",
    "psql COPY to CSV, then segkit load_transactions(CSV)",
)


def measure(job: str, url: str, work: str) -> dict:
    """Run one job in this process: seconds, peak RSS and the lines read."""
    clock = time.perf_counter()
    if job.startswith("hand ADBC"):
        from adbc_driver_postgresql import dbapi

        chosen = "*" if "SELECT *" in job else ", ".join(COLUMNS)
        with dbapi.connect(url) as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {chosen} FROM orders")
            lines = cur.fetch_arrow_table().num_rows
    elif job.startswith("segkit"):
        from segkit.intake import DatabaseSource, load_transactions

        lines = len(load_transactions(DatabaseSource(url, table="orders"), mapping=MAPPING))
    else:
        from segkit.intake import load_transactions

        path = Path(work) / "orders.csv"
        copy = f"\\copy (SELECT {', '.join(COLUMNS)} FROM orders) TO '{path}' WITH (FORMAT csv, HEADER)"
        subprocess.run(["psql", url, "-q", "-c", copy], check=True)
        lines = len(load_transactions(path, mapping=MAPPING))
    return {
        "seconds": time.perf_counter() - clock,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "lines": lines,
    }


def load_table(url: str, rows: int, work: Path, *, seed: int) -> None:
    """The synthetic lines into ``orders``, typed, with four extra text columns."""
    import pyarrow.parquet as pq
    from adbc_driver_postgresql import dbapi

    path = work / f"lines-{rows}.parquet"
    write_parquet(rows, path, seed=seed)
    with dbapi.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS orders_raw")
            cur.execute("DROP TABLE IF EXISTS orders")
            cur.adbc_ingest("orders_raw", pq.read_table(path, columns=list(COLUMNS)), mode="create")
            cur.execute(
                "CREATE TABLE orders AS SELECT customer_id, order_id, order_date::timestamp AS order_date, product_id, "
                "quantity::integer AS quantity, unit_price::numeric(12, 2) AS unit_price, amount::numeric(12, 2) AS amount, "
                "md5(order_id) AS note_1, md5(product_id) AS note_2, md5(coalesce(customer_id, '')) AS note_3, "
                "md5(order_id || product_id) AS note_4 FROM orders_raw"
            )
            cur.execute("DROP TABLE orders_raw")
        conn.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", nargs=3, metavar=("JOB", "URL", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    try:
        server = throwaway_server()
        started = server.__enter__()
    except Unavailable as why:
        print(f"bench_database: skipped: {why}")
        return 0
    try:
        print(
            "| lines | job | seconds | vs hand ADBC (7 columns) | peak RSS MB | lines read |\n| ---: | --- | ---: | ---: | ---: | ---: |"
        )
        with tempfile.TemporaryDirectory() as work:
            for rows in args.rows:
                load_table(started.url, rows, Path(work), seed=args.seed)
                base = None
                for job in JOBS:
                    done = subprocess.run(
                        [sys.executable, __file__, "--measure", job, started.url, work],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    base = base or result["seconds"]
                    print(
                        f"| {rows:,} | {job} | {result['seconds']:.2f} | {base / result['seconds']:.2f}x | "
                        f"{result['peak_mb']:,.0f} | {result['lines']:,} |",
                        flush=True,
                    )
    finally:
        server.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
