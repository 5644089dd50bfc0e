"""The value report's sections, rendered from a prepared run (what reviewers read)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare
from segkit.reporting import report
from segkit.reporting.report import Report
from segkit.reporting.value_report import ValueReport

COUNTRIES = [f"Country {i:02d}" for i in range(15)] + ["United Kingdom"]


@pytest.fixture
def shown(monkeypatch):
    out: list = []
    monkeypatch.setattr(report, "display", lambda obj, raw=False, **_: out.append(obj if raw else getattr(obj, "data", obj)))
    return out


@pytest.fixture(scope="module")
def many_countries(tmp_path_factory):
    """200 customers over 16 countries, the United Kingdom holding most of them (as in Online Retail)."""
    rng = np.random.default_rng(7)
    rows = []
    for c in range(200):
        country = "United Kingdom" if c < 150 else COUNTRIES[c % 15]
        for k in range(int(rng.integers(1, 5))):
            rows.append(
                {
                    "cid": f"C{c:03d}",
                    "inv": f"I{c:03d}{k}",
                    "day": f"2024-{1 + k * 2:02d}-{1 + c % 27:02d}",
                    "sku": "P1",
                    "qty": 1,
                    "price": float(rng.integers(5, 500)),
                    "country": country,
                }
            )
    folder = tmp_path_factory.mktemp("countries")
    path = folder / "orders.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    mapping = {
        "customer_id": "cid",
        "order_id": "inv",
        "order_date": "day",
        "product_id": "sku",
        "quantity": "qty",
        "unit_price": "price",
        "country": "country",
    }
    return prepare({"transactions": InputFile(path=path, mapping=mapping)}, folder / "prepared", engine="pandas")


def _tables(markup: str) -> list[list[list[str]]]:
    tables = []
    for table in re.findall(r"<table.*?</table>", markup, flags=re.S):
        rows = [
            [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        ]
        tables.append(rows)
    return tables


def test_country_profile_shows_every_country_and_rows_sum_to_100(many_countries, shown):
    ValueReport(Report("en"), many_countries).profiles()
    markup = "".join(s for s in shown if isinstance(s, str))
    table = next(t for t in _tables(markup) if "United Kingdom" in t[0])
    assert set(table[0][1:]) == set(COUNTRIES)  # every country a column, the UK included
    for row in table[1:]:
        shares = [float(v.rstrip("%")) for v in row[1:]]
        assert sum(shares) == pytest.approx(100, abs=0.1 * len(shares))  # each shown to 0.1 %


def test_every_section_renders_in_both_languages(many_countries, shown):
    for language in ("en", "zh"):
        v = ValueReport(Report(language), many_countries)
        for section in (
            "summary",
            "key_numbers",
            "distributions",
            "heatmap",
            "rfm_segments",
            "eight_classes",
            "pareto",
            "lifecycle",
            "cohorts",
            "migration",
            "migration_periods",
            "profiles",
            "playbook",
        ):
            getattr(v, section)()
    assert any("重要价值客户" in s for s in shown if isinstance(s, str))


def test_migration_over_periods_says_which_periods_are_shown(many_countries, shown):
    from matplotlib.figure import Figure

    # Purchases run from January to July 2024: with 4 periods of 90 days the snapshots 360 and 270
    # days before the analysis date fall before the first purchase and are left out.
    as_of = many_countries.as_of
    ValueReport(Report("en"), many_countries).migration_periods(4)
    markup = html.unescape("".join(s for s in shown if isinstance(s, str)))
    first, last = (as_of - pd.Timedelta(days=180)).date(), as_of.date()
    assert f"Shown: 2 periods of 90 days (the run's migration_days), snapshots from {first} to {last}." in markup
    skipped = f"{(as_of - pd.Timedelta(days=360)).date()}, {(as_of - pd.Timedelta(days=270)).date()}"
    assert f"Left out: the snapshots of {skipped}, on or before the first purchase in the data (2024-01-01)." in markup
    assert sum(isinstance(s, Figure) for s in shown) == 2  # the 8-class model and the lifecycle stages
    moves = [t for t in _tables(markup) if t[0][0] == "Period"]
    assert len(moves) == 2 and len(moves[0]) == 3  # header + 2 periods
    # Every customer of the last snapshot is new, stayed or moved in the last period: 200 in all.
    new, stayed, moved, gone = (int(v.replace(",", "")) for v in moves[0][-1][1:])
    assert new + stayed + moved == 200 and gone == 0
    shown.clear()
    ValueReport(Report("zh"), many_countries).migration_periods(4)
    assert any("多期细分迁移" in s for s in shown if isinstance(s, str))
