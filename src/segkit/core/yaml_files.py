"""YAML that a person wrote: a key given twice is an error naming both lines, never silently the last.

PyYAML's safe loader keeps the last of two equal keys in a mapping, so ``language: en`` written
twice, or an input listed twice under ``inputs``, is taken without a word. `UniqueKeyLoader` refuses
that; `parse_yaml` turns it and every YAML error into an `InputError` naming the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from segkit.core.errors import InputError


class DuplicateKeyError(yaml.YAMLError):
    """A mapping gives the same key twice; `key` and the 1-based `lines` of both."""

    def __init__(self, key: object, lines: tuple[int, int]) -> None:
        super().__init__(f"key {key!r} is given twice (lines {lines[0]} and {lines[1]})")
        self.key = key
        self.lines = lines


class UniqueKeyLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that raises `DuplicateKeyError` for a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Check the mapping's own keys (merge keys ``<<`` aside), then construct it as SafeLoader does.

        Parameters
        ----------
        node : yaml.MappingNode
            The mapping as parsed.
        deep : bool, default False
            Construct nested values at once.

        Returns
        -------
        dict
            The mapping.

        Raises
        ------
        DuplicateKeyError
            For the first key given twice.
        """
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise DuplicateKeyError(key, (seen[key], line))
                seen[key] = line
            except TypeError:  # an unhashable key: SafeLoader reports it
                continue
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, *, source: str, loader: type[UniqueKeyLoader] = UniqueKeyLoader) -> Any:
    """Parse YAML text with `loader`, refusing duplicate keys; an empty document is ``None``.

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        The file's name; every message starts with it.
    loader : type, default UniqueKeyLoader
        A `UniqueKeyLoader` subclass (e.g. one that leaves dates as text).

    Returns
    -------
    object
        The document.

    Raises
    ------
    InputError
        For a key given twice (naming the key and both lines) or text that is not YAML.
    """
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKeyError as exc:
        first, second = exc.lines
        raise InputError(f"{source}: key {exc.key!r} is given twice (lines {first} and {second}); keep one of them") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc})") from None
