"""What keeps a run safe from its surroundings: one run per run id, signals, leftovers of killed runs.

- **A lock per run id** (``<reports_dir>/.<run_id>.lock``, ``flock``): a second run of the same id
  exits at once with a message naming the running one, instead of both writing the same folders.
- **SIGTERM, SIGINT, SIGHUP** (what a scheduler sends on a timeout) raise `RunInterrupted` in the
  run, so its staging folders are removed, the interruption is recorded under
  ``reports/failed/<run_id>/`` and the exit code is 128 + the signal number. While the finished
  folders are swapped into place the signals wait (`signals_deferred`), so a signal never leaves a
  half-published run.
- **Leftovers of a killed run** (kill -9 leaves hidden ``.partial`` staging folders, and at worst a
  published folder moved aside as ``.old-<pid>``) are cleared by the next run of the same id while
  it holds the lock (`clear_stale`): staging is removed, a folder moved aside is put back when its
  successor never arrived.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from segkit.core.errors import InputError

#: Signals that stop a run cleanly.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class RunInterrupted(Exception):
    """The run received a stop signal; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def run_lock(reports_dir: Path, run_id: str) -> Iterator[None]:
    """Hold the run id's lock for the duration of the block, or raise `InputError` when another run holds it.

    Parameters
    ----------
    reports_dir : pathlib.Path
        The root of the report folders (the lock file lives there, hidden).
    run_id : str
        The run's id.

    Raises
    ------
    InputError
        When another process runs the same run id (its pid and start time are named).
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / f".{run_id}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise InputError(
            f"run {run_id!r} is already running ({holder}); wait for it to finish or give another --run-id"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {datetime.now().astimezone().isoformat(timespec='seconds')}".encode(), 0)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)  # the file stays: removing it could let two runs lock two different files


def clear_stale(root: Path, run_id: str) -> list[Path]:
    """Remove what killed runs of `run_id` left under `root`; call it only while holding the lock.

    Parameters
    ----------
    root : pathlib.Path
        The reports or processed root.
    run_id : str
        The run's id.

    Returns
    -------
    list of pathlib.Path
        The staging folders removed (a published folder put back is not listed).
    """
    final = root / run_id
    for old in sorted(root.glob(f".{run_id}.old-*")):
        if not final.exists():
            os.replace(old, final)  # killed between the two renames of a swap: the old run comes back
        else:
            shutil.rmtree(old, ignore_errors=True)
    removed = sorted(root.glob(f".{run_id}.*.partial"))
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """While the block runs, `STOP_SIGNALS` raise `RunInterrupted` (main thread only; else no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise RunInterrupted(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold `STOP_SIGNALS` back while the block runs (publication); they arrive right after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
