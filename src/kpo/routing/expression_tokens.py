"""Tokens of target filters, and the error every fault in a filter raises.

Keywords (AND OR NOT IN HAS TRUE FALSE) are case-insensitive; a dotted word such as
``specialist.level.kyc`` is one token. Only ASCII letters and digits form words and numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from kpo.domain.errors import ValidationError

__all__ = [
    "COMPARE_OPS",
    "KEYWORDS",
    "ORDERING_OPS",
    "ExpressionError",
    "Kind",
    "Token",
    "tokenize",
]


class ExpressionError(ValidationError):
    """An expression that cannot be compiled. ``position`` is the 1-based column of the fault.

    ``str(error)`` is ``problem at column N: hint`` followed by an excerpt of the source with a
    caret under the fault; ``problem``, ``hint`` and ``excerpt`` are also kept apart.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str,
        position: int,
        hint: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.hint = hint
        self.source = source
        self.position = position
        self.excerpt = _excerpt(source, position)
        prefix = f"{field}: " if field else ""
        suffix = f": {hint}" if hint else ""
        super().__init__(
            f"{prefix}{problem} at column {position}{suffix}\n{self.excerpt}", field=field
        )

    def at(self, field: str) -> ExpressionError:
        """The same error, reported for the input named ``field`` (e.g. ``steps[1].filter``)."""
        return ExpressionError(
            self.problem, source=self.source, position=self.position, hint=self.hint, field=field
        )


def _excerpt(source: str, position: int, width: int = 60) -> str:
    text = "".join(c if c.isprintable() else " " for c in source)
    index = max(0, min(position - 1, len(text)))
    start = max(0, min(index - width // 2, len(text) - width))
    end = min(len(text), start + width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return f"  {lead}{text[start:end]}{tail}\n  {' ' * (len(lead) + index - start)}^"


class Kind(Enum):
    WORD = "word"
    KEYWORD = "keyword"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # as written; keywords upper-cased
    position: int
    value: str | int | Decimal | None = None


KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "HAS", "TRUE", "FALSE"})
COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")
ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*", re.ASCII)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]", re.ASCII)
_WHITESPACE = frozenset(" \t\r\n\f\v")
_MISTAKES = {
    "=": "use == to compare",
    "!": "use != to compare, or NOT before a condition",
    "&": "use AND",
    "|": "use OR",
    "[": "lists are written in parentheses: IN ('a', 'b')",
    "-": "numbers are written like -1 or 2.5; there is no arithmetic",
}


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    index, length = 0, len(source)
    while index < length:
        char = source[index]
        column = index + 1
        if char in _WHITESPACE:
            index += 1
        elif char in "'\"":
            index = _string(source, index, tokens)
        elif match := _NUMBER.match(source, index):
            end = match.end()
            if end < length and _NUMBER_TAIL.match(source, end):
                while end < length and _NUMBER_TAIL.match(source, end):
                    end += 1
                raise ExpressionError(
                    f"malformed number {source[index:end]!r}",
                    source=source,
                    position=column,
                    hint="write numbers like 5, -1 or 2.5",
                )
            text = match.group()
            value: int | Decimal = Decimal(text) if "." in text else int(text)
            tokens.append(Token(Kind.NUMBER, text, column, value))
            index = end
        elif match := _WORD.match(source, index):
            text = match.group()
            if text.upper() in KEYWORDS:
                tokens.append(Token(Kind.KEYWORD, text.upper(), column))
            else:
                tokens.append(Token(Kind.WORD, text, column))
            index = match.end()
        elif source.startswith(COMPARE_OPS, index):
            op = next(op for op in COMPARE_OPS if source.startswith(op, index))
            tokens.append(Token(Kind.OP, op, column))
            index += len(op)
        elif char in "(),":
            tokens.append(Token(Kind(char), char, column))
            index += 1
        else:
            raise ExpressionError(
                f"unexpected character {char!r}",
                source=source,
                position=column,
                hint=_MISTAKES.get(char),
            )
    tokens.append(Token(Kind.END, "", length + 1))
    return tokens


def _string(source: str, start: int, tokens: list[Token]) -> int:
    quote = source[start]
    chars: list[str] = []
    index = start + 1
    while index < len(source):
        char = source[index]
        if char == quote:
            tokens.append(Token(Kind.STRING, source[start : index + 1], start + 1, "".join(chars)))
            return index + 1
        if char == "\\":
            escaped = source[index + 1 : index + 2]
            if escaped not in ("\\", "'", '"'):
                raise ExpressionError(
                    f"unknown escape {source[index : index + 2]!r}",
                    source=source,
                    position=index + 1,
                    hint="inside quotes only \\\\, \\' and \\\" are escapes",
                )
            chars.append(escaped)
            index += 2
            continue
        chars.append(char)
        index += 1
    raise ExpressionError(
        "unterminated string", source=source, position=start + 1, hint=f"close it with {quote}"
    )
