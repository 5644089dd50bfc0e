"""`segkit` command line: argument parsing only; the work is done by the modules it calls.

Exit codes: 0 success, 2 bad input (the message is printed on stderr), 1 a failed run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from segkit.core.errors import InputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segkit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write the seeded demo data set (transactions, customers, survey)")
    demo.add_argument("--out", type=Path, default=Path("data/raw/demo"), help="output folder")
    demo.add_argument("--customers", type=int, default=5000, help="number of customers (scales every file)")
    demo.add_argument("--seed", type=int, default=20240101, help="random seed (0 to 4294967295)")
    demo.add_argument("--force", action="store_true", help="overwrite files in --out that segkit did not write")

    clean = sub.add_parser("clean", help="load, validate and clean a transactions file")
    clean.add_argument("input", type=Path, help="CSV, Excel (.xlsx), Parquet or whitespace-separated file")
    source = clean.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="column preset: demo, online_retail, online_retail_ii, cdnow_master, cdnow_sample")
    source.add_argument("--mapping", type=Path, help="YAML file mapping canonical names to source columns")
    clean.add_argument("--encoding", help="text encoding of a CSV (default: detect UTF-8, UTF-8 with BOM, GB18030)")
    clean.add_argument("--out", type=Path, required=True, help="clean Parquet to write")
    clean.add_argument("--audit", type=Path, help="cleaning audit to write as JSON")

    run = sub.add_parser("run", help="execute the report notebooks for a config and render HTML")
    run.add_argument("config", type=Path, help="run configuration (YAML)")
    run.add_argument("--run-id", help="override the config's run_id")
    run.add_argument("--lang", choices=("en", "zh"), help="override the config's language")
    run.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks")
    return parser


def _demo_data(args: argparse.Namespace) -> int:
    from segkit import datasets

    paths = datasets.write_demo(args.out, customers=args.customers, seed=args.seed, overwrite=args.force)
    for path in paths:
        print(path)
    return 0


def _clean(args: argparse.Namespace) -> int:
    from segkit.pipeline.clean_file import clean_file

    print(
        clean_file(args.input, out=args.out, audit=args.audit, preset=args.preset, mapping=args.mapping, encoding=args.encoding)
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from segkit.pipeline import run

    return run.run(args.config, run_id=args.run_id, language=args.lang, only=args.only)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"demo-data": _demo_data, "clean": _clean, "run": _run}[args.command]
    try:
        return handler(args)
    except InputError as error:
        print(f"segkit: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
