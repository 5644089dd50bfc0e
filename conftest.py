"""Session set-up shared by the unit tests and the notebook tests (nbval).

Notebooks default to the demo data in data/raw/demo; a fresh clone has none, so it is
generated once here (deterministic, seeded) before any test runs. Data written by an older
generator version (truth.json says which) is written again, so tests never read stale data.
"""

import json
from pathlib import Path

DEMO = Path(__file__).parent / "data" / "raw" / "demo"


def _stale(folder: Path, version: int) -> bool:
    try:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return truth.get("generator", {}).get("version") != version


def pytest_sessionstart(session):
    from segkit import datasets

    if not (DEMO / "transactions.csv").exists() or _stale(DEMO, datasets.GENERATOR_VERSION):
        datasets.write_demo(DEMO)
