"""User text in charts is plain text: a ``$`` in a need label or segment name is never mathtext.

``$\\10`` used to stop the notebook with a mathtext parse error, and ``Cost $5 - $10`` lost its
dollar signs to italics; every chart function goes through `theme.subplots` and `Report.figure`
passes any figure through `theme.plain_text`.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

from segkit.reporting import report, theme
from segkit.reporting.needs_charts import bar_chart, priority_chart
from segkit.reporting.report import Report
from segkit.reporting.value_charts import segment_shares

LABELS = ("$\\10", "Cost $5 - $10")


@pytest.fixture
def math_on():
    """matplotlib's own default (mathtext on), so the chart function must switch it off itself."""
    with mpl.rc_context({"text.parse_math": True}):
        yield


def _rendered_texts(fig) -> list[str]:
    fig.savefig(io.BytesIO(), format="png")  # draws every text: mathtext would fail here
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert all(not t.get_parse_math() for t in fig.findobj(Text) if t.get_text())
    plt.close(fig)
    return texts


def test_segment_names_with_dollars_render_as_written(math_on):
    summary = pd.DataFrame({"customer_share": [0.6, 0.4], "revenue_share": [0.3, 0.7]})
    fig = segment_shares(summary, names=list(LABELS), labels={"customer_share": "Customers", "revenue_share": "Revenue $"})
    texts = _rendered_texts(fig)
    assert set(LABELS) <= set(texts) and "Revenue $" in texts


def test_need_labels_with_dollars_render_as_written(math_on):
    fig = bar_chart(pd.Series({"a": 1.0, "b": 2.0}), labels=dict(zip("ab", LABELS, strict=True)), x_label="$ score")
    assert set(LABELS) | {"$ score"} <= set(_rendered_texts(fig))


def test_annotated_need_chart_with_dollar_labels_renders(math_on):
    table = pd.DataFrame(
        {
            "item": ["a", "b"],
            "importance": [4.0, 2.0],
            "urgency": [3.0, 4.5],
            "share_important": [0.5, 0.2],
            "quadrant": ["act-now", "monitor"],
        }
    )
    fig = priority_chart(
        table,
        importance_line=3.0,
        urgency_line=3.0,
        labels=dict(zip("ab", LABELS, strict=True)),
        x_label="$x",
        y_label="$y",
        quadrant_names={"act-now": "Act $now", "monitor": "$\\alpha"},
    )
    assert set(LABELS) | {"Act $now", "$\\alpha"} <= set(_rendered_texts(fig))


def test_report_figure_makes_any_figure_plain_text(math_on, monkeypatch):
    monkeypatch.setattr(report, "display", lambda *a, **k: None)
    fig, ax = plt.subplots()  # not made by theme.subplots
    ax.set_title(LABELS[0])
    ax.bar(list(LABELS), [1, 2])
    Report("en").figure(fig)
    assert all(not t.get_parse_math() for t in fig.findobj(Text))
    fig.savefig(io.BytesIO(), format="png")


def test_theme_turns_mathtext_off(math_on):
    theme.set_theme("en")
    assert mpl.rcParams["text.parse_math"] is False


def test_every_chart_module_makes_its_figures_through_the_theme():
    from pathlib import Path

    folder = Path(theme.__file__).parent
    offenders = [p.name for p in folder.glob("*.py") if p.name != "theme.py" and "plt.subplots(" in p.read_text(encoding="utf-8")]
    assert offenders == []
