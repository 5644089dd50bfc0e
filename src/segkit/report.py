"""The report look shared by every notebook: text from the catalogue, formatted tables, charts.

Notebooks stay thin: they call `Report` methods, which display HTML in the notebook; the run
pipeline (`segkit.run`) renders executed notebooks to HTML without code, with the same stylesheet
(``templates/report.css``).

Key numbers: ``R.key_number("rows_used", 1234, label="quality.keys.rows_used", fmt="int")``
writes an invisible output of MIME type `KEY_NUMBER_MIME`; `segkit.run` collects them for
``index.html`` and ``manifest.json`` and strips them from the HTML.
"""

from __future__ import annotations

import html
import math
import platform
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from segkit import privacy, schema
from segkit.i18n import catalogue, message

#: MIME type of the invisible outputs that carry key numbers to the run pipeline.
KEY_NUMBER_MIME = "application/vnd.segkit.key-number+json"
#: Packages whose versions the provenance section and the manifest record.
KEY_PACKAGES = (
    "segkit", "pandas", "numpy", "narwhals", "duckdb", "pyarrow", "scipy", "scikit-learn",
    "matplotlib", "seaborn", "papermill", "nbconvert", "pyspark",
)
_MISSING = "–"


# ---------------------------------------------------------------- number formats
def fmt_int(value: object) -> str:
    """``1234567`` → ``'1,234,567'``; missing → ``'–'``."""
    return _MISSING if _is_missing(value) else f"{round(float(value)):,}"


def fmt_float(value: object, digits: int = 2) -> str:
    """``1234.5`` → ``'1,234.50'``."""
    if _is_missing(value):
        return _MISSING
    number = float(value)
    return f"{number if round(number, digits) else 0.0:,.{digits}f}"  # no "-0.00" from float noise


def fmt_money(value: object, digits: int = 2) -> str:
    """An amount with thousands separators and `digits` decimals (no currency symbol: inputs do not say which)."""
    return fmt_float(value, digits)


def fmt_pct(value: object, digits: int = 1) -> str:
    """A share given as a fraction: ``0.1234`` → ``'12.3%'``."""
    return _MISSING if _is_missing(value) else f"{100 * float(value):.{digits}f}%"


def fmt_number(value: object, digits: int = 2) -> str:
    """Whole numbers without decimals (``284``, ``1,200``), others with `digits` (``1,457.90``):
    for columns that mix counts and amounts, such as score thresholds."""
    if _is_missing(value):
        return _MISSING
    return fmt_int(value) if float(value).is_integer() else fmt_float(value, digits)


def fmt_pvalue(value: object) -> str:
    """A p-value with three decimals, and ``'< 0.001'`` below that (never a misleading ``'0.00'``)."""
    if _is_missing(value):
        return _MISSING
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def fmt_date(value: object) -> str:
    """A date or timestamp as ``YYYY-MM-DD``."""
    return _MISSING if _is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


FORMATTERS: dict[str, Callable[[object], str]] = {
    "int": fmt_int, "float": fmt_float, "money": fmt_money, "pct": fmt_pct, "date": fmt_date, "text": str,
    "pvalue": fmt_pvalue, "number": fmt_number,
}
#: Columns that hold p-values (or FDR q-values) wherever they appear: formatted with `fmt_pvalue`.
PVALUE_COLUMNS = frozenset({"p", "q", "p_value", "p_adjusted", "p_vs_rest", "q_value"})


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)) or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    )


# ---------------------------------------------------------------- chart theme
def set_theme(language: str = "en") -> None:
    """Seaborn theme for report charts, with a font stack that renders Chinese on any machine."""
    import matplotlib as mpl
    import seaborn as sns

    from segkit.fonts import font_stack

    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    mpl.rcParams.update({
        "font.family": font_stack(language),  # a list of families: matplotlib falls back glyph by glyph
        "axes.unicode_minus": False,  # the ASCII hyphen renders in every font
        "figure.figsize": (8.0, 4.2),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "axes.titleweight": "bold",
        "axes.titlesize": 13,
    })


@cache
def stylesheet() -> str:
    """The report CSS (also inlined into every HTML report and index.html)."""
    return (resources.files("segkit") / "templates" / "report.css").read_text(encoding="utf-8")


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


