"""The ``when:`` grammar of rule files: known labels, hostile conditions refused, the old rules kept.

A rule file is data from a user: nothing in it may run code. Each hostile condition below must be
refused with an `InputError` naming the file, the map and the segment; every condition the
project's files and README use must give the labels `pandas.DataFrame.eval` gave; and random
well-formed conditions must evaluate like a row-by-row reference.
"""

from __future__ import annotations

import math
import operator
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.core.errors import InputError
from segkit.value import maps
from segkit.value.rule_grammar import MAX_DEPTH, evaluate, parse_condition

ROOT = Path(__file__).resolve().parents[1]
WHERE = "rules.yaml: map 'vip', segment 'top'"


def rules_file(tmp_path, *whens, other="rest"):
    """A rule file ``rules.yaml`` with map ``vip``: segment ``top`` gets the first condition, then s2, s3 ..."""
    keys = ["top", *(f"s{i}" for i in range(2, len(whens) + 1))]
    segments = [{"key": k, "rank": i, "en": k, "when": w} for i, (k, w) in enumerate(zip(keys, whens), start=1)]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"vip": {"segments": segments, "other": {"key": other, "rank": 99}}}), encoding="utf-8")
    return path


def customers():
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "r_score": [5, 4, 3, 2, 1, 3],
            "f_score": [5, 3, 4, 2, 1, 2],
            "m_score": [4, 1, 1, 2, 5, 3],
            "monetary": [2000.0, -1.0, np.nan, 10.0, 0.0, 500.0],
            "region": pd.array(["east", "west", None, "north", "east", "south"], dtype="str"),
        }
    )


# ------------------------------------------------------------------------------ hand cases


def test_hand_cases_give_the_labels_worked_out_by_hand(tmp_path):
    path = rules_file(
        tmp_path,
        "r_score >= 4 and f_score in [4, 5]",  # c1 only (c2 has f 3)
        "2 <= r_score <= 3 and not (m_score == 1)",  # c4 (r 2, m 2), c6 (r 3, m 3); c3 has m 1
        "monetary < -0.5 or monetary > 1e3",  # c2 (-1); c1 is taken; c3 NaN compares false
        "region == 'east' or region not in ['west', 'north', 'south']",  # c5 (east); c3 None is not "not in"
    )
    segmap = maps.apply_rules(customers(), maps.load_rules(path)["vip"])
    assert segmap.table["segment"].tolist() == ["top", "s3", "rest", "s2", "s4", "s2"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("r_score == 3", [False, False, True, False, False, True]),
        ("3 == r_score", [False, False, True, False, False, True]),
        ("4 < r_score", [True, False, False, False, False, False]),
        ("r_score != 3", [True, True, False, True, True, False]),
        ("monetary != 0", [True, True, False, True, False, True]),  # NaN compares false, != included
        ("not monetary != 0", [False, False, True, False, True, False]),  # ... and `not` is plain negation
        ("monetary >= -1", [True, True, False, True, True, True]),
        ("region != 'east'", [False, True, False, True, False, True]),
        ("region in ['north', \"south\"]", [False, False, False, True, False, True]),
        ("r_score not in [1, 2, 3,]", [True, True, False, False, False, False]),
        ("r_score > 1 and f_score > 1 or m_score == 5", [True, True, True, True, True, True]),
        ("r_score > 1 and (f_score > 2 or m_score == 5)", [True, True, True, False, False, False]),
        ("not r_score > 2 and f_score == 2", [False, False, False, True, False, False]),
        ("1 < r_score < 5", [False, True, True, True, False, True]),
        ("r_score >= 2.5", [True, True, True, False, False, True]),
    ],
)
def test_conditions_evaluate_to_known_rows(when, expected):
    got = evaluate(parse_condition(when, where=WHERE), customers(), where=WHERE)
    assert got.dtype == bool and got.tolist() == expected


