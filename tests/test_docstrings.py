"""Every public function of the package faces documents its parameters and its result (numpydoc).

The public API is what a face's ``__all__`` lists; each function there with parameters has a
``Parameters`` section naming every one of them, and each function that returns something a
``Returns`` section, so a reader of ``help()`` never has to open the code to use it.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

FACES = ("intake", "prep", "value", "models", "survey", "core")


def _public_functions() -> list:
    found = []
    for face in FACES:
        module = importlib.import_module(f"segkit.{face}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found.append(pytest.param(obj, id=f"{face}.{name}"))
    return found


def _section(doc: str, title: str) -> str | None:
    """The body of a numpydoc section (title line, dashed line, then up to the next section)."""
    match = re.search(rf"^{title}\n-{{{len(title)}}}-*\n(.*?)(?=^\w[\w ]*\n-{{3,}}\n|\Z)", doc, re.M | re.S)
    return match.group(1) if match else None


def test_the_faces_have_public_functions():
    assert len(_public_functions()) >= 50


@pytest.mark.parametrize("function", _public_functions())
def test_parameters_are_documented(function):
    parameters = list(inspect.signature(function).parameters)
    if not parameters:
        return
    doc = inspect.getdoc(function) or ""
    section = _section(doc, "Parameters")
    assert section is not None, f"{function.__qualname__}: no 'Parameters' section with a dashed line"
    documented = {
        n.strip() for line in section.splitlines() if line and not line[0].isspace() for n in line.split(":")[0].split(",")
    }
    missing = [p for p in parameters if p not in documented]
    assert not missing, f"{function.__qualname__}: parameters not documented: {missing}"


@pytest.mark.parametrize("function", _public_functions())
def test_results_are_documented(function):
    annotation = inspect.signature(function).return_annotation
    if annotation in (None, "None"):
        return
    doc = inspect.getdoc(function) or ""
    assert _section(doc, "Returns") is not None, f"{function.__qualname__}: returns a value but has no 'Returns' section"