# ---------------------------------------------------------------- provenance helpers
def package_versions() -> dict[str, str]:
    """Versions of Python and the key packages (``'not installed'`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(folder: str | Path | None = None) -> str | None:
    """The commit checked out in `folder` (default: segkit's source tree), or None outside git."""
    where = Path(folder) if folder else Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


# ---------------------------------------------------------------- the report
class Report:
    """Display helpers bound to one report language (``en`` or ``zh``).

    Creating a Report sets the chart theme for the language and, inside a Jupyter kernel, the
    inline PNG backend and the stylesheet, so a notebook opened in JupyterLab looks like its HTML.
    With `pseudonymize_ids`, every table shows keyed-hash customer ids (`segkit.privacy`).
    """

    def __init__(self, language: str = "en", *, pseudonymize_ids: bool = False) -> None:
        message(language, "core.report")  # fail early on an unknown language
        self.language = language
        self.pseudonymize_ids = pseudonymize_ids
        set_theme(language)
        if _in_kernel():
            import matplotlib
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            matplotlib.use("module://matplotlib_inline.backend_inline")
            set_matplotlib_formats("png")
            self._show(f"<style>{stylesheet()}</style>", wrap=False)

    # -- text
    def t(self, key: str, **values: object) -> str:
        """The catalogue text for `key` in this report's language."""
        return message(self.language, key, **values)

    def label(self, key_or_text: str) -> str:
        """Catalogue text when `key_or_text` is a catalogue key, else the text itself."""
        return catalogue(self.language).get(key_or_text, key_or_text)

    def heading(self, key: str, *, level: int = 2, **values: object) -> None:
        self._show(f"<h{level}>{html.escape(self.t(key, **values))}</h{level}>")

    def text(self, key: str, **values: object) -> None:
        self._show(f"<p>{html.escape(self.t(key, **values))}</p>")

    def how_to_read(self, key: str, **values: object) -> None:
        """A short boxed explanation of a method or chart."""
        self._show(f'<div class="how-to-read">{html.escape(self.t(key, **values))}</div>')

    def summary(self, sentences: Sequence[str]) -> None:
        """The executive summary: plain-language sentences carrying this run's numbers."""
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        self._show(f'<div class="summary"><h2>{html.escape(self.t("core.summary"))}</h2><ul>{items}</ul></div>')

    def warn(self, text: str) -> None:
        self._show(f'<div class="warning">{html.escape(text)}</div>')

    # -- numbers
    def key_number(self, name: str, value: object, *, label: str | None = None, fmt: str = "int") -> None:
        """Record a headline number for index.html and the manifest (invisible in the report).

        `label` is a catalogue key or text (default ``core.keys.<name>``); `fmt` is a `FORMATTERS` name.
        """
        record = {"name": name, "value": _json_value(value), "text": FORMATTERS[fmt](value),
                  "label": self.label(label or f"core.keys.{name}")}
        display({KEY_NUMBER_MIME: record, "text/plain": ""}, raw=True)

    # -- tables and figures
    def table(
        self,
        frame: pd.DataFrame,
        *,
        formats: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        max_rows: int = 20,
    ) -> None:
        """A table formatted for reading.

        `formats` maps column → 'int' | 'pct' | 'money' | 'float' | 'date' | 'text'; numeric
        columns without one are shown as 'int' or 'float'. `labels` maps column → header (a
        catalogue key or text); other headers come from ``core.columns.<column>`` when the
        catalogue has it. Columns holding personal data are never shown, and customer ids are
        pseudonymised when the Report was made with ``pseudonymize_ids=True``; rows beyond
        `max_rows` are cut with a note saying how many there were.
        """
        self._show(self.table_html(frame, formats=formats, labels=labels, max_rows=max_rows))

    def table_html(
        self,
        frame: pd.DataFrame,
        *,
        formats: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        max_rows: int = 20,
    ) -> str:
        """The HTML of `table` (used by `table` and by index.html)."""
        shown = privacy.drop_pii(frame)
        if self.pseudonymize_ids and schema.CUSTOMER_ID in shown.columns:
            shown = shown.assign(**{schema.CUSTOMER_ID: privacy.pseudonymize(shown[schema.CUSTOMER_ID])})
        formats = dict(formats or {})
        labels = dict(labels or {})
        words = catalogue(self.language)
        head, numeric = [], {}
        for column in shown.columns:
            kind = formats.get(column) or ("pvalue" if column in PVALUE_COLUMNS else _default_format(shown[column]))
            numeric[column] = kind in {"int", "float", "money", "pct", "pvalue", "number"}
            header = self.label(labels[column]) if column in labels else words.get(f"core.columns.{column}", str(column))
            head.append(f'<th class="{"num" if numeric[column] else "txt"}">{html.escape(header)}</th>')
            formats[column] = kind
        rows = []
        for record in shown.head(max_rows).itertuples(index=False, name=None):
            cells = []
            for column, value in zip(shown.columns, record):
                if _is_missing(value):
                    text = _MISSING
                elif isinstance(value, (bool, np.bool_)):
                    text = self._readable(value)
                else:
                    text = FORMATTERS[formats[column]](value)
                cells.append(f'<td class="{"num" if numeric[column] else "txt"}">{html.escape(text)}</td>')
            rows.append(f"<tr>{''.join(cells)}</tr>")
        note = ""
        if len(shown) > max_rows:
            note = f'<div class="table-note">{html.escape(self.t("core.table_cut", shown=fmt_int(max_rows), total=fmt_int(len(shown))))}</div>'
        return f'<table class="segkit-table"><thead><tr>{"".join(head)}</tr></thead><tbody>{"".join(rows)}</tbody></table>{note}'

    def figure(self, fig) -> None:
        """Show a matplotlib figure as an embedded PNG and close it (so it is not shown twice)."""
        import matplotlib.pyplot as plt

        fig.tight_layout()
        display(fig)
        plt.close(fig)

    # -- boxes
    def data_quality(self, audit: pd.DataFrame, raw_rows: int, kept_rows: int) -> None:
        """The data-quality box: rows in, rows used, and what each cleaning rule dropped and why.

        `audit` has columns rule, rows_removed, revenue_removed (`segkit.cleaning`); rule names
        are translated through ``quality.rules.<rule>`` and explained by ``quality.why.<rule>``
        when the catalogue has them. Rules that removed nothing are left out.
        """
        share = kept_rows / raw_rows if raw_rows else float("nan")
        headline = self.t("core.quality.headline", raw=fmt_int(raw_rows), kept=fmt_int(kept_rows), share=fmt_pct(share))
        words = catalogue(self.language)
        removed = audit.loc[audit["rows_removed"] > 0, ["rule", "rows_removed", "revenue_removed"]]
        rules = removed.assign(
            why=[words.get(f"quality.why.{r}", "") for r in removed["rule"]],
            rule=[words.get(f"quality.rules.{r}", r) for r in removed["rule"]],
        )
        body = (
            self.table_html(rules, formats={"rows_removed": "int", "revenue_removed": "money"},
                            labels={"rule": "core.quality.rule", "rows_removed": "core.quality.rows_removed",
                                    "revenue_removed": "core.quality.revenue_removed", "why": "core.quality.why"})
            if len(rules) else f"<p>{html.escape(self.t('core.quality.nothing_removed'))}</p>"
        )
        self._show(
            f'<div class="quality"><h3>{html.escape(self.t("core.quality.title"))}</h3>'
            f'<p class="headline">{html.escape(headline)}</p>{body}</div>'
        )

    def provenance(self, params: Mapping[str, object], inputs: Mapping[str, str | Path]) -> None:
        """The closing provenance section: run id, parameters, input hashes, versions, git commit.

        Parameters whose names mark secrets (``*key*``) are not shown.
        """
        from segkit import io

        shown = {k: v for k, v in params.items() if "key" not in k.lower()}
        param_rows = pd.DataFrame({"parameter": list(shown), "value": [self._readable(v) for v in shown.values()]})
        input_rows = pd.DataFrame([
            {"input": name, "file": Path(path).name if path else "–",
             "sha256": io.file_sha256(path) if path and Path(path).is_file() else self.t("core.provenance.absent")}
            for name, path in inputs.items()
        ], columns=["input", "file", "sha256"])
        versions = package_versions()
        version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
        words = {k: self.t(f"core.provenance.{k}") for k in ("title", "run_id", "parameters", "inputs", "versions", "commit", "created")}
        labels = {"parameter": "core.provenance.parameter", "input": "core.provenance.input", "value": "core.provenance.value", "file": "core.provenance.file", "sha256": "SHA-256"}
        run_id = params.get("run_id", "")
        self._show(
            f'<div class="provenance"><h2>{html.escape(words["title"])}</h2>'
            f'<p>{html.escape(words["run_id"])}: <code>{html.escape(str(run_id))}</code> · '
            f'{html.escape(words["commit"])}: <code>{html.escape(git_commit() or "–")}</code> · '
            f'{html.escape(words["created"])}: {datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}</p>'
            f'<h3>{html.escape(words["parameters"])}</h3>{self.table_html(param_rows, labels=labels, formats={"value": "text"}, max_rows=100)}'
            f'<h3>{html.escape(words["inputs"])}</h3>{self.table_html(input_rows, labels=labels, max_rows=100)}'
            f'<h3>{html.escape(words["versions"])}</h3><p>{html.escape(version_text)}</p></div>'
        )

    # -- plumbing
    def _readable(self, value: object) -> str:
        """A value as a reader should see it: yes/no, numbers to 6 significant digits, lists and
        mappings in that form too (``{'recency': 150.908181}``, not 15 digits of float noise)."""
        if isinstance(value, (bool, np.bool_)):
            return self.t("core.yes") if value else self.t("core.no")
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.6g}"
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"{k}: {self._readable(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self._readable(v) for v in value) + "]"
        return str(value)

    def _show(self, markup: str, *, wrap: bool = True) -> None:
        display(HTML(f'<div class="segkit">{markup}</div>' if wrap else markup))


def _json_value(value: object) -> object:
    """`value` as JSON can hold it: numbers as float, dates as ISO text, missing as None."""
    if _is_missing(value):
        return None
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return float(value)


def _default_format(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "text"
    if pd.api.types.is_integer_dtype(column):
        return "int"
    if pd.api.types.is_float_dtype(column):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "date"
    return "text"
