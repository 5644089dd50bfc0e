"""The ``inputs`` section of a run config: which files or database tables a run reads and how to read each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segkit.core.errors import InputError
from segkit.core.files import file_sha256
from segkit.intake.database import DatabaseSource, check_url
from segkit.pipeline.config_checks import no_unknown

#: Input names a config may give, and the notebook parameter each path is passed as.
INPUTS = {
    "transactions": "transactions_path",
    "customers": "customers_path",
    "survey": "survey_path",
    "needs": "needs_path",
    "risk": "risk_path",
    "holdings": "holdings_path",
    "complaints": "complaints_path",
}
#: Settings an input may carry besides its path (preset: transactions only; encoding: every file input).
INPUT_KEYS = ("path", "preset", "mapping", "encoding", "column_pattern", "url", "table", "query")
#: Inputs that may come from a database table or query instead of a file.
DATABASE_INPUTS = ("transactions", "customers")


@dataclass(frozen=True)
class InputFile:
    """One input: an absolute file path or a database table or query and, for transactions, how to read it."""

    path: Path | None = None
    preset: str | None = None
    mapping: dict[str, Any] | Path | None = None
    encoding: str | None = None
    column_pattern: str | None = None  # survey columns, e.g. "{item}_{measure}"
    database: DatabaseSource | None = None

    @property
    def source(self) -> Path | DatabaseSource:
        """What intake reads: the file path or the database source."""
        if self.database is not None:
            return self.database
        if self.path is None:
            raise InputError("an input needs a file path or a database url")
        return self.path

    @property
    def file(self) -> Path:
        """The file path of an input that can only be a file (survey, catalogue, complaints ...)."""
        if self.path is None:
            raise InputError(f"{self.where}: this input must be a file")
        return self.path

    @property
    def where(self) -> str:
        """How records and messages name the input: the path, or the URL (no password) and table."""
        return self.database.label if self.database is not None else str(self.path)

    def record(self, *, sizes: bool = False) -> dict[str, Any]:
        """The input as the run records it: path and SHA-256 (and size) of a file, URL and table of a database."""
        if self.database is not None:
            return self.database.record()
        path = Path(str(self.path))
        out: dict[str, Any] = {"path": str(path), "sha256": file_sha256(path)}
        return {**out, "bytes": path.stat().st_size} if sizes else out


def read_inputs(section: object, *, base: Path, where: str) -> dict[str, InputFile]:
    """Check the config's ``inputs`` section and resolve every path against `base`.

    Parameters
    ----------
    section : object
        The ``inputs`` value as written: input name → path, or a mapping with ``path`` and settings.
    base : pathlib.Path
        Folder relative paths are resolved against.
    where : str
        The config file's name, for messages.

    Returns
    -------
    dict of str to InputFile
        Input name → the resolved input.

    Raises
    ------
    InputError
        For an unknown input or key, a missing file, or settings an input does not take.
    """
    if not isinstance(section, dict) or not section:
        raise InputError(
            f"{where}: 'inputs' must be a mapping naming at least one file, e.g. 'transactions: {{path: ..., preset: ...}}'"
        )
    no_unknown(section, INPUTS, where=f"{where}: inputs")
    out: dict[str, InputFile] = {}
    for key, spec in section.items():
        spec = {"path": spec} if isinstance(spec, str) else spec
        if isinstance(spec, dict) and spec.get("url") is not None:
            path, database = None, _database(key, spec, where=where)
        elif not isinstance(spec, dict) or not spec.get("path"):
            raise InputError(f"{where}: inputs.{key} needs a 'path' (or, for {' and '.join(DATABASE_INPUTS)}, a database 'url')")
        else:
            no_unknown(spec, [k for k in INPUT_KEYS if k not in ("table", "query")], where=f"{where}: inputs.{key}")
            path = Path(str(spec["path"])).expanduser()
            path = (path if path.is_absolute() else base / path).resolve()
            if not path.is_file():
                raise InputError(f"{where}: inputs.{key}: file not found: {path}")
            database = None
        mapping = spec.get("mapping")
        if key != "transactions" and spec.get("preset"):
            raise InputError(f"{where}: inputs.{key}: only transactions take a preset")
        if key not in ("transactions", "customers") and mapping:
            raise InputError(f"{where}: inputs.{key}: only transactions and customers take a column mapping")
        if key != "survey" and spec.get("column_pattern"):
            raise InputError(f"{where}: inputs.{key}: only the survey takes a column_pattern")
        if key == "transactions" and bool(spec.get("preset")) == bool(mapping):
            raise InputError(f"{where}: inputs.transactions: give exactly one of 'preset' or 'mapping'")
        if isinstance(mapping, str):
            mapping = Path(mapping).expanduser()
            mapping = (mapping if mapping.is_absolute() else base / mapping).resolve()
            if not mapping.is_file():
                raise InputError(f"{where}: inputs.{key}.mapping: file not found: {mapping}")
        elif mapping is not None and not isinstance(mapping, dict):
            raise InputError(f"{where}: inputs.{key}.mapping must be a YAML file path or a mapping")
        out[key] = InputFile(
            path=path,
            preset=spec.get("preset"),
            mapping=mapping,
            encoding=spec.get("encoding"),
            column_pattern=spec.get("column_pattern"),
            database=database,
        )
    return out


def _database(key: str, spec: dict[str, Any], *, where: str) -> DatabaseSource:
    """The database source of an input given as ``{url: ..., table: ... | query: ...}``."""
    here = f"{where}: inputs.{key}"
    if key not in DATABASE_INPUTS:
        raise InputError(f"{here}: only {' and '.join(DATABASE_INPUTS)} can be read from a database; give a 'path'")
    no_unknown(spec, [k for k in INPUT_KEYS if k not in ("path", "encoding")], where=here)
    check_url(spec["url"], where=here)
    if (spec.get("table") is None) == (spec.get("query") is None):
        raise InputError(f"{here}: give exactly one of 'table' (e.g. orders) or 'query' (a SELECT statement) with the url")
    try:
        return DatabaseSource(url=spec["url"], table=spec.get("table"), query=spec.get("query"))
    except InputError as error:
        raise InputError(f"{here}: {error}") from None