def test_a_rule_set_made_in_code_is_parsed_when_applied():
    rules = maps.RuleSet(
        name="vip", title={}, segments=({"key": "top", "rank": 1, "when": "r_score >= 4"},), other={"key": "rest", "rank": 2}
    )
    assert maps.apply_rules(customers(), rules).table["segment"].tolist() == ["top", "top"] + ["rest"] * 4
    bad = maps.RuleSet(name="vip", title={}, segments=({"key": "top", "rank": 1, "when": "len(x) > 1"},), other=rules.other)
    with pytest.raises(InputError, match=r"^map 'vip', segment 'top': .*function calls are not allowed"):
        maps.apply_rules(customers(), bad)


# ------------------------------------------------------------------------- hostile conditions

REFUSED_WHEN_LOADED = [
    ("__import__('os').system('true')", r"function calls are not allowed \('\(' at character 11\)"),
    ("open('/etc/passwd') != ''", "function calls are not allowed"),
    ("@x > 1", r"'@' \(local variables\) is not allowed"),
    ("r_score > @limit", r"'@' \(local variables\) is not allowed"),
    ("r_score.__class__ == 1", "attribute access is not allowed"),
    ("r_score.values.sum() > 1", "attribute access is not allowed"),
    ("f_score + 1 > 2", r"arithmetic is not allowed \('\+' at character 9\)"),
    ("r_score * 2 > 2", r"arithmetic is not allowed \('\*'"),
    ("r_score ** 2 > 2", "arithmetic is not allowed"),
    ("-r_score < 2", "'-' may only stand before a number"),
    ("`a b` > 1", "backtick-quoted names are not allowed"),
    ("", "the condition is empty"),
    ("   ", "the condition is empty"),
    ("r_score", "'r_score' is not compared with anything"),
    ("r_score > 1 and", "expected a column, a number or a quoted text \\(at the end\\)"),
    ("(r_score > 1", r"expected '\)'"),
    ("r_score = 4", "use '=='"),
    ("r_score > 1 & f_score > 1", "use 'and'"),
    ("~(r_score > 1)", "use 'not'"),
    ("r_score > 1; import os", "';' is not allowed"),
    ("r_score == f_score", "'==' compares two columns"),
    ("1 < 2", "'<' compares two values"),
    ("1 < r_score < 5 < 6", r"'<' compares two values; .* \('5' at character 15\)"),
    ("r_score in (1, 2)", r"expected '\[' after 'in'"),
    ("r_score == [1, 2]", "expected a column, a number or a quoted text"),
    ("r_score > 0x10", "'0x10' is not a number"),
    ("region == 'a\\nb'", "backslashes are not allowed"),
    ("region == 'east", "a quoted text is not closed"),
    ("lambda: 1", "expected a column, a number or a quoted text|':' is not allowed"),
    ("[c for c in r_score] == 1", "expected a column, a number or a quoted text"),
    ("r_score if r_score else 1", "'r_score' is not compared with anything"),
    ("(" * 10_000 + "r_score > 1" + ")" * 10_000, f"nest deeper than {MAX_DEPTH} levels"),
    ("not " * 10_000 + "r_score > 1", f"nest deeper than {MAX_DEPTH} levels"),
]


@pytest.mark.parametrize(("when", "problem"), REFUSED_WHEN_LOADED, ids=lambda v: v[:30] if isinstance(v, str) else v)
def test_hostile_conditions_are_refused_when_the_file_is_loaded(tmp_path, when, problem):
    path = rules_file(tmp_path, "r_score >= 4", when)
    with pytest.raises(InputError) as caught:
        maps.load_rules(path)
    message = str(caught.value)
    assert message.startswith("rules.yaml: map 'vip', segment 's2': 'when' may only compare columns with numbers")
    assert re.search(problem, message), message
    assert len(message) < 400  # 10,000 parentheses are not echoed back


