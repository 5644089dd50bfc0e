"""The report look: number formats, tables, boxes, key numbers, provenance and the CJK chart font."""

import re
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from segkit.reporting import fonts, formats, report, theme
from segkit.reporting.formats import fmt_date, fmt_int, fmt_money, fmt_pct
from segkit.reporting.report import KEY_NUMBER_MIME, Report


@pytest.fixture
def shown(monkeypatch):
    """Everything a Report displays, as a list of HTML strings (or raw bundles for key numbers)."""
    out = []

    def capture(obj, raw=False, **_):
        out.append(obj if raw else obj.data)

    monkeypatch.setattr(report, "display", capture)
    return out


def test_number_formats():
    assert fmt_int(1234567) == "1,234,567"
    assert fmt_int(2.5) == "2"  # round half to even, like the rest of pandas
    assert fmt_money(1234.5) == "1,234.50"
    assert fmt_money(-1e-9) == "0.00"  # no '-0.00' from float noise
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_pct(1) == "100.0%"
    assert fmt_date(pd.Timestamp("2024-03-05 13:45")) == "2024-03-05"
    for fmt in (fmt_int, fmt_money, fmt_pct, fmt_date):
        assert fmt(None) == fmt(float("nan")) == fmt(pd.NaT) == "–"


def test_table_formats_translates_headers_hides_pii_and_says_when_cut(shown):
    frame = pd.DataFrame(
        {
            "customer_id": [f"CU{i:05d}" for i in range(25)],
            "revenue": [1234.5 + i for i in range(25)],
            "share": [0.5] * 25,
            "name": ["Secret Person"] * 25,
            "email": ["a@b.cn"] * 25,
        }
    )
    Report("zh").table(frame, formats={"revenue": "money", "share": "pct"}, labels={"share": "占比（%）"})
    (html,) = shown
    headers = re.findall(r"<th class=[^>]*>(.*?)</th>", html)
    assert headers == ["客户", "收入", "占比（%）"]  # core.columns.* for known columns, labels win
    assert "Secret Person" not in html and "a@b.cn" not in html
    assert html.count("<tr>") == 1 + 20  # header + max_rows
    assert "1,234.50" in html and "50.0%" in html
    assert "仅显示前 20 行，共 25 行。" in html
    assert "<td" in html and "index" not in html


def test_tables_pseudonymise_customer_ids_when_asked(shown, monkeypatch):
    monkeypatch.setenv("SEGKIT_PSEUDONYM_KEY", "Jefe")
    frame = pd.DataFrame({"customer_id": ["what do ya want for nothing?"], "revenue": [1.0]})
    Report("en", pseudonymize_ids=True).table(frame)
    Report("en").table(frame)
    # HMAC-SHA256 RFC 4231 test case 2, first 24 hex digits (see test_privacy)
    assert "P-5bdcc146bf60754e6a042426" in shown[0] and "what do ya want" not in shown[0]
    assert "what do ya want for nothing?" in shown[1]


def test_data_quality_box_lists_only_rules_that_removed_rows(shown):
    audit = pd.DataFrame(
        {
            "rule": ["missing_customer_id", "returns", "outliers"],
            "rows_removed": [30, 0, 10],
            "revenue_removed": [120.0, 0.0, 5000.25],
        }
    )
    Report("en").data_quality(audit, raw_rows=200, kept_rows=160)
    (html,) = shown
    # 160 / 200 = 80.0 %
    assert "200 rows read, 160 rows used (80.0%)." in html
    assert "Missing customer id" in html and "Extreme quantities" in html and "Returns" not in html
    assert "5,000.25" in html and "Cannot be attributed to a customer." in html


def test_summary_and_how_to_read_escape_text(shown):
    r = Report("en")
    r.summary(["Revenue <b>grew</b> 5%."])
    r.how_to_read("quality.audit.how")
    assert "&lt;b&gt;grew&lt;/b&gt;" in shown[0] and "Executive summary" in shown[0]
    assert 'class="how-to-read"' in shown[1]


