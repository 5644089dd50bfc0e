"""A CJK font for charts on a machine without system fonts.

Chinese chart text needs a font with CJK glyphs. The `mpl-font` package ships Noto Sans CJK SC
(SIL Open Font License); we register its files with matplotlib's font manager at runtime, which
touches nothing in matplotlib's install folder and needs no system fonts. Importing
``mpl_font.noto`` would do the same but also overwrite ``rcParams`` as a side effect of the import,
so the files are located without importing the package.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

#: Family name of the font shipped in mpl-font's ``fonts/noto`` folder.
CJK_FAMILY = "Noto Sans CJK SC"
#: Weights registered: regular text and bold titles (each file is ~16 MB, so not all four).
_WEIGHTS = ("Regular", "Bold")


def cjk_font_files() -> list[Path]:
    """The Noto Sans CJK SC files inside the installed mpl-font package."""
    spec = importlib.util.find_spec("mpl_font")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'mpl-font' package is not installed; it provides the CJK chart font")
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "noto"
    files = [folder / f"NotoSansCJKsc-{weight}.otf" for weight in _WEIGHTS]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise RuntimeError(f"mpl-font is installed but lacks {', '.join(missing)} in {folder}")
    return files


@cache
def register_cjk_font() -> str:
    """Add the CJK font files to matplotlib's font manager (once per process); return the family name."""
    from matplotlib import font_manager

    for path in cjk_font_files():
        font_manager.fontManager.addfont(str(path))
    return CJK_FAMILY


def font_stack(language: str) -> list[str]:
    """The ``font.sans-serif`` list for `language`.

    Chinese reports put the CJK font first so Latin and CJK text share one design; English
    reports keep matplotlib's default first and fall back to the CJK font for any Chinese
    category names in the data (matplotlib >= 3.6 falls back glyph by glyph).
    """
    cjk = register_cjk_font()
    return [cjk, "DejaVu Sans"] if language == "zh" else ["DejaVu Sans", cjk]


#: CSS family name of the font subset embedded in HTML reports.
WEB_FAMILY = "segkit CJK"
_CJK_START = 0x2E80  # CJK radicals onwards: ideographs, CJK punctuation, full-width forms


def cjk_webfont_css(text: str) -> str:
    """An ``@font-face`` rule embedding just the CJK glyphs `text` uses (WOFF, base64), or ``""``.

    A report page must read on a machine without Chinese fonts too (a fresh Linux box, a CI
    browser). The whole font is 16 MB; the few hundred characters of a report subset to tens of
    kilobytes, so the page stays one self-contained file well under 2 MB. The stylesheet lists
    this family first: Chromium shows boxes for CJK text when an embedded font is only a later
    fallback, while Latin text falls through to the next family as the subset has no Latin glyphs.
    """
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = "".join(sorted({c for c in text if ord(c) >= _CJK_START}))
    if not chars:
        return ""
    options = subset.Options()
    options.flavor, options.hinting, options.desubroutinize, options.layout_features = "woff", False, True, []
    font = TTFont(cjk_font_files()[0], lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "{WEB_FAMILY}"; src: url(data:font/woff;base64,{data}) format("woff"); }}'
