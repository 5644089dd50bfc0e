"""Versions and commit of the software that produced a report."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

#: Packages whose versions the provenance section and the manifest record.
KEY_PACKAGES = (
    "segkit", "pandas", "numpy", "narwhals", "duckdb", "pyarrow", "scipy", "scikit-learn",
    "matplotlib", "seaborn", "papermill", "nbconvert", "pyspark",
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


def git_commit(folder: str | Path | None = None) -> str | None:
    """The commit checked out in `folder` (default: segkit's source tree), or None outside git."""
    where = Path(folder) if folder else Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