def test_key_number_is_an_invisible_output_the_run_reads(shown):
    Report("zh").key_number("rows_in", 98264, label="quality.keys.rows_in")
    Report("en").key_number("first_date", pd.Timestamp("2024-01-01"), label="quality.keys.first_date", fmt="date")
    assert shown[0][KEY_NUMBER_MIME] == {"name": "rows_in", "value": 98264.0, "text": "98,264", "label": "读入行数", "fmt": "int"}
    assert shown[0]["text/plain"] == ""
    assert shown[1][KEY_NUMBER_MIME]["value"] == "2024-01-01T00:00:00"


def test_provenance_shows_hashes_and_versions_but_no_key(shown, tmp_path):
    data = tmp_path / "t.csv"
    data.write_bytes(b"abc")
    Report("en").provenance(
        {"run_id": "r1", "pseudonymize_key": "s3cret", "language": "en"}, {"transactions": data, "customers": ""}
    )
    (html,) = shown
    # sha256("abc") from FIPS 180-2, appendix B.1
    assert "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" in html
    assert "s3cret" not in html and "pseudonymize_key" not in html
    assert "pandas " in html and "python " in html and "r1" in html and "not given" in html


def test_theme_puts_the_cjk_font_first_for_chinese_only():
    theme.set_theme("zh")
    assert matplotlib.rcParams["font.family"][0] == fonts.CJK_FAMILY
    theme.set_theme("en")
    assert matplotlib.rcParams["font.family"][:2] == ["DejaVu Sans", fonts.CJK_FAMILY]


def test_cjk_font_comes_from_the_mpl_font_package_not_matplotlib():
    files = fonts.cjk_font_files()
    assert all("mpl_font" in f.parts for f in files)
    assert not any(Path(matplotlib.get_data_path()) in f.parents for f in files)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_chinese_chart_renders_without_missing_glyphs(language, tmp_path):
    theme.set_theme(language)
    fig, ax = plt.subplots()
    ax.bar(["华东", "华北", "西南"], [3, 2, 1])
    ax.set(title="各地区客户数 Customers by region", xlabel="地区", ylabel="客户数（位）")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        fig.savefig(tmp_path / "chart.png")
    plt.close(fig)
    assert (tmp_path / "chart.png").stat().st_size > 5000


def test_unknown_language_fails_early():
    with pytest.raises(ValueError, match="not supported"):
        Report("fr")


def test_webfont_embeds_exactly_the_cjk_characters_of_the_page():
    import base64
    import io

    from fontTools.ttLib import TTFont

    assert fonts.cjk_webfont_css("Only Latin text, 1,234.50 – fine.") == ""
    css = fonts.cjk_webfont_css("<h1>数据质量</h1><p>读入 98,224 行（90.4%）。</p>")
    assert css.startswith('@font-face { font-family: "segkit CJK"') and len(css) < 60_000
    font = TTFont(io.BytesIO(base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1))))
    covered = {chr(c) for c in font.getBestCmap()}
    assert set("数据质量读入行（）。") <= covered
    assert "设" not in covered  # a character the page does not use is left out


def test_pvalues_never_read_as_zero_and_booleans_read_as_words():
    assert formats.fmt_pvalue(0.0004) == "< 0.001"
    assert formats.fmt_pvalue(0.001) == "0.001"
    assert formats.fmt_pvalue(0.04567) == "0.046"
    frame = pd.DataFrame({"p_adjusted": [1e-12, 0.25], "small_base": [True, False]})
    en = Report("en").table_html(frame)
    zh = Report("zh").table_html(frame)
    assert "&lt; 0.001" in en and "0.250" in en and "0.00<" not in en
    assert ">yes<" in en and ">no<" in en and "True" not in en
    assert ">是<" in zh and ">否<" in zh
