"""The report look: number formats, the Report display helpers, charts, fonts, the i18n catalogues and the stylesheet."""

from __future__ import annotations
