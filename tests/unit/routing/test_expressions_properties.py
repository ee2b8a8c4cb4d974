"""Properties of the filter language: printed trees parse back and compile to what they mean."""

from __future__ import annotations

import operator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kpo.routing.attributes import KNOWN_VALUES, ValueType
from kpo.routing.expression_tree import (
    And,
    Attribute,
    Compare,
    Expression,
    Has,
    Literal,
    Membership,
    Not,
    Operand,
    Or,
)
from kpo.routing.expressions import (
    ExpressionError,
    compile_filter,
    format_expression,
    parse_expression,
)

SKILLS = ("kyc", "card_disputes", "it-support")
STRINGS = st.sampled_from(["a", "b", "krakow", "it's", 'say "hi"', "back\\slash", ""]) | st.text(
    max_size=4
)
NUMBERS = st.integers(-5, 12) | st.decimals(
    min_value=-5, max_value=12, places=2, allow_nan=False, allow_infinity=False
)
FREE_STRINGS = [
    ("item", "id"),
    ("item", "service_line"),
    ("item", "client"),
    ("specialist", "id"),
    ("specialist", "vendor"),
    ("specialist", "country"),
    ("specialist", "time_zone"),
]
KNOWN_STRINGS = [("item", "channel"), ("item", "language"), ("specialist", "status")]
NUMBER_ATTRIBUTES = [("item", "priority"), ("item", "age_seconds"), ("specialist", "cost")]
SETS = [
    ("item", "tags"),
    ("specialist", "tags"),
    ("specialist", "skills"),
    ("specialist", "languages"),
]
SMALL_LANGUAGES = ["en", "es", "pl"]


def values_of(root: str, name: str) -> st.SearchStrategy[str]:
    """Strings a literal compared with this attribute may be (known values where declared)."""
    path = f"{root}.{name}"
    if path == "item.channel":
        return st.sampled_from(sorted(KNOWN_VALUES[path]))
    if path in ("item.language", "specialist.languages"):
        return st.sampled_from(SMALL_LANGUAGES)
    if path == "specialist.status":
        return st.sampled_from(sorted(KNOWN_VALUES[path]))
    if path == "specialist.skills":
        return st.sampled_from(SKILLS)
    return STRINGS


def string_attribute(root: str, name: str) -> Attribute:
    return Attribute(root, name, None, ValueType.STRING)


@st.composite
def string_condition(draw: st.DrawFn) -> Expression:
    root, name = draw(st.sampled_from(FREE_STRINGS + KNOWN_STRINGS))
    attribute = string_attribute(root, name)
    literal = st.builds(Literal, values_of(root, name), st.just(ValueType.STRING))
    shape = draw(st.sampled_from(["cmp", "rcmp", "in", "attr"]))
    op = draw(st.sampled_from(["==", "!="]))
    if shape == "cmp":
        return Compare(op, attribute, draw(literal))
    if shape == "rcmp":
        return Compare(op, draw(literal), attribute)
    if shape == "in":
        values = tuple(draw(st.lists(literal, min_size=1, max_size=3)))
        return Membership(attribute, values, draw(st.booleans()))
    other_root, other_name = draw(st.sampled_from(FREE_STRINGS + KNOWN_STRINGS))
    return Compare(op, attribute, string_attribute(other_root, other_name))


def number_operand(draw: st.DrawFn) -> Operand:
    if draw(st.booleans()):
        return Literal(draw(NUMBERS), ValueType.NUMBER)
    if draw(st.booleans()):
        return Attribute("specialist", "level", draw(st.sampled_from(SKILLS)), ValueType.NUMBER)
    root, name = draw(st.sampled_from(NUMBER_ATTRIBUTES))
    return Attribute(root, name, None, ValueType.NUMBER)


@st.composite
def number_condition(draw: st.DrawFn) -> Expression:
    left = number_operand(draw)
    if draw(st.booleans()):
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return Compare(op, left, number_operand(draw))
    values = draw(st.lists(NUMBERS, min_size=1, max_size=3))
    literals = tuple(Literal(v, ValueType.NUMBER) for v in values)
    return Membership(left, literals, draw(st.booleans()))


@st.composite
def has_condition(draw: st.DrawFn) -> Expression:
    root, name = draw(st.sampled_from(SETS))
    collection = Attribute(root, name, None, ValueType.STRING_SET)
    if draw(st.booleans()):
        return Has(collection, Literal(draw(values_of(root, name)), ValueType.STRING))
    other_root, other_name = draw(st.sampled_from(FREE_STRINGS + KNOWN_STRINGS))
    return Has(collection, string_attribute(other_root, other_name))


