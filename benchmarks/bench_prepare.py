"""Benchmark: the prepare step of a run (`segkit.pipeline.prepare.prepare`) on pandas and DuckDB.

What every `segkit run` does once before its reports: intake of a transaction file, cleaning,
aggregation per customer / order / purchase day, the fitted segmentation and the lifecycle
stages. Each job runs in its own process (peak RSS from ``ru_maxrss`` belongs to it alone), on
the same seeded synthetic Parquet file (`bench_aggregate.synthetic_chunk`, with the dirt the
cleaning removes). The baseline, measured in the same run, is a hand-written DuckDB query doing
the per-customer aggregation (first/last purchase, distinct orders and days, revenue) over the
raw file without any cleaning: the ceiling of the aggregation alone.

    python benchmarks/bench_prepare.py --rows 1000000
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
from bench_aggregate import write_parquet  # noqa: E402

MAPPING = {c: c for c in ("customer_id", "order_id", "order_date", "product_id", "quantity", "unit_price", "amount")}
BASELINE_SQL = """
SELECT customer_id, min(order_date), max(order_date), count(DISTINCT order_id),
       count(DISTINCT date_trunc('day', order_date)), sum(amount)
FROM read_parquet(?) WHERE customer_id IS NOT NULL GROUP BY customer_id
"""


def measure(job: str, path: str, out: str) -> dict:
    clock = time.perf_counter()
    if job == "duckdb SQL (aggregate only, no cleaning)":
        import duckdb

        customers = len(duckdb.connect().execute(BASELINE_SQL, [path]).fetchall())
    else:
        from segkit.pipeline.config import InputFile
        from segkit.pipeline.prepare import prepare

        engine = job.split()[-1]
        run = prepare({"transactions": InputFile(path=Path(path), mapping=MAPPING)}, out, engine=engine)
        customers = len(run.customer_table)
    seconds = time.perf_counter() - clock
    return {
        "job": job,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "customers": customers,
    }


def same_tables(pandas_dir: Path, other_dir: Path) -> str:
    """ "yes" when the per-customer table and every customer's scores, segments and stage are identical."""
    import pandas as pd

    for name in ("customer_table.parquet", "customers.parquet", "visits.parquet"):
        try:
            pd.testing.assert_frame_equal(pd.read_parquet(pandas_dir / name), pd.read_parquet(other_dir / name))
        except AssertionError as error:
            return f"no: {name}: {str(error).splitlines()[0]}"
    return "yes"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", nargs=3, metavar=("JOB", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    jobs = ("duckdb SQL (aggregate only, no cleaning)", "segkit prepare, engine pandas", "segkit prepare, engine duckdb")
    print(
        "| lines | job | seconds | vs SQL baseline | peak RSS MB | customers | same tables as pandas |\n"
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |"
    )
    with tempfile.TemporaryDirectory() as work:
        for rows in args.rows:
            path = Path(work) / f"lines-{rows}.parquet"
            write_parquet(rows, path, seed=args.seed)
            base = None
            for job in jobs:
                out = Path(work) / f"prepared-{job.split()[-1]}"
                done = subprocess.run(
                    [sys.executable, __file__, "--measure", job, str(path), str(out)], capture_output=True, text=True, check=True
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
                base = base or result["seconds"]
                same = same_tables(Path(work) / "prepared-pandas", out) if job.endswith("duckdb") else "-"
                print(
                    f"| {rows:,} | {job} | {result['seconds']:.2f} | {base / result['seconds']:.2f}x | "
                    f"{result['peak_mb']:,.0f} | {result['customers']:,} | {same} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
