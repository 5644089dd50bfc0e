"""Databases as inputs: a table or a SQL query over a connection URL, read through ADBC.

PostgreSQL is read with the ADBC PostgreSQL driver (``adbc-driver-postgresql``), which speaks
libpq's protocol and hands the rows over as Arrow columns: no Python object per row, and only
the columns the mapping names travel (the projection is pushed down into the ``SELECT``).
Rows are not filtered in the database: the cleaning audit counts every line it drops
(raw = kept + dropped), so a row the database left out would be a row the audit never saw. A
``query`` is the place for filters the user wants (``WHERE order_date >= '2024-01-01'``); the
manifest records it.

The password follows libpq's conventions and never the config: ``PGPASSWORD``, ``~/.pgpass``
(``PGPASSFILE``) or a service file (``PGSERVICE``, ``service=`` in the URL). A URL that holds a
password is refused, and every message and record shows the URL without one.

MySQL, SQL Server, Snowflake, BigQuery and other warehouses take the same path with their own
ADBC driver (``adbc-driver-flightsql``, ``adbc-driver-snowflake``, ``adbc-driver-bigquery``);
only PostgreSQL is wired and tested here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pandas as pd
import pyarrow as pa

from segkit.core.errors import InputError

#: URL schemes read by the PostgreSQL driver.
POSTGRES_SCHEMES = ("postgresql", "postgres")


def redact_url(url: str) -> str:
    """`url` without a password (in the user part or as a ``password=`` parameter), for messages.

    Parameters
    ----------
    url : str
        A connection URL such as ``postgresql://user:secret@host:5432/db``.

    Returns
    -------
    str
        The same URL with the password left out (``postgresql://user@host:5432/db``).
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "password")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def check_url(url: object, *, where: str = "database") -> str:
    """`url` if it is a PostgreSQL connection URL without a password, else `InputError`.

    Parameters
    ----------
    url : object
        The ``url`` value of a config input.
    where : str, default "database"
        Where the URL was given, for messages (``run.yaml: inputs.transactions``).

    Returns
    -------
    str
        The URL unchanged.

    Raises
    ------
    InputError
        When the URL is not text, not ``postgresql://``, or holds a password (the password is
        never echoed).
    """
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: 'url' must be a connection URL such as postgresql://USER@HOST:PORT/DB")
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise InputError(
            f"{where}: url {redact_url(url)!r}: only PostgreSQL URLs (postgresql://USER@HOST:PORT/DB) are read; "
            "other databases take the same path with their own ADBC driver"
        )
    secret = "@" in parts.netloc and ":" in parts.netloc.rsplit("@", 1)[0]
    secret = secret or any(k.lower() == "password" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    if secret:
        raise InputError(
            f"{where}: the url holds a password ({redact_url(url)!r} without it); remove it and give the password "
            "through PGPASSWORD, ~/.pgpass or a service file, never in the config"
        )
    return url


@dataclass(frozen=True)
class DatabaseSource:
    """A table or a query in a database, named by a connection URL without a password.

    Parameters
    ----------
    url : str
        ``postgresql://USER@HOST:PORT/DB`` (libpq URL; the password comes from libpq's conventions).
    table : str, optional
        A table or view, optionally schema-qualified (``sales.orders``).
    query : str, optional
        A ``SELECT`` statement, instead of `table`.
    """

    url: str
    table: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        check_url(self.url)
        if (self.table is None) == (self.query is None):
            raise InputError(f"{redact_url(self.url)}: give exactly one of 'table' or 'query'")
        if self.table is not None and (not isinstance(self.table, str) or not self.table.strip()):
            raise InputError(f"{redact_url(self.url)}: 'table' must name a table, e.g. orders or sales.orders")
        if self.query is not None and (not isinstance(self.query, str) or not self.query.strip()):
            raise InputError(f"{redact_url(self.url)}: 'query' must be a SELECT statement")

    @property
    def label(self) -> str:
        """How messages and records name this source: the URL without a password, and the table."""
        what = f"table {self.table}" if self.table is not None else "query"
        return f"{redact_url(self.url)} ({what})"

    def record(self) -> dict[str, str]:
        """The source as the manifest records it (no password)."""
        out = {"url": redact_url(self.url)}
        return {**out, "table": self.table} if self.table is not None else {**out, "query": str(self.query)}

    def _relation(self) -> str:
        if self.table is not None:
            return ".".join(_quote(part) for part in self.table.split("."))
        return f"({str(self.query).strip().rstrip(';')}) AS segkit_query"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(source: DatabaseSource) -> Any:
    try:
        from adbc_driver_postgresql import dbapi
    except ImportError as exc:  # pragma: no cover - a dependency of segkit
        raise InputError(
            "reading PostgreSQL needs the package adbc-driver-postgresql (pip install adbc-driver-postgresql)"
        ) from exc
    try:
        return dbapi.connect(source.url)
    except Exception as exc:  # the driver's own errors: connection refused, authentication failed ...
        raise InputError(f"{source.label}: cannot connect: {_driver_message(exc, source)}") from None


def _driver_message(exc: Exception, source: DatabaseSource) -> str:
    """The driver's first line, with the URL as given replaced by its redacted form."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace(source.url, redact_url(source.url))


def source_schema(source: DatabaseSource) -> pa.Schema:
    """The columns of `source` with their Arrow types and PostgreSQL type names (a ``LIMIT 0`` query).

    Parameters
    ----------
    source : DatabaseSource
        The table or query.

    Returns
    -------
    pyarrow.Schema
        One field per column, in the database's order; the field metadata carry the PostgreSQL
        type (``POSTGRESQL:type``).

    Raises
    ------
    InputError
        When the server cannot be reached or the table or query does not exist.
    """
    return _fetch(source, f"SELECT * FROM {source._relation()} LIMIT 0").schema


#: PostgreSQL types cast in the SELECT so that they arrive typed: NUMERIC (which the driver hands
#: over as text) as double precision, dates and time-zone timestamps as timestamps (in the
#: session's time zone, as psql shows them).
CASTS = {"numeric": "double precision", "date": "timestamp", "timestamptz": "timestamp"}


def _pg_type(field: pa.Field) -> str:
    return (field.metadata or {}).get(b"POSTGRESQL:type", b"").decode()


def read_database(
    source: DatabaseSource, *, columns: Sequence[str] | None = None, schema: pa.Schema | None = None
) -> pd.DataFrame:
    """The rows of `source` as a pandas frame, only `columns` read (all when None).

    NUMERIC columns are cast to double precision and dates and ``timestamptz`` to timestamps in
    the ``SELECT`` (`CASTS`); text arrives as ``str``, integers as integers. Intake then maps,
    parses and checks the columns like a file's.

    Parameters
    ----------
    source : DatabaseSource
        The table or query.
    columns : sequence of str, optional
        The source columns to select (pushed down into the ``SELECT``).
    schema : pyarrow.Schema, optional
        The source's schema when the caller has read it already (`source_schema`).

    Returns
    -------
    pandas.DataFrame
        The rows as the database returned them.

    Raises
    ------
    InputError
        When the server cannot be reached, the table, query or a column does not exist.
    """
    schema = schema if schema is not None else source_schema(source)
    types = {field.name: _pg_type(field) for field in schema}
    chosen = list(dict.fromkeys(columns)) if columns is not None else list(schema.names)
    missing = [c for c in chosen if c not in types]
    if missing:
        raise InputError(f"{source.label}: no column {missing[0]!r}; it has {', '.join(schema.names)}")
    select = ", ".join(f"{_quote(c)}::{CASTS[types[c]]} AS {_quote(c)}" if types[c] in CASTS else _quote(c) for c in chosen)
    return _fetch(source, f"SELECT {select} FROM {source._relation()}").to_pandas()


def _fetch(source: DatabaseSource, sql: str) -> pa.Table:
    connection = _connect(source)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetch_arrow_table()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{source.label}: the database refused the read: {_driver_message(exc, source)}") from None
    finally:
        connection.close()
