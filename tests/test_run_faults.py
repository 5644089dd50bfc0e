"""Faults and concurrency of `segkit run`: stop signals, kill -9, two runs of one id, stale failures.

A tiny notebook that can sleep stands in for a long report, so a signal arrives while a kernel
runs. Each case checks the exit code, the one-line message, that nothing half-written stays
behind, and that the published run before it is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLEEPY = """\
# %% tags=["parameters"]
run_id: str = "dev"
nap: float = 0.0  # seconds to sleep (tests)
fail: bool = False

# %% tags=["remove-cell"]
import time
import segkit
from segkit.reporting.report import Report
R = Report("en")

# %% tags=["hide-input"]
R.heading("core.quality.title", level=1)
R.summary(["One line."])
time.sleep(nap)
if fail:
    raise segkit.InputError("t.csv: column 'b': 1 of 1 values are not numbers (row 1: 'x')")
R.provenance({"run_id": run_id}, {})
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-sleepy.py").write_text(SLEEPY, encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    def config(extra: str = "", name: str = "run.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            f"run_id: slow\nbase_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n{extra}",
            encoding="utf-8",
        )
        return path

    return tmp_path, config


def _start(config: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "segkit", "run", str(config)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_kernel(root: Path, timeout: float = 60) -> None:
    """Until the notebook runs: papermill has written the executed copy into the staging folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list((root / "reports").glob(".slow.*.partial/executed/01-sleepy.ipynb")):
            time.sleep(1.0)
            return
        time.sleep(0.2)
    raise AssertionError("the notebook never started")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _leftovers(root: Path) -> list[Path]:
    found = [*root.glob("reports/.slow.*"), *root.glob("data/processed/.slow.*")]
    return [p for p in found if p.suffix != ".lock"]  # the lock file stays on purpose


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_cleans_up_records_and_keeps_the_published_run(project, signum):
    root, config = project
    assert subprocess.run([sys.executable, "-m", "segkit", "run", str(config())], cwd=root, capture_output=True).returncode == 0
    published = _digest(root / "reports" / "slow")
    process = _start(config("parameters:\n  01-sleepy: {nap: 60}\n", name="nap.yaml"), root)
    _wait_for_kernel(root)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and f"interrupted by {signal.Signals(signum).name}" in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert _digest(root / "reports" / "slow") == published
    assert not _leftovers(root)
    assert "nothing was published" in (root / "reports" / "failed" / "slow" / "run.log").read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "segkit", "run", str(config())], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not (root / "reports" / "failed" / "slow").exists()  # a later success clears the stale failure


@pytest.mark.slow
def test_after_kill_9_the_next_run_clears_the_leftovers(project):
    root, config = project
    process = _start(config("parameters:\n  01-sleepy: {nap: 60}\n", name="nap.yaml"), root)
    _wait_for_kernel(root)
    os.killpg(os.getpgid(process.pid), 0)  # still alive
    process.kill()
    process.communicate(timeout=30)
    assert _leftovers(root)  # what kill -9 leaves
    done = subprocess.run([sys.executable, "-m", "segkit", "run", str(config())], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not _leftovers(root) and (root / "reports" / "slow" / "index.html").exists()


@pytest.mark.slow
def test_a_second_run_of_the_same_id_exits_with_a_message(project):
    root, config = project
    first = _start(config("parameters:\n  01-sleepy: {nap: 8}\n", name="nap.yaml"), root)
    _wait_for_kernel(root)
    second = subprocess.run([sys.executable, "-m", "segkit", "run", str(config())], cwd=root, capture_output=True, text=True)
    assert second.returncode == 2
    assert "run 'slow' is already running (pid" in second.stderr and "Traceback" not in second.stderr
    _, stderr = first.communicate(timeout=90)
    assert first.returncode == 0, stderr
    assert not _leftovers(root)


def test_clear_stale_puts_back_a_folder_moved_aside_by_a_killed_swap(tmp_path):
    from segkit.pipeline.run_guard import clear_stale

    (tmp_path / ".r.old-123").mkdir()
    (tmp_path / ".r.old-123" / "index.html").write_text("old", encoding="utf-8")
    (tmp_path / ".r.abcd.partial").mkdir()
    assert clear_stale(tmp_path, "r") == [tmp_path / ".r.abcd.partial"]
    assert (tmp_path / "r" / "index.html").read_text(encoding="utf-8") == "old"
    (tmp_path / ".r.old-456").mkdir()  # the swap finished: the moved-aside copy just goes
    clear_stale(tmp_path, "r")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
