"""Session set-up shared by the unit tests and the notebook tests (nbval).

Notebooks default to the demo data in data/raw/demo; a fresh clone has none, so it is
generated once here (deterministic, seeded) before any test runs.
"""

from pathlib import Path

DEMO = Path(__file__).parent / "data" / "raw" / "demo"


def pytest_sessionstart(session):
    if not (DEMO / "transactions.csv").exists():
        from segkit import datasets

        datasets.write_demo(DEMO)
