"""Executed notebooks to self-contained HTML without code, and the run's index page."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from datetime import datetime

import nbformat

import segkit
from segkit.pipeline.config import RunConfig
from segkit.pipeline.notebooks import NotebookResult
from segkit.pipeline.previous import change_text, key_changes, previous_run
from segkit.reporting.fonts import cjk_webfont_css
from segkit.reporting.i18n import message
from segkit.reporting.report import KEY_NUMBER_MIME
from segkit.reporting.theme import stylesheet

#: Cell tags understood by the HTML rendering (same meaning as in Jupyter Book).
REMOVE_CELL, HIDE_INPUT, REMOVE_OUTPUT = "remove-cell", "hide-input", "remove-output"


# ---------------------------------------------------------------- HTML
def render_html(notebook: nbformat.NotebookNode, *, language: str, run_id: str, fallback_title: str) -> tuple[str, str]:
    """One self-contained HTML page of an executed notebook, without code; returns (page, title).

    No input cells or prompts; cells tagged ``remove-cell`` vanish, ``remove-output`` lose their
    output; stderr streams (warnings), key-number outputs and papermill's parameter cells are left
    out. Images are the PNGs already embedded in the notebook; the stylesheet is inlined; no script.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    shown = _reader_view(notebook)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={REMOVE_CELL}, remove_input_tags={HIDE_INPUT}, remove_all_outputs_tags={REMOVE_OUTPUT}, enabled=True
        ),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(shown)
    found = re.search(r"<h1[^>]*>(.*?)</h1>", body, flags=re.DOTALL)
    title = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else fallback_title
    nav = f'<p><a href="index.html">{html.escape(message(language, "core.back_to_index"))}</a></p>'
    return _page(language, title, nav + body + _footer(language, run_id)), title


def _reader_view(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    shown = copy.deepcopy(notebook)
    kept = []
    for cell in shown.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and KEY_NUMBER_MIME not in o.get("data", {})
            ]
        kept.append(cell)
    shown.cells = kept
    return shown


def _page(language: str, title: str, body: str) -> str:
    lang = "zh-CN" if language == "zh" else "en"
    text = re.sub(r"data:[^\"']*", "", title + body)  # the words of the page, without embedded images
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{cjk_webfont_css(text)}\n{stylesheet()}</style></head>\n"
        f'<body class="segkit">\n{body}\n</body></html>\n'
    )


def _footer(language: str, run_id: str) -> str:
    created = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = message(language, "core.footer", version=segkit.__version__, run_id=run_id, created=created)
    return f'<div class="footer">{html.escape(text)}</div>'


def _notebook_title(language: str, name: str) -> str:
    try:
        return message(language, f"core.notebooks.{name}")
    except KeyError:
        return name


def render_index(config: RunConfig, results: Sequence[NotebookResult], *, started: datetime, finished: datetime) -> str:
    """index.html: status and duration per notebook, its key numbers and links to every file.

    A failed notebook has no HTML page: its row links to its executed notebook (the failing cell
    shows the error) and shows the error message. Each key number shows its change since the
    previous run (`segkit.pipeline.previous`: the latest published run that finished before this
    one started), and the page says which run that is.
    """
    lang = config.language
    previous = previous_run(config.reports_dir, before=started)
    changes = key_changes(results, previous)

    def t(key: str, **values: object) -> str:
        return html.escape(message(lang, f"core.index.{key}", **values))

    def row(r: NotebookResult) -> str:
        title = html.escape(r.title or _notebook_title(lang, r.name))
        status = f'<span class="status-{r.status}">{t(r.status)}</span>'
        if r.status == "failed":
            page = f"executed/{r.name}.ipynb"
            status += f'<div class="table-note">{t("error", message=_error_text(r))}</div>'
        else:
            page = f"{r.name}.html"
        if r.kept_from:
            status += f'<div class="table-note">{t("kept", finished=r.kept_from)}</div>'
        return (
            f'<tr><td class="txt"><a href="{page}">{title}</a></td><td class="txt">{status}</td>'
            f'<td class="num">{t("seconds", seconds=f"{r.seconds:,.1f}")}</td>'
            f'<td class="txt"><a href="executed/{r.name}.ipynb">{t("executed")}</a></td></tr>'
        )

    def box(r: NotebookResult, k: dict) -> str:
        moved = change_text(changes.get((r.name, k["name"])), k.get("fmt", ""), lang)
        shown = f'<div class="change">{html.escape(moved)}</div>' if moved else ""
        return (
            f'<div class="key"><div class="value">{html.escape(k["text"])}</div>{shown}'
            f'<div class="label">{html.escape(k["label"])}</div></div>'
        )

    rows = "".join(row(r) for r in results)
    cards = ""
    for r in results:
        if r.key_numbers:
            boxes = "".join(box(r, k) for k in r.key_numbers)
            cards += f'<h3>{html.escape(r.title or r.name)}</h3><div class="keys">{boxes}</div>'
    if previous is None:
        compared = f'<p class="table-note">{t("no_previous")}</p>'
    else:
        finished_at = datetime.fromisoformat(previous["finished"])
        compared = (
            f'<p class="table-note">{t("compared", run_id=previous["folder"], finished=f"{finished_at:%Y-%m-%d %H:%M:%S}")}</p>'
        )
    done = sum(r.status == "ok" for r in results)
    failed = sum(r.status == "failed" for r in results)
    note = f'<p class="table-note">{t("failed_note", failed=failed, total=len(results))}</p>' if failed else ""
    meta = (
        f"<p>{t('run')}: <code>{html.escape(config.run_id)}</code> · {t('language')}: {html.escape(message(lang, f'core.language_names.{lang}'))} · "
        f"{t('started')}: {started:%Y-%m-%d %H:%M:%S} · {t('finished')}: {finished:%Y-%m-%d %H:%M:%S} · "
        f"{t('config')}: <code>{html.escape(config.source.name)}</code></p>"
    )
    body = (
        f"<h1>{t('title', run_id=config.run_id)}</h1>{meta}<p>{t('intro', done=done, total=len(results))}</p>{note}"
        f'<table class="segkit-table"><thead><tr><th class="txt">{t("notebook")}</th><th class="txt">{t("status")}</th>'
        f'<th class="num">{t("duration")}</th><th class="txt">{t("links")}</th></tr></thead><tbody>{rows}</tbody></table>'
        f'<h2>{t("key_numbers")}</h2>{compared if cards else ""}{cards}<p><a href="manifest.json">{t("manifest")}</a> · <a href="run.log">run.log</a></p>'
    )
    return _page(lang, message(lang, "core.index.title", run_id=config.run_id), body + _footer(lang, config.run_id))


def _error_text(result: NotebookResult) -> str:
    """The failure message of a notebook on one line, without the notebook name it starts with."""
    text = " ".join((result.error or "").split())
    prefix = f"{result.name}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
