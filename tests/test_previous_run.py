"""The previous run of a reports folder and each key number's change against it (index.html)."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from segkit.pipeline.notebooks import NotebookResult
from segkit.pipeline.previous import change_text, key_changes, previous_run

UTC = timezone.utc
START = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


def publish(root, folder, *, status="succeeded", finished=START - timedelta(hours=1), keys=()):
    (root / folder).mkdir(parents=True)
    notebooks = [{"name": "02-value", "key_numbers": [{"name": n, "value": v, "text": str(v)} for n, v in keys]}]
    manifest = {"run_id": folder, "status": status, "finished": finished.isoformat(timespec="seconds"), "notebooks": notebooks}
    (root / folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_previous_run_is_the_latest_published_one_finished_before_this_start(tmp_path):
    assert previous_run(tmp_path, before=START) is None
    publish(tmp_path, "may", finished=START - timedelta(days=31))
    publish(tmp_path, "june", finished=START - timedelta(minutes=5))
    publish(tmp_path, "broken", status="failed", finished=START - timedelta(minutes=1))  # published nothing
    publish(tmp_path, "later", finished=START + timedelta(minutes=1))  # finished after this run started
    publish(tmp_path, ".tiny.x.partial", finished=START - timedelta(seconds=1))  # a staging folder
    publish(tmp_path / "failed", "june", finished=START - timedelta(seconds=2))  # a kept failure, one level down
    assert previous_run(tmp_path, before=START)["folder"] == "june"
    # the same second counts (manifests keep whole seconds), and a run id's own publication counts too
    publish(tmp_path, "tiny", status="partial", finished=START)
    assert previous_run(tmp_path, before=START + timedelta(microseconds=400))["folder"] == "tiny"


@pytest.mark.parametrize(
    ("delta", "fmt", "language", "text"),
    [
        (120.0, "int", "en", "+120 since the previous run"),
        (-1234.4, "int", "en", "\u22121,234 since the previous run"),
        (0.4, "int", "en", "unchanged since the previous run"),
        (-0.023, "pct", "en", "\u22122.3 pp since the previous run"),
        (0.0004, "pct", "en", "unchanged since the previous run"),  # 0.04 pp: 0.0 at one decimal
        (0.0512, "float", "en", "+0.05 since the previous run"),
        (1500.5, "money", "en", "+1,500.50 since the previous run"),
        (0.023, "pct", "zh", "较上次运行 +2.3 个百分点"),
        (-3.0, "int", "zh", "较上次运行 \u22123"),
        (0.0, "float", "zh", "与上次运行持平"),
        (5.0, "date", "en", ""),
        (None, "int", "en", ""),
    ],
)
def test_change_is_written_in_the_key_numbers_format(delta, fmt, language, text):
    assert change_text(delta, fmt, language) == text


def test_changes_are_computed_from_the_recorded_numbers(tmp_path):
    publish(tmp_path, "may", keys=[("customers", 4480.0), ("churned", 0.25), ("as_of", "2024-05-01")])
    previous = previous_run(tmp_path, before=START)
    result = NotebookResult(
        "02-value",
        key_numbers=[
            {"name": "customers", "value": 4600.0, "text": "4,600", "fmt": "int"},
            {"name": "churned", "value": 0.2, "text": "20.0%", "fmt": "pct"},
            {"name": "as_of", "value": "2024-06-01", "text": "2024-06-01", "fmt": "date"},
            {"name": "gini", "value": 0.61, "text": "0.61", "fmt": "float"},  # not in the previous run
        ],
    )
    changes = key_changes([result], previous)
    assert changes[("02-value", "customers")] == 120.0
    assert changes[("02-value", "churned")] == pytest.approx(-0.05)
    assert changes[("02-value", "as_of")] is None and changes[("02-value", "gini")] is None
