"""Package data: the demo need catalogue, Likert and Kano answer labels, the complaint keyword
dictionary and the risk-questionnaire scoring (YAML). Load them with `path(name)`."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def path(name: str) -> Traversable:
    """The packaged catalogue file `name` (e.g. ``"likert.yaml"``)."""
    return resources.files(__package__) / name
