"""The report look shared by every notebook: text from the catalogue, formatted tables, charts.

Notebooks stay thin: they call `Report` methods, which display HTML in the notebook; the run
pipeline (`segkit.pipeline.run`) renders executed notebooks to HTML without code, with the same stylesheet
(``templates/report.css``).

Key numbers: ``R.key_number("rows_used", 1234, label="quality.keys.rows_used", fmt="int")``
writes an invisible output of MIME type `KEY_NUMBER_MIME`; `segkit.pipeline.run` collects them for
``index.html`` and ``manifest.json`` and strips them from the HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from segkit.core import privacy, schema
from segkit.reporting.formats import (
    _MISSING,
    FORMATTERS,
    PVALUE_COLUMNS,
    _default_format,
    _is_missing,
    _json_value,
    fmt_int,
    fmt_pct,
)
from segkit.reporting.i18n import catalogue, message
from segkit.reporting.provenance import git_commit, package_versions
from segkit.reporting.theme import _in_kernel, plain_text, set_theme, stylesheet

#: MIME type of the invisible outputs that carry key numbers to the run pipeline.
KEY_NUMBER_MIME = "application/vnd.segkit.key-number+json"


# ---------------------------------------------------------------- the report
class Report:
    """Display helpers bound to one report language (``en`` or ``zh``).

    Creating a Report sets the chart theme for the language and, inside a Jupyter kernel, the
    inline PNG backend and the stylesheet, so a notebook opened in JupyterLab looks like its HTML.
    With `pseudonymize_ids`, every table shows keyed-hash customer ids (`segkit.core.privacy`).
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

    def heading_text(self, text: str, *, level: int = 2) -> None:
        """A heading whose text is already in the report language (a user's map title, `map_title`)."""
        self._show(f"<h{level}>{html.escape(text)}</h{level}>")

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

        `label` is a catalogue key or text (default ``core.keys.<name>``); `fmt` is a `FORMATTERS` name,
        recorded with the value so that index.html writes the change since the previous run in it.
        """
        record = {
            "name": name,
            "value": _json_value(value),
            "text": FORMATTERS[fmt](value),
            "label": self.label(label or f"core.keys.{name}"),
            "fmt": fmt,  # the index writes the change since the previous run in this format
        }
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
        """Show a matplotlib figure as an embedded PNG and close it (so it is not shown twice).

        Its text is plain text, never mathtext (`segkit.reporting.theme.plain_text`).
        """
        import matplotlib.pyplot as plt

        plain_text(fig)
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    # -- boxes
    def data_quality(self, audit: pd.DataFrame, raw_rows: int, kept_rows: int) -> None:
        """The data-quality box: rows in, rows used, and what each cleaning rule dropped and why.

        `audit` has columns rule, rows_removed, revenue_removed (`segkit.prep.cleaning`); rule names
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
            self.table_html(
                rules,
                formats={"rows_removed": "int", "revenue_removed": "money"},
                labels={
                    "rule": "core.quality.rule",
                    "rows_removed": "core.quality.rows_removed",
                    "revenue_removed": "core.quality.revenue_removed",
                    "why": "core.quality.why",
                },
            )
            if len(rules)
            else f"<p>{html.escape(self.t('core.quality.nothing_removed'))}</p>"
        )
        self._show(
            f'<div class="quality"><h3>{html.escape(self.t("core.quality.title"))}</h3>'
            f'<p class="headline">{html.escape(headline)}</p>{body}</div>'
        )

    def provenance(self, params: Mapping[str, object], inputs: Mapping[str, str | Path]) -> None:
        """The closing provenance section: run id, parameters, input hashes, versions, git commit.

        Parameters whose names mark secrets (``*key*``) are not shown.
        """
        from segkit.core import files as io

        shown = {k: v for k, v in params.items() if "key" not in k.lower()}
        param_rows = pd.DataFrame({"parameter": list(shown), "value": [self._readable(v) for v in shown.values()]})
        input_rows = pd.DataFrame(
            [
                {
                    "input": name,
                    "file": (str(path) if "://" in str(path) else Path(path).name) if path else "–",  # a database: URL, table
                    "sha256": io.file_sha256(path) if path and Path(path).is_file() else self.t("core.provenance.absent"),
                }
                for name, path in inputs.items()
            ],
            columns=["input", "file", "sha256"],
        )
        versions = package_versions()
        version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
        words = {
            k: self.t(f"core.provenance.{k}")
            for k in ("title", "run_id", "parameters", "inputs", "versions", "commit", "created")
        }
        labels = {
            "parameter": "core.provenance.parameter",
            "input": "core.provenance.input",
            "value": "core.provenance.value",
            "file": "core.provenance.file",
            "sha256": "SHA-256",
        }
        run_id = params.get("run_id", "")
        self._show(
            f'<div class="provenance"><h2>{html.escape(words["title"])}</h2>'
            f"<p>{html.escape(words['run_id'])}: <code>{html.escape(str(run_id))}</code> · "
            f"{html.escape(words['commit'])}: <code>{html.escape(git_commit() or '–')}</code> · "
            f"{html.escape(words['created'])}: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}</p>"
            f"<h3>{html.escape(words['parameters'])}</h3>{self.table_html(param_rows, labels=labels, formats={'value': 'text'}, max_rows=100)}"
            f"<h3>{html.escape(words['inputs'])}</h3>{self.table_html(input_rows, labels=labels, max_rows=100)}"
            f"<h3>{html.escape(words['versions'])}</h3><p>{html.escape(version_text)}</p></div>"
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
