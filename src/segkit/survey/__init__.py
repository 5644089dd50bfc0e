"""Survey intake: the need catalogue, Likert scales and Kano answers in Chinese or English, wide and long files."""

from __future__ import annotations

from segkit.survey.catalogue import CATALOGUE_COLUMNS, KANO_MEASURES, RATING_MEASURES, UNCLASSIFIED, NeedCatalogue, load_catalogue
from segkit.survey.kano_answers import ANSWERS, default_labels, parse_kano_answers
from segkit.survey.likert import BadAnswer, LikertScale, parse_likert
from segkit.survey.load import read_survey
from segkit.survey.read import Survey, answer_columns, base_sizes, survey_from_long, wide_to_long

__all__ = [
    "RATING_MEASURES",
    "KANO_MEASURES",
    "CATALOGUE_COLUMNS",
    "UNCLASSIFIED",
    "NeedCatalogue",
    "load_catalogue",
    "ANSWERS",
    "default_labels",
    "parse_kano_answers",
    "LikertScale",
    "BadAnswer",
    "parse_likert",
    "Survey",
    "answer_columns",
    "wide_to_long",
    "survey_from_long",
    "read_survey",
    "base_sizes",
]
