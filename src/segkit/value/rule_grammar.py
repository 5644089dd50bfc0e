"""The ``when:`` conditions of a rule file: a small grammar, parsed once, evaluated on columns.

A rule file comes from a user, so its conditions are data, never code. They used to go to
`pandas.DataFrame.eval`, which also runs function calls, attribute access and ``@`` locals (a
rules file ran ``os.system``). This module accepts only what a segment needs::

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | "(" condition ")" | comparison
    comparison := operand (op operand)+          op: <  <=  >  >=  ==  !=
                | column ["not"] "in" "[" literal ("," literal)* [","] "]"
    operand    := column | literal
    literal    := ["-"] number | 'text' | "text"

Every comparison sets one column against one literal; a chain such as ``2 <= r_score <= 4``
is the "and" of its links, as in Python. Precedence is Python's (``not`` > ``and`` > ``or``).

Why a hand-written tokenizer and recursive-descent parser rather than `ast` with a whitelist of
node types: the grammar is a dozen lines, so the parser is short, and it refuses by construction;
with `ast` the danger is whatever the whitelist forgets, and Python's syntax brings what a rule
must not have (``&`` binding tighter than ``<``, ``a < b`` between two columns, f-strings,
walrus, ``0x10``), each needing its own refusal. Our own tokens also give messages that say
what was refused and where ("function calls are not allowed ('(' at character 11)"), and an
explicit nesting limit turns 10,000 parentheses into an `InputError`, not a `RecursionError`
(and no parser package is needed: pyparsing and lark are not dependencies).

Parsing needs no data (`parse_condition`, called when the rule file is loaded); the columns
and their types are checked when the condition meets the customer table (`evaluate`), whose
comparisons are vectorised pandas operations. A missing value compares false, ``!=`` and
``not in`` included (SQL's reading: an unknown region is neither 'east' nor "not 'east'").
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.core.errors import InputError

#: Deepest nesting of parentheses and ``not`` a condition may have.
MAX_DEPTH = 50

#: The comparison operators and the operator with its sides swapped (``3 < x`` is ``x > 3``).
_SWAPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
_KEYWORDS = ("and", "or", "not", "in")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>\.?\d[\w.]*(?:(?<=[eE])[+-]\d+)?)
      | (?P<name>[^\W\d]\w*)
      | (?P<text>'[^']*'|"[^"]*")
      | (?P<op><=|>=|==|!=|<|>)
      | (?P<punct>[()\[\],-])
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)

#: Why a character outside the grammar is refused.
_REFUSED = {
    "@": "'@' (local variables) is not allowed", "`": "backtick-quoted names are not allowed",
    ".": "attribute access is not allowed", "=": "'=' is not a comparison (use '==')",
    "&": "'&' is not allowed (use 'and')", "|": "'|' is not allowed (use 'or')", "~": "'~' is not allowed (use 'not')",
    "!": "'!' is not allowed (use 'not' or '!=')", "'": "a quoted text is not closed", '"': "a quoted text is not closed",
}  # fmt: skip
_ARITHMETIC = "+-*/%^"


# ------------------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Compare:
    """``column op value``, the column always on the left."""

    column: str
    op: str
    value: float | int | str


@dataclass(frozen=True)
class Member:
    """``column in [values]`` (``negate``: ``not in``)."""

    column: str
    values: tuple[float | int | str, ...]
    negate: bool = False


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True)
class Join:
    """``and`` (every operand holds) or ``or`` (any operand holds)."""

    op: str
    operands: tuple[Node, ...]


Node = Compare | Member | Not | Join


@dataclass(frozen=True)
class Condition:
    """A parsed ``when:`` condition: the text as written and its tree.

    Attributes
    ----------
    text : str
        The condition as the rule file gives it.
    tree : Compare, Member, Not or Join
        The parsed condition.
    """

    text: str
    tree: Node


# ----------------------------------------------------------------------------------- the parser


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, keyword, text, op, punct, end
    text: str
    at: int  # 1-based character


def _refuse(where: str, text: str, problem: str) -> InputError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return InputError(f"{where}: 'when' may only compare columns with numbers (or quoted text); {problem} in {shown!r}")


def _tokens(text: str, where: str) -> list[_Token]:
    """The tokens of `text`; a character outside the grammar becomes a ``refused`` token whose
    text is the reason, raised when the parser reaches it (so ``f(x).y`` is refused as a call)."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind, value, at = match.lastgroup or "other", match.group(), match.start() + 1
        if kind == "space":
            continue
        if kind == "other":
            arithmetic = f"arithmetic is not allowed ({value!r} at character {at})"
            problem = (
                arithmetic if value in _ARITHMETIC else f"{_REFUSED.get(value, f'{value!r} is not allowed')} (character {at})"
            )
            tokens.append(_Token("refused", problem, at))
            break
        if kind == "number" and not _NUMBER.fullmatch(value):
            raise _refuse(where, text, f"{value!r} is not a number (character {at})")
        if kind == "text" and "\\" in value:
            raise _refuse(where, text, f"backslashes are not allowed in quoted text (character {at})")
        if kind == "name" and value in _KEYWORDS:
            kind = "keyword"
        tokens.append(_Token(kind, value, at))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    """Recursive descent over the tokens; every refusal names the token and its place."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.tokens = _tokens(text, where)
        self.pos = self.depth = 0

    def peek(self, offset: int = 0) -> _Token:
        token = self.tokens[min(self.pos + offset, len(self.tokens) - 1)]
        if token.kind == "refused":
            raise _refuse(self.where, self.text, token.text)
        return token

    def take(self) -> _Token:
        token = self.peek()
        self.pos += 1
        return token

    def fail(self, problem: str, token: _Token | None = None) -> InputError:
        token = token or self.peek()
        place = "at the end" if token.kind == "end" else f"{token.text!r} at character {token.at}"
        return _refuse(self.where, self.text, f"{problem} ({place})")

    def is_(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str, what: str) -> None:
        if not self.is_(kind, text):
            raise self.fail(f"expected {what}")
        self.take()

    def condition(self) -> Node:
        if self.is_("end"):
            raise _refuse(self.where, self.text, "the condition is empty")
        node = self.or_()
        if not self.is_("end"):
            raise self.fail("function calls are not allowed" if self.is_("punct", "(") else "expected 'and', 'or' or the end")
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.is_("keyword", "or") and self.take():
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else Join("or", tuple(operands))

    def and_(self) -> Node:
        operands = [self.not_()]
        while self.is_("keyword", "and") and self.take():
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else Join("and", tuple(operands))

    def not_(self) -> Node:
        if not (self.is_("keyword", "not") or self.is_("punct", "(")):
            return self.comparison()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"parentheses and 'not' nest deeper than {MAX_DEPTH} levels")
        if self.take().text == "not":
            node: Node = Not(self.not_())
        else:
            node = self.or_()
            self.expect("punct", ")", "')'")
        self.depth -= 1
        return node

    def operand(self) -> tuple[str, float | int | str]:
        """('column', name) or ('literal', value)."""
        token = self.peek()
        if token.kind == "name":
            self.take()
            after = self.peek()
            if after.kind == "punct" and after.text == "(":
                raise self.fail("function calls are not allowed", after)
            return "column", token.text
        return "literal", self.literal()

    def literal(self) -> float | int | str:
        token = self.take()
        if token.kind == "text":
            return token.text[1:-1]
        sign = 1
        if token.kind == "punct" and token.text == "-":
            sign, token = -1, self.take()
            if token.kind != "number":
                self.pos -= 1
                raise self.fail("'-' may only stand before a number (no arithmetic on columns)")
        if token.kind == "number":
            return sign * (float(token.text) if any(c in token.text for c in ".eE") else int(token.text))
        self.pos -= 1
        raise self.fail(
            f"{token.text!r} cannot stand here" if token.kind == "keyword" else "expected a column, a number or a quoted text"
        )

    def comparison(self) -> Node:
        start = self.peek()
        kind, value = self.operand()
        if kind == "column" and (self.is_("keyword", "in") or (self.is_("keyword", "not") and self.peek(1).text == "in")):
            negate = self.take().text == "not" and bool(self.take())
            return Member(str(value), self.members(), negate)
        sides, ops, starts = [(kind, value)], [], [start]
        while self.is_("op"):
            ops.append(self.take().text)
            starts.append(self.peek())
            sides.append(self.operand())
        if not ops:
            what = "a comparison such as 'r_score >= 4'"
            raise self.fail(f"{start.text!r} is not compared with anything; expected {what}", self.peek())
        links: list[Node] = []
        for op, (left_kind, left), (right_kind, right), at in zip(ops, sides, sides[1:], starts):
            if left_kind == right_kind:
                both = "two columns" if left_kind == "column" else "two values"
                raise self.fail(f"{op!r} compares {both}; each comparison sets a column against a number or quoted text", at)
            links.append(Compare(str(left), op, right) if left_kind == "column" else Compare(str(right), _SWAPPED[op], left))
        return links[0] if len(links) == 1 else Join("and", tuple(links))

    def members(self) -> tuple[float | int | str, ...]:
        self.expect("punct", "[", "'[' after 'in' (a list such as [1, 2, 3])")
        values = [self.literal()]
        while self.is_("punct", ","):
            self.take()
            if self.is_("punct", "]"):
                break
            values.append(self.literal())
        self.expect("punct", "]", "',' or ']' in the list")
        return tuple(values)


def parse_condition(text: object, *, where: str) -> Condition:
    """Parse a ``when:`` condition, refusing anything outside the grammar (module docstring).

    Parameters
    ----------
    text : object
        The condition as the rule file gives it (anything but a text is refused).
    where : str
        What an error names first, e.g. ``"rules.yaml: map 'vip', segment 'top'"``.

    Returns
    -------
    Condition
        The text and its tree, ready for `evaluate`.

    Raises
    ------
    InputError
        When the condition is not a text, is empty, or uses anything the grammar does not have
        (function calls, attributes, ``@`` locals, backticks, arithmetic, deep nesting ...).
    """
    if not isinstance(text, str):
        raise InputError(f"{where}: 'when' must be a quoted condition such as \"r_score >= 4\", got {text!r}")
    return Condition(text=text, tree=_Parser(text, where).condition())


# -------------------------------------------------------------------------------- the evaluation


def _is_text(column: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(column.dtype) or isinstance(column.dtype, pd.CategoricalDtype))


def _column(frame: pd.DataFrame, name: str, values: tuple[object, ...], condition: Condition, where: str) -> pd.Series:
    """The column `name`, checked to exist and to hold what `values` are (numbers or texts)."""
    if name not in frame.columns:
        raise _refuse(where, condition.text, f"{name!r} is not a column (columns: {', '.join(map(str, frame.columns))})")
    column = frame[name]
    wants_text = any(isinstance(v, str) for v in values)
    if _is_text(column):
        if not wants_text:
            problem = f"{name!r} holds text, so compare it with quoted text such as 'east', not {values[0]!r}"
            raise _refuse(where, condition.text, problem)
        return column.astype("str")
    if not pd.api.types.is_numeric_dtype(column.dtype):
        raise _refuse(where, condition.text, f"{name!r} holds {column.dtype} values, neither numbers nor text")
    if wants_text:
        shown = next(v for v in values if isinstance(v, str))
        raise _refuse(where, condition.text, f"{name!r} holds numbers, so compare it with a number, not {shown!r}")
    return column


def _known(result: object, missing: np.ndarray) -> np.ndarray:
    """A comparison's result as booleans, false wherever the column's value is missing."""
    return pd.Series(result).to_numpy(dtype=bool, na_value=False) & ~missing


def _evaluate(node: Node, frame: pd.DataFrame, condition: Condition, where: str) -> np.ndarray:
    if isinstance(node, Compare):
        column = _column(frame, node.column, (node.value,), condition, where)
        return _known(_OPERATORS[node.op](column, node.value), column.isna().to_numpy())
    if isinstance(node, Member):
        column = _column(frame, node.column, node.values, condition, where)
        inside = column.isin(list(node.values)).to_numpy(dtype=bool, na_value=False)
        return _known(~inside if node.negate else inside, column.isna().to_numpy())
    if isinstance(node, Not):
        return ~_evaluate(node.operand, frame, condition, where)
    parts = [_evaluate(operand, frame, condition, where) for operand in node.operands]
    return np.logical_and.reduce(parts) if node.op == "and" else np.logical_or.reduce(parts)


def evaluate(condition: Condition, frame: pd.DataFrame, *, where: str) -> np.ndarray:
    """Which rows of `frame` meet `condition` (vectorised; a missing value compares false).

    Parameters
    ----------
    condition : Condition
        A parsed condition (`parse_condition`).
    frame : pandas.DataFrame
        The customer table whose columns the condition tests.
    where : str
        What an error names first, e.g. ``"rules.yaml: map 'vip', segment 'top'"``.

    Returns
    -------
    numpy.ndarray
        One boolean per row of `frame`.

    Raises
    ------
    InputError
        When the condition names a column `frame` does not have, or compares a number column
        with quoted text, a text column with a number, or a column of dates or other values.
    """
    return np.asarray(_evaluate(condition.tree, frame, condition, where), dtype=bool).reshape(len(frame))