REFUSED_ON_THE_TABLE = [
    ("r_score > 'x'", r"'r_score' holds numbers, so compare it with a number, not 'x'"),
    ("r_score in [1, 'x']", r"'r_score' holds numbers, so compare it with a number, not 'x'"),
    ("region > 3", r"'region' holds text, so compare it with quoted text such as 'east', not 3"),
    ("__import__ > 1", r"'__import__' is not a column \(columns: customer_id, r_score, f_score, m_score, monetary, region\)"),
    ("__class__ == 1", "'__class__' is not a column"),
    ("spend >= 1", "'spend' is not a column"),
]


@pytest.mark.parametrize(("when", "problem"), REFUSED_ON_THE_TABLE)
def test_columns_and_their_kinds_are_checked_against_the_table(tmp_path, when, problem):
    rules = maps.load_rules(rules_file(tmp_path, when))["vip"]  # the grammar is fine ...
    with pytest.raises(InputError, match=r"^rules\.yaml: map 'vip', segment 'top': .*" + problem):
        maps.apply_rules(customers(), rules)  # ... the table says what the names and values must be


def test_a_date_column_is_refused():
    frame = customers().assign(first=pd.to_datetime(["2024-01-01"] * 6))
    with pytest.raises(InputError, match="'first' holds datetime64"):
        evaluate(parse_condition("first > 1", where=WHERE), frame, where=WHERE)


def test_a_condition_that_is_not_text_is_refused(tmp_path):
    path = rules_file(tmp_path, 5)
    with pytest.raises(InputError, match=r"^rules\.yaml: map 'vip', segment 'top': 'when' must be a quoted condition"):
        maps.load_rules(path)


def test_nothing_in_a_rule_file_runs(tmp_path):
    marker = tmp_path / "ran"
    for when in (f"__import__('os').system('touch {marker}')", f"@pd.io.common.Path('{marker}').touch()"):
        with pytest.raises(InputError):
            maps.apply_rules(customers(), maps.load_rules(rules_file(tmp_path, when))["vip"])
    assert not marker.exists()


# ------------------------------------------------------------- the rules the project already has


def project_conditions() -> list[str]:
    """Every ``when:`` condition the playbooks, configs, README and tests (this file aside) give."""
    files = [ROOT / "README.md", *(ROOT / "src").rglob("*.yaml"), *(ROOT / "configs").rglob("*.y*ml")]
    files += [p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name]
    found = []
    for path in files:
        for match in re.finditer(r"""when:\s*(?:"([^"\n]*)"|'([^'\n]*)')""", path.read_text(encoding="utf-8")):
            found.append(match.group(1) if match.group(1) is not None else match.group(2))
    return sorted(set(found))


#: Conditions the grammar documents (README) that DataFrame.eval also read.
DOCUMENTED = [
    "2 <= r_score <= 4",
    "r_score >= 4 and f_score in [4, 5]",
    "r_score not in [1, 2] and not (m_score < 2 or monetary > 900)",
    "rfm_score >= 12 or -1 < recency <= 30",
]


def test_the_project_conditions_are_found():
    found = project_conditions()
    assert {"revenue >= 1000 and orders >= 5", "revenue >= 500 and region == 'east'", "revenue >= 10"} <= set(found)


@pytest.mark.parametrize("when", project_conditions() + DOCUMENTED)
def test_existing_conditions_label_as_dataframe_eval_did(when):
    rng = np.random.default_rng(7)
    n = 500
    scores = {c: rng.integers(1, 6, n) for c in ("r_score", "f_score", "m_score")}
    frame = pd.DataFrame(
        {
            **scores,
            "rfm_score": scores["r_score"] + scores["f_score"] + scores["m_score"],
            "recency": rng.integers(0, 400, n),
            "frequency": rng.integers(1, 30, n),
            "monetary": rng.gamma(2.0, 300.0, n).round(2),
            "revenue": rng.gamma(0.6, 800.0, n).round(2),
            "orders": rng.integers(1, 12, n),
            "spend": rng.integers(0, 8, n),
            "region": pd.array(rng.choice(["east", "west", "north"], n), dtype="str"),
        }
    )
    old = frame.eval(when).astype(bool).to_numpy()  # the former evaluation, on trusted text only
    new = evaluate(parse_condition(when, where=WHERE), frame, where=WHERE)
    assert 0 < old.sum() < n  # the table exercises both outcomes
    np.testing.assert_array_equal(new, old)