CONDITIONS = (
    string_condition()
    | number_condition()
    | has_condition()
    | st.builds(Literal, st.booleans(), st.just(ValueType.BOOLEAN))
)
EXPRESSIONS = st.recursive(
    CONDITIONS,
    lambda children: (
        st.builds(Not, children)
        | st.builds(And, st.lists(children, min_size=2, max_size=4).map(tuple))
        | st.builds(Or, st.lists(children, min_size=2, max_size=4).map(tuple))
    ),
    max_leaves=16,
)

WORDS = st.sampled_from(["a", "b", "krakow", "x"])
ITEMS = st.fixed_dictionaries(
    {
        "id": WORDS,
        "service_line": WORDS,
        "client": WORDS,
        "channel": st.sampled_from(sorted(KNOWN_VALUES["item.channel"])),
        "language": st.sampled_from(SMALL_LANGUAGES),
        "priority": st.integers(0, 9),
        "age_seconds": st.integers(0, 12),
        "tags": st.frozensets(WORDS, max_size=3),
    }
)
SPECIALISTS = st.fixed_dictionaries(
    {
        "id": WORDS,
        "vendor": WORDS,
        "country": WORDS,
        "time_zone": WORDS,
        "languages": st.frozensets(st.sampled_from(SMALL_LANGUAGES), max_size=3),
        "skills": st.frozensets(st.sampled_from(SKILLS), max_size=3),
        "level": st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3),
        "cost": NUMBERS,
        "tags": st.frozensets(WORDS, max_size=3),
        "status": st.sampled_from(sorted(KNOWN_VALUES["specialist.status"])),
    }
)

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def value(operand: Operand, item: dict[str, Any], specialist: dict[str, Any]) -> Any:
    if isinstance(operand, Literal):
        return operand.value
    if operand.key is not None:
        return specialist["level"].get(operand.key, 0)
    return (item if operand.root == "item" else specialist)[operand.name]


def reference(expression: Expression, item: dict[str, Any], specialist: dict[str, Any]) -> bool:
    """The meaning of a tree, by walking it: the compiler's closures must agree."""
    if isinstance(expression, Or):
        return any(reference(e, item, specialist) for e in expression.operands)
    if isinstance(expression, And):
        return all(reference(e, item, specialist) for e in expression.operands)
    if isinstance(expression, Not):
        return not reference(expression.operand, item, specialist)
    if isinstance(expression, Compare):
        left = value(expression.left, item, specialist)
        return bool(_OPS[expression.op](left, value(expression.right, item, specialist)))
    if isinstance(expression, Membership):
        found = any(
            value(expression.operand, item, specialist) == v.value for v in expression.values
        )
        return found != expression.negated
    if isinstance(expression, Has):
        collection = value(expression.collection, item, specialist)
        return value(expression.element, item, specialist) in collection
    return bool(expression.value)


@settings(max_examples=300)
@given(EXPRESSIONS, ITEMS, SPECIALISTS)
def test_printed_trees_parse_back_and_compile_to_their_meaning(
    tree: Expression, item: dict[str, Any], specialist: dict[str, Any]
) -> None:
    text = format_expression(tree)
    assert parse_expression(text) == tree
    compiled = compile_filter(text)
    assert compiled.matches(item, specialist) is reference(tree, item, specialist)
    if compiled.specialist_only:
        assert compiled.matches({}, specialist) is reference(tree, item, specialist)


@given(EXPRESSIONS)
def test_the_canonical_text_is_a_fixed_point(tree: Expression) -> None:
    text = format_expression(tree)
    assert format_expression(parse_expression(text)) == text


def fault_position(text: str) -> int | None:
    """None when ``text`` compiles; anything but an ExpressionError fails the test."""
    try:
        compile_filter(text)
    except ExpressionError as error:
        return error.position
    return None


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_any_text_compiles_or_raises_an_expression_error(text: str) -> None:
    position = fault_position(text)
    assert position is None or 1 <= position <= len(text) + 1


FRAGMENTS = st.sampled_from(
    [
        "item.priority", "specialist.vendor", "specialist.level.kyc", "specialist.skills",
        "item.language", "specialist.languages", "item.tags", "specialist.level", "item.",
        "AND", "or", "NOT", "in", "HAS", "true", "FALSE", "(", ")", ",", "==", "!=", "<",
        ">=", "=", "'kyc'", "\"en\"", "'", "5", "-1", "2.5", "1.", "☃", "\\", "\n",
    ]
)  # fmt: skip


@settings(max_examples=500)
@given(st.lists(FRAGMENTS, max_size=25).map(" ".join))
def test_token_soup_compiles_or_raises_an_expression_error(text: str) -> None:
    position = fault_position(text)
    assert position is None or 1 <= position <= len(text) + 1
