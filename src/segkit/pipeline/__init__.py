"""`segkit run`: the run config, the prepare step, papermill execution, HTML, manifest and atomic publication."""

from __future__ import annotations