# ------------------------------------------------------------------- random well-formed conditions

NUMBERS = [-2, -1, 0, 0.5, 1, 2, 3, 5]
TEXTS = ["east", "west", "", "x y"]
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def compare(op, left, right):
    return not (missing(left) or missing(right)) and OPS[op](left, right)


@st.composite
def atoms(draw):
    """(text, precedence, reference row -> bool) for one comparison."""
    column = draw(st.sampled_from(["a", "b", "t"]))
    values = st.sampled_from(TEXTS if column == "t" else NUMBERS)
    shape = draw(st.sampled_from(["left", "right", "chain", "in"]))
    op, op2, lit, lit2 = draw(st.sampled_from(list(OPS))), draw(st.sampled_from(list(OPS))), draw(values), draw(values)
    if shape == "left":
        return f"{column} {op} {lit!r}", 3, lambda row: compare(op, row[column], lit)
    if shape == "right":
        return f"{lit!r} {op} {column}", 3, lambda row: compare(op, lit, row[column])
    if shape == "chain":
        return (
            f"{lit!r} {op} {column} {op2} {lit2!r}",
            3,
            lambda row: compare(op, lit, row[column]) and compare(op2, row[column], lit2),
        )
    members, negate = draw(st.lists(values, min_size=1, max_size=3)), draw(st.booleans())
    text = f"{column} {'not in' if negate else 'in'} [{', '.join(map(repr, members))}]"
    return text, 3, lambda row: not missing(row[column]) and ((row[column] in members) != negate)


def combine(children):
    def wrap(child, level, extra):
        text, precedence, _ = child
        return f"({text})" if precedence < level or extra else text

    negated = st.tuples(children, st.booleans()).map(
        lambda c: (f"not {wrap(c[0], 2, c[1])}", 2, lambda row, f=c[0][2]: not f(row))
    )

    def joined(word, level, reduce):
        return st.tuples(children, children, st.booleans()).map(
            lambda c: (
                f"{wrap(c[0], level, c[2])} {word} {wrap(c[1], level, False)}",
                level,
                lambda row, f=c[0][2], g=c[1][2]: reduce(f(row), g(row)),
            )
        )

    return negated | joined("and", 1, lambda x, y: x and y) | joined("or", 0, lambda x, y: x or y)


conditions = st.recursive(atoms(), combine, max_leaves=8)
frames = st.integers(0, 12).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "a": st.lists(st.sampled_from([*NUMBERS, float("nan")]).map(float), min_size=n, max_size=n),
            "b": st.lists(st.sampled_from([0, 1, 2, 3, 5]), min_size=n, max_size=n),
            "t": st.lists(st.sampled_from([*TEXTS, None]), min_size=n, max_size=n),
        }
    )
)


@settings(max_examples=300, deadline=None)
@given(condition=conditions, columns=frames)
def test_random_conditions_evaluate_like_a_row_by_row_reference(condition, columns):
    text, _, reference = condition
    frame = pd.DataFrame(
        {
            "a": pd.array(columns["a"], dtype="float64"),
            "b": pd.array(columns["b"], dtype="int64"),
            "t": pd.array(columns["t"], dtype="str"),
        }
    )
    rows = [{"a": a, "b": b, "t": t} for a, b, t in zip(columns["a"], columns["b"], columns["t"])]
    got = evaluate(parse_condition(text, where=WHERE), frame, where=WHERE)
    assert got.tolist() == [reference(row) for row in rows], text
