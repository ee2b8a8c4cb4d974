"""Target filters: a small safe expression language compiled to Python closures.

Example: ``item.priority >= 5 AND specialist.vendor IN ('krakow', 'manila')``. The syntax and
every check live in :mod:`kpo.routing.expression_parser`; this module turns a checked tree
into nested closures, so that evaluating a filter never parses, walks a tree or looks a name
up in a schema — it reads two mappings (see :mod:`kpo.routing.attributes`) and compares.

Nothing here uses ``eval``, ``compile`` or Python's own parser: the language cannot reach
anything but the two mappings it is given.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from kpo.routing.attributes import LEVEL
from kpo.routing.expression_parser import MAX_DEPTH, MAX_LENGTH, parse_expression
from kpo.routing.expression_tokens import ExpressionError
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
    format_expression,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExpressionError",
    "Filter",
    "compile_filter",
    "format_expression",
    "parse_expression",
]

Attrs = Mapping[str, Any]
Predicate = Callable[[Attrs, Attrs], bool]
Getter = Callable[[Attrs, Attrs], Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Filter:
    """A compiled target filter; implements :class:`kpo.routing.policies.CompiledFilter`.

    ``matches(item, specialist)`` takes the attribute mappings of
    :mod:`kpo.routing.attributes`; ``specialist_only`` filters ignore ``item`` (pass ``{}``).
    Two filters are equal when their source texts are.
    """

    __slots__ = ("attributes", "expression", "matches", "source", "specialist_only")

    source: str
    specialist_only: bool
    matches: Predicate

    def __init__(self, source: str, expression: Expression) -> None:
        self.source = source
        self.expression = expression
        self.attributes: frozenset[str] = frozenset(a.path for a in _attributes(expression))
        self.specialist_only = not any(path.startswith("item.") for path in self.attributes)
        # The closure itself, not a method wrapping it: one call less per evaluation.
        self.matches = _compile(expression)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"Filter({self.source!r})"


def compile_filter(
    source: str,
    *,
    skills: Collection[str] | None = None,
    values: Mapping[str, Collection[str]] | None = None,
) -> Filter:
    """Parse, check and compile ``source``; raise :class:`ExpressionError` with its column.

    ``skills`` and ``values`` restrict the strings a filter may name, see
    :func:`~kpo.routing.expression_parser.parse_expression`.
    """
    return Filter(source, parse_expression(source, skills=skills, values=values))


def _attributes(expression: Expression) -> list[Attribute]:
    if isinstance(expression, Or | And):
        return [a for e in expression.operands for a in _attributes(e)]
    if isinstance(expression, Not):
        return _attributes(expression.operand)
    if isinstance(expression, Compare):
        operands: tuple[Operand, ...] = (expression.left, expression.right)
    elif isinstance(expression, Membership):
        operands = (expression.operand,)
    elif isinstance(expression, Has):
        operands = (expression.collection, expression.element)
    else:
        operands = ()
    return [o for o in operands if isinstance(o, Attribute)]


# --- compiler -------------------------------------------------------------------------------


def _constant(value: bool) -> Predicate:
    def predicate(item: Attrs, specialist: Attrs) -> bool:
        return value

    return predicate


def _compile(expression: Expression) -> Predicate:
    if isinstance(expression, Or):
        return _any([_compile(e) for e in expression.operands])
    if isinstance(expression, And):
        return _all([_compile(e) for e in expression.operands])
    if isinstance(expression, Not):
        inner = _compile(expression.operand)
        return lambda item, specialist: not inner(item, specialist)
    if isinstance(expression, Compare):
        return _compare(expression)
    if isinstance(expression, Membership):
        return _membership(expression)
    if isinstance(expression, Has):
        return _has(expression)
    return _constant(bool(expression.value))


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda item, specialist: first(item, specialist) and second(item, specialist)

    def every(item: Attrs, specialist: Attrs) -> bool:
        # a loop, not all(generator): no generator frame per evaluation
        for part in parts:  # noqa: SIM110
            if not part(item, specialist):
                return False
        return True

    return every


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda item, specialist: first(item, specialist) or second(item, specialist)

    def some(item: Attrs, specialist: Attrs) -> bool:
        for part in parts:  # noqa: SIM110
            if part(item, specialist):
                return True
        return False

    return some


def _getter(operand: Operand) -> Getter:
    if isinstance(operand, Literal):
        value = operand.value
        return lambda item, specialist: value
    name, key = operand.name, operand.key
    if key is not None:  # specialist.level.<skill>: a skill not held is level 0
        return lambda item, specialist: specialist[LEVEL].get(key, 0)
    if operand.root == "item":
        return lambda item, specialist: item[name]
    return lambda item, specialist: specialist[name]


def _compare(expression: Compare) -> Predicate:
    op = _OPS[expression.op]
    left, right = expression.left, expression.right
    if isinstance(left, Literal) and isinstance(right, Literal):
        return _constant(bool(op(left.value, right.value)))
    if isinstance(right, Literal) and isinstance(left, Attribute) and left.key is None:
        # the common shape, attribute op value, reads the mapping directly
        name, value = left.name, right.value
        if left.root == "item":
            return lambda item, specialist: op(item[name], value)
        return lambda item, specialist: op(specialist[name], value)
    get_left, get_right = _getter(left), _getter(right)
    return lambda item, specialist: op(get_left(item, specialist), get_right(item, specialist))


def _membership(expression: Membership) -> Predicate:
    values: frozenset[str | int | Decimal | bool] = frozenset(v.value for v in expression.values)
    operand = expression.operand
    if isinstance(operand, Literal):
        return _constant((operand.value in values) != expression.negated)
    get = _getter(operand)
    if expression.negated:
        return lambda item, specialist: get(item, specialist) not in values
    return lambda item, specialist: get(item, specialist) in values


def _has(expression: Has) -> Predicate:
    get_collection = _getter(expression.collection)
    element = expression.element
    if isinstance(element, Literal):
        value = element.value
        return lambda item, specialist: value in get_collection(item, specialist)
    get_element = _getter(element)
    return lambda item, specialist: (
        get_element(item, specialist) in get_collection(item, specialist)
    )
