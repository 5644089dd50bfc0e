"""Which engine a run cleans and aggregates on: the config's choice, or for ``auto`` by the size of the input."""

from __future__ import annotations

from pathlib import Path

from segkit.core.errors import InputError
from segkit.pipeline.config import ENGINES

#: `engine: auto` moves to DuckDB for transaction files above this size (bytes).
AUTO_DUCKDB_BYTES = 256 * 1024 * 1024
#: ... and for database tables above this many lines (about the same data as `AUTO_DUCKDB_BYTES` of CSV).
AUTO_DUCKDB_ROWS = 3_000_000


def choose_engine(engine: str, transactions: Path | None, *, rows: int | None = None) -> str:
    """The engine a run uses: `engine` itself, or for ``auto`` DuckDB above `AUTO_DUCKDB_BYTES`.

    A database input has no file: then ``auto`` takes DuckDB above `AUTO_DUCKDB_ROWS` lines read.
    """
    if engine not in ENGINES:
        raise InputError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if transactions is None:
        return "duckdb" if rows is not None and rows > AUTO_DUCKDB_ROWS else "pandas"
    big = transactions.stat().st_size > AUTO_DUCKDB_BYTES
    return "duckdb" if big else "pandas"
