"""Versions and commit of the software that produced a report."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

#: Packages whose versions the provenance section and the manifest record.
KEY_PACKAGES = (
    "segkit",
    "pandas",
    "numpy",
    "narwhals",
    "duckdb",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "pyspark",
)


# ---------------------------------------------------------------- provenance helpers
def package_versions() -> dict[str, str]:
    """Versions of Python and the key packages (``'not installed'`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def segkit_version() -> str:
    """segkit's own version, the same as ``segkit.__version__`` (read here without importing the package face)."""
    try:
        return metadata.version("segkit")
    except metadata.PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+local"


def git_commit(folder: str | Path | None = None) -> str | None:
    """The commit of segkit's own source checked out in `folder` (default: this package), else None.

    None outside git, and also when the work tree around `folder` is some other repository (an
    installed copy of segkit inside a project's repository must not report that project's commit).
    """
    commit = source_revision(folder)["commit"]
    return commit if isinstance(commit, str) else None


def source_revision(folder: str | Path | None = None) -> dict[str, str | bool | None]:
    """``{"commit": ..., "dirty": ...}`` of segkit's own git work tree; both None when unknown.

    A commit is reported only when the top level of the work tree around `folder` holds this
    segkit source (``<top>/src/segkit/__init__.py`` is the same file as this package's
    ``__init__.py``); `dirty` is True when ``git status --porcelain`` lists anything.
    """
    unknown: dict[str, str | bool | None] = {"commit": None, "dirty": None}
    where = Path(folder) if folder else _PACKAGE
    top = _git(where, "rev-parse", "--show-toplevel")
    if not top or not _same_file(Path(top) / "src" / "segkit" / "__init__.py", _PACKAGE / "__init__.py"):
        return unknown
    commit = _git(Path(top), "rev-parse", "HEAD")
    status = _git(Path(top), "status", "--porcelain")
    if not commit:
        return unknown
    return {"commit": commit, "dirty": None if status is None else bool(status)}


#: segkit's own package folder (this file is segkit/reporting/provenance.py).
_PACKAGE = Path(__file__).resolve().parents[1]


def _git(where: Path, *args: str) -> str | None:
    """Stripped stdout of ``git ARGS`` run in `where`, or None when git is missing or fails."""
    try:
        done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
