"""The parser of target filters: syntax, attribute names and types, checked once.

The grammar (keywords are case-insensitive, attribute names are not)::

    expression := or_expr END
    or_expr    := and_expr ( OR and_expr )*
    and_expr   := not_expr ( AND not_expr )*
    not_expr   := NOT not_expr | '(' or_expr ')' | condition
    condition  := operand ( compare operand | [ NOT ] IN '(' literal ( ',' literal )* ')'
                          | HAS operand )?           -- a bare operand must be true/false
    compare    := '==' | '!=' | '<' | '<=' | '>' | '>='
    operand    := attribute | literal
    attribute  := ( 'item' | 'specialist' ) '.' name ( '.' skill )?
    literal    := string | number | TRUE | FALSE

Every check — syntax, attribute names, types — happens here, when a policy is saved;
evaluation (:mod:`kpo.routing.expressions`) never fails on a tree the parser accepted.
Recursion is bounded by :data:`MAX_DEPTH`, so no input reaches Python's recursion limit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping

from kpo.routing.attributes import (
    ITEM_ATTRIBUTES,
    KNOWN_VALUES,
    LEVEL,
    SPECIALIST_ATTRIBUTES,
    ValueType,
)
from kpo.routing.expression_tokens import ORDERING_OPS, ExpressionError, Kind, Token, tokenize
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
    format_literal,
)

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "parse_expression"]

MAX_LENGTH = 2000
MAX_DEPTH = 50  # parentheses and NOTs inside one another
_SKILL = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*", re.ASCII)


_SCHEMAS: Mapping[str, Mapping[str, ValueType]] = {
    "item": ITEM_ATTRIBUTES,
    "specialist": SPECIALIST_ATTRIBUTES,
}
_KNOWN_PATHS = tuple(
    [f"{root}.{name}" for root, schema in _SCHEMAS.items() for name in schema]
    + [f"specialist.{LEVEL}.<skill>"]
)
_SET_PATHS = ", ".join(
    f"{root}.{name}"
    for root, schema in _SCHEMAS.items()
    for name, kind in schema.items()
    if kind is ValueType.STRING_SET
)


def parse_expression(
    source: str,
    *,
    skills: Collection[str] | None = None,
    values: Mapping[str, Collection[str]] | None = None,
) -> Expression:
    """Parse and type-check ``source``; raise :class:`ExpressionError` with the column.

    ``skills`` (the catalogue), when given, is what ``specialist.level.<skill>`` and
    ``specialist.skills HAS '<skill>'`` may name. ``values`` maps an attribute path to the only
    strings it can hold (default :data:`KNOWN_VALUES`: channels, statuses, languages); a literal
    outside them could never match and is rejected.
    """
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is {len(source):,} characters long",
            source=source,
            position=MAX_LENGTH + 1,
            hint=f"the limit is {MAX_LENGTH:,}; split it across policy steps or simplify it",
        )
    return _Parser(
        source, tokenize(source), skills, KNOWN_VALUES if values is None else values
    ).parse()


class _Parser:
    def __init__(
        self,
        source: str,
        tokens: list[Token],
        skills: Collection[str] | None,
        values: Mapping[str, Collection[str]],
    ) -> None:
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.skills = skills
        self.values = values

    # helpers

    def error(self, problem: str, position: int, hint: str | None = None) -> ExpressionError:
        return ExpressionError(problem, source=self.source, position=position, hint=hint)

    def unexpected(self, token: Token, hint: str) -> ExpressionError:
        if token.kind is Kind.END:
            return self.error("unexpected end of expression", token.position, hint)
        text = token.text if len(token.text) <= 30 else token.text[:29] + "…"
        return self.error(f"unexpected {text!r}", token.position, hint)

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def is_keyword(self, token: Token, word: str) -> bool:
        return token.kind is Kind.KEYWORD and token.text == word

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"nesting deeper than {MAX_DEPTH} levels",
                token.position,
                "use fewer parentheses and NOTs inside one another",
            )

    # grammar

    def parse(self) -> Expression:
        if self.peek().kind is Kind.END:
            raise self.error(
                "empty expression", 1, "write a condition such as specialist.vendor == 'krakow'"
            )
        expression = self.or_expr()
        token = self.peek()
        if token.kind is Kind.RPAREN:
            raise self.error("unmatched ')'", token.position, "remove it or add a '(' before it")
        if token.kind is not Kind.END:
            raise self.unexpected(token, "expected AND, OR or the end of the expression")
        return expression

    def or_expr(self) -> Expression:
        operands = [self.and_expr()]
        while self.is_keyword(self.peek(), "OR"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Expression:
        operands = [self.not_expr()]
        while self.is_keyword(self.peek(), "AND"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Expression:
        token = self.peek()
        if self.is_keyword(token, "NOT"):
            self.advance()
            self.enter(token)
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand)
        if token.kind is Kind.LPAREN:
            self.advance()
            self.enter(token)
            inner = self.or_expr()
            closing = self.peek()
            if closing.kind is not Kind.RPAREN:
                raise self.unexpected(
                    closing, f"expected AND, OR or ')' to close the '(' at column {token.position}"
                )
            self.advance()
            self.depth -= 1
            return inner
        return self.condition()

    def condition(self) -> Expression:
        left = self.operand()
        token = self.peek()
        if token.kind is Kind.OP:
            self.advance()
            return self.comparison(token, left, self.operand())
        if self.is_keyword(token, "IN"):
            self.advance()
            return self.membership(left, negated=False)
        if self.is_keyword(token, "NOT") and self.is_keyword(self.peek(1), "IN"):
            self.advance()
            self.advance()
            return self.membership(left, negated=True)
        if self.is_keyword(token, "HAS"):
            self.advance()
            return self.has(left, self.operand())
        if isinstance(left, Literal) and left.type is ValueType.BOOLEAN:
            return left
        raise self.unexpected(
            token, f"expected ==, !=, <, <=, >, >=, IN, NOT IN or HAS after {_show(left)}"
        )

    def operand(self) -> Operand:
        token = self.advance()
        if token.kind is Kind.WORD:
            return self.attribute(token)
        if token.kind is Kind.STRING or token.kind is Kind.NUMBER:
            kind = ValueType.STRING if token.kind is Kind.STRING else ValueType.NUMBER
            assert token.value is not None
            return Literal(token.value, kind, token.position)
        if token.kind is Kind.KEYWORD and token.text in ("TRUE", "FALSE"):
            return Literal(token.text == "TRUE", ValueType.BOOLEAN, token.position)
        raise self.unexpected(token, "expected an attribute such as specialist.vendor, or a value")

    def attribute(self, token: Token) -> Attribute:
        parts = token.text.split(".")
        offsets = [0]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + len(part) + 1)

        def at(segment: int) -> int:
            return token.position + offsets[min(segment, len(parts) - 1)]

        root = parts[0]
        if root not in _SCHEMAS:
            raise self.error(
                f"unknown attribute {token.text!r}",
                token.position,
                "attributes start with item. or specialist., e.g. specialist.vendor"
                + _suggest(token.text, _KNOWN_PATHS),
            )
        for number, part in enumerate(parts[1:], start=1):
            if not part:
                raise self.error(
                    f"incomplete attribute {token.text!r}",
                    at(number),
                    f"name an attribute after '{'.'.join(parts[:number])}.'",
                )
        if len(parts) == 1:
            raise self.error(
                f"{root!r} alone is not an attribute",
                token.position,
                f"name one, e.g. {root}.{next(iter(_SCHEMAS[root]))}",
            )
        name = parts[1]
        if root == "specialist" and name == LEVEL:
            return self.level(token, parts, at)
        schema = _SCHEMAS[root]
        if name not in schema:
            raise self.error(
                f"unknown attribute '{root}.{name}'",
                at(1),
                f"{root} attributes are {', '.join(schema)}" + _suggest(name, list(schema)),
            )
        if len(parts) > 2:
            raise self.error(f"'{root}.{name}' has no attribute {parts[2]!r}", at(2))
        return Attribute(root, name, None, schema[name], token.position)

    def level(self, token: Token, parts: list[str], at: Callable[[int], int]) -> Attribute:
        if len(parts) != 3:
            raise self.error(
                f"{token.text!r} is not a skill level" if len(parts) > 3 else "missing skill",
                at(3 if len(parts) > 3 else 1),
                "write specialist.level.<skill>, e.g. specialist.level.card_disputes",
            )
        skill = parts[2]
        if not _SKILL.fullmatch(skill):
            raise self.error(
                f"{skill!r} is not a skill name",
                at(2),
                "skills are lower-case words joined by '_' or '-', such as card_disputes",
            )
        self.check_skill(skill, at(2))
        return Attribute("specialist", LEVEL, skill, ValueType.NUMBER, token.position)

    def check_skill(self, skill: str, position: int) -> None:
        if self.skills is not None and skill not in self.skills:
            raise self.error(
                f"unknown skill {skill!r}",
                position,
                "add it to the catalogue with `kpo skills add`" + _suggest(skill, self.skills),
            )

    def check_value(self, attribute: Operand, literal: Operand) -> None:
        """Reject a string no value of ``attribute`` can equal (e.g. channel 'Chat')."""
        if not (isinstance(attribute, Attribute) and isinstance(literal, Literal)):
            return
        if not isinstance(literal.value, str):
            return
        if attribute.path == "specialist.skills":
            self.check_skill(literal.value, literal.position)
            return
        allowed = self.values.get(attribute.path)
        if allowed is not None and literal.value not in allowed:
            raise self.error(
                f"{attribute.path} is never {_show(literal)}",
                literal.position,
                f"its values are like {', '.join(repr(v) for v in sorted(allowed)[:5])}"
                + _suggest(literal.value, allowed),
            )

    def comparison(self, token: Token, left: Operand, right: Operand) -> Compare:
        op = token.text
        for side in (left, right):
            if side.type is ValueType.STRING_SET:
                raise self.error(
                    f"{_show(side)} is a set of strings and cannot be compared with {op}",
                    side.position,
                    f"use HAS, e.g. {_show(side)} HAS 'x'",
                )
        if left.type is not right.type:
            raise self.error(
                f"cannot compare {_show(left)} ({left.type}) with {_show(right)} ({right.type})",
                right.position,
                "both sides of a comparison need the same type",
            )
        if op in ORDERING_OPS and left.type is not ValueType.NUMBER:
            raise self.error(
                f"{op} compares numbers but {_show(left)} is a {left.type}",
                token.position,
                "use ==, != or IN (…)",
            )
        self.check_value(left, right)
        self.check_value(right, left)
        return Compare(op, left, right)

    def membership(self, operand: Operand, *, negated: bool) -> Membership:
        if operand.type is ValueType.STRING_SET:
            raise self.error(
                f"{_show(operand)} is a set of strings; IN needs a single value on its left",
                operand.position,
                f"use HAS, e.g. {_show(operand)} HAS 'x'",
            )
        opening = self.advance()
        if opening.kind is not Kind.LPAREN:
            raise self.unexpected(opening, "expected '(' and a list of values, e.g. IN ('a', 'b')")
        values: list[Literal] = []
        while True:
            token = self.peek()
            if token.kind is Kind.RPAREN and not values:
                raise self.error("empty list", token.position, "IN needs at least one value")
            value = self.operand()
            if not isinstance(value, Literal):
                raise self.error(
                    f"{_show(value)} in a list",
                    value.position,
                    "IN lists hold values only, such as ('krakow', 'manila')",
                )
            if value.type is not operand.type:
                raise self.error(
                    f"{_show(value)} is a {value.type} but {_show(operand)} is a {operand.type}",
                    value.position,
                    "every value in the list needs the type of the left side",
                )
            self.check_value(operand, value)
            values.append(value)
            separator = self.advance()
            if separator.kind is Kind.RPAREN:
                return Membership(operand, tuple(values), negated)
            if separator.kind is not Kind.COMMA:
                raise self.unexpected(separator, "expected ',' or ')' in the list")

    def has(self, collection: Operand, element: Operand) -> Has:
        if collection.type is not ValueType.STRING_SET:
            raise self.error(
                f"HAS needs a set on its left but {_show(collection)} is a {collection.type}",
                collection.position,
                f"sets are {_SET_PATHS}; compare single values with == or IN",
            )
        if element.type is not ValueType.STRING:
            raise self.error(
                f"a {collection.type} holds strings but {_show(element)} is a {element.type}",
                element.position,
            )
        self.check_value(collection, element)
        return Has(collection, element)


def _suggest(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _show(operand: Operand) -> str:
    return operand.path if isinstance(operand, Attribute) else format_literal(operand)
