"""The chart theme and the report stylesheet."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# ---------------------------------------------------------------- chart theme
def set_theme(language: str = "en") -> None:
    """Seaborn theme for report charts, with a font stack that renders Chinese on any machine and plain text (no mathtext)."""
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
    _plain_rc()


def _plain_rc() -> None:
    """rcParams every chart needs, themed or not: user text (need labels, segment names, file
    headers) is plain text, never mathtext or TeX, so ``Cost $5 - $10`` shows as written and a
    label such as ``$\\10`` cannot stop the notebook with a mathtext parse error."""
    import matplotlib as mpl

    mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["text.usetex"] = False


def subplots(*args: Any, **kwargs: Any) -> tuple[Figure, Any]:
    """`matplotlib.pyplot.subplots` with plain text (no mathtext) in force; every report chart starts here.

    The rcParams are set for the process (not in a context) because tick labels are made when the
    figure is drawn, after the chart function has returned.

    Parameters
    ----------
    *args, **kwargs
        Passed to `matplotlib.pyplot.subplots` (``figsize``, rows and columns ...).

    Returns
    -------
    tuple of (matplotlib.figure.Figure, Axes or array of Axes)
        What `matplotlib.pyplot.subplots` returns.
    """
    import matplotlib.pyplot as plt

    _plain_rc()
    return plt.subplots(*args, **kwargs)


def plain_text(fig: Figure) -> Figure:
    """`fig` with mathtext turned off on every text it holds (for figures not made by `subplots`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure.

    Returns
    -------
    matplotlib.figure.Figure
        The same figure, changed in place.
    """
    from matplotlib.text import Text

    _plain_rc()
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return fig


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
