"""The typed syntax tree of a target filter and its canonical printer.

The parser (:mod:`kpo.routing.expression_parser`) only builds trees that passed every check;
``position`` (1-based column in the source) is kept for messages and ignored by equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpo.routing.attributes import ValueType

__all__ = [
    "And",
    "Attribute",
    "Compare",
    "Expression",
    "Has",
    "Literal",
    "Membership",
    "Not",
    "Operand",
    "Or",
    "format_expression",
    "format_literal",
]


@dataclass(frozen=True, slots=True)
class Attribute:
    """``root.name`` or ``specialist.level.<key>``; ``type`` is its declared type."""

    root: str  # "item" | "specialist"
    name: str
    key: str | None
    type: ValueType
    position: int = field(default=0, compare=False)

    @property
    def path(self) -> str:
        return f"{self.root}.{self.name}" + ("" if self.key is None else f".{self.key}")


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | int | Decimal | bool
    type: ValueType
    position: int = field(default=0, compare=False)


Operand = Attribute | Literal


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Membership:
    """``operand IN (values)`` or, when ``negated``, ``operand NOT IN (values)``."""

    operand: Operand
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Has:
    """``collection HAS element``: the set ``collection`` contains ``element``."""

    collection: Operand
    element: Operand


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expression, ...]


Expression = Or | And | Not | Compare | Membership | Has | Literal


def format_expression(expression: Expression) -> str:
    """Canonical text: upper-case keywords, single quotes, parentheses only where needed."""
    if isinstance(expression, Or):
        return " OR ".join(
            f"({format_expression(e)})" if isinstance(e, Or) else format_expression(e)
            for e in expression.operands
        )
    if isinstance(expression, And):
        return " AND ".join(_grouped(e) for e in expression.operands)
    if isinstance(expression, Not):
        return f"NOT {_grouped(expression.operand)}"
    if isinstance(expression, Compare):
        left, right = _operand(expression.left), _operand(expression.right)
        return f"{left} {expression.op} {right}"
    if isinstance(expression, Membership):
        keyword = "NOT IN" if expression.negated else "IN"
        values = ", ".join(format_literal(v) for v in expression.values)
        return f"{_operand(expression.operand)} {keyword} ({values})"
    if isinstance(expression, Has):
        return f"{_operand(expression.collection)} HAS {_operand(expression.element)}"
    return format_literal(expression)


def _grouped(expression: Expression) -> str:
    text = format_expression(expression)
    return f"({text})" if isinstance(expression, And | Or) else text


def _operand(operand: Operand) -> str:
    return operand.path if isinstance(operand, Attribute) else format_literal(operand)


def format_literal(literal: Literal) -> str:
    value = literal.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
