"""The chart theme and the report stylesheet."""

from __future__ import annotations

from functools import cache
from importlib import resources


# ---------------------------------------------------------------- chart theme
def set_theme(language: str = "en") -> None:
    """Seaborn theme for report charts, with a font stack that renders Chinese on any machine."""
    import matplotlib as mpl
    import seaborn as sns

    from segkit.reporting.fonts import font_stack

    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    mpl.rcParams.update(
        {
            "font.family": font_stack(language),  # a list of families: matplotlib falls back glyph by glyph
            "axes.unicode_minus": False,  # the ASCII hyphen renders in every font
            "figure.figsize": (8.0, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
        }
    )


@cache
def stylesheet() -> str:
    """The report CSS (also inlined into every HTML report and index.html)."""
    return (resources.files("segkit.reporting") / "templates" / "report.css").read_text(encoding="utf-8")


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
