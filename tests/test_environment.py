"""environment.yml (for conda users) stays in step with pyproject.toml, the source of truth."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_python_version_matches_requires_python():
    minimum = re.search(r">=\s*(\d+\.\d+)", _pyproject()["project"]["requires-python"]).group(1)
    conda_python = next(d for d in _environment()["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert conda_python.split("=")[-1] == minimum


def test_pip_entry_installs_the_package_with_every_runtime_extra():
    extras = set(_pyproject()["project"]["optional-dependencies"]) - {"bench"}
    pip_block = next(d["pip"] for d in _environment()["dependencies"] if isinstance(d, dict) and "pip" in d)
    (entry,) = [line for line in pip_block if line.lstrip("-e ").startswith(".")]
    installed = set(re.search(r"\[(.*)\]", entry).group(1).split(","))
    assert installed == extras, f"environment.yml installs extras {sorted(installed)}, pyproject has {sorted(extras)}"


def test_conda_lists_no_package_that_pyproject_does_not_declare():
    """Conda-only entries are limited to the interpreter, pip and the JVM Spark needs."""
    conda_only = {d.split("=")[0] for d in _environment()["dependencies"] if isinstance(d, str)}
    assert conda_only <= {"python", "pip", "openjdk"}
