"""The target-filter language: what it accepts, what it means, and where it points at faults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kpo.domain.errors import ValidationError
from kpo.routing.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    compile_filter,
    format_expression,
    parse_expression,
)
from kpo.routing.policies import CompiledFilter

ITEM: dict[str, Any] = {
    "id": "W1",
    "service_line": "acme-disputes",
    "client": "acme",
    "channel": "ticket",
    "language": "es",
    "priority": 6,
    "age_seconds": 130,
    "tags": frozenset({"vip"}),
}
SPECIALIST: dict[str, Any] = {
    "id": "S1",
    "vendor": "krakow",
    "country": "PL",
    "time_zone": "Europe/Warsaw",
    "languages": frozenset({"en", "es", "pl"}),
    "skills": frozenset({"card_disputes", "kyc"}),
    "level": {"card_disputes": 4, "kyc": 2},
    "cost": Decimal("18.50"),
    "tags": frozenset({"night"}),
    "status": "available",
}


def matches(source: str) -> bool:
    return compile_filter(source).matches(ITEM, SPECIALIST)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("item.priority >= 5 AND specialist.vendor IN ('krakow','manila')", True),
        ("item.priority > 6", False),
        ("NOT specialist.country == 'PH'", True),
        ("not specialist.country == 'PL'", False),
        ("specialist.level.card_disputes >= 4", True),
        ("specialist.level.collections == 0", True),  # a skill not held reads as level 0
        ("specialist.skills HAS 'kyc'", True),
        ("specialist.languages HAS item.language", True),
        ("item.tags has 'vip' and specialist.tags HAS 'day'", False),
        ("specialist.vendor NOT IN ('manila', \"cebu\")", True),
        ("specialist.vendor not in ('krakow')", False),
        ("specialist.cost <= 18.5", True),
        ("specialist.cost < 18.49", False),
        ("item.age_seconds >= -1", True),
        ("true", True),
        ("item.priority > specialist.level.card_disputes", True),
        ("FALSE", False),
        ("false OR (item.channel == 'ticket' AND NOT NOT true)", True),
        ("specialist.status != 'offline' AND item.language IN ('en','es')", True),
        ("'x' == 'x' AND 1 < 2", True),
        ("specialist.id == 'it\\'s'", False),
        ("(((item.client == 'acme')))", True),
        ("item.priority >= 5\nAND\tspecialist.country == 'PL'", True),
    ],
)
def test_accepted_expressions_mean_what_they_say(source: str, expected: bool) -> None:
    assert matches(source) is expected


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    assert matches("true OR false AND false")  # true OR (false AND false)
    assert not matches("NOT true AND false")  # (NOT true) AND false
    assert matches("NOT (true AND false)")
    text = "item.priority > 1 OR specialist.vendor == 'a' AND NOT (item.priority < 2 OR true)"
    assert format_expression(parse_expression(text)) == text


def test_the_canonical_text_normalises_keywords_quotes_and_parentheses() -> None:
    tree = parse_expression('not (specialist.vendor in ("a","b")) and (true or false)')
    assert format_expression(tree) == "NOT specialist.vendor IN ('a', 'b') AND (true OR false)"


def test_specialist_only_when_no_item_attribute_is_read() -> None:
    only = compile_filter("specialist.vendor == 'krakow' AND specialist.level.kyc > 1")
    assert only.specialist_only
    assert only.attributes == {"specialist.vendor", "specialist.level.kyc"}
    assert only.matches({}, SPECIALIST)
    assert not compile_filter("specialist.languages HAS item.language").specialist_only
    assert compile_filter("true").specialist_only


def test_a_compiled_filter_keeps_its_source_and_implements_the_contract() -> None:
    compiled: CompiledFilter = compile_filter("specialist.vendor == 'krakow'")
    assert compiled.source == "specialist.vendor == 'krakow'"
    assert compiled == compile_filter("specialist.vendor == 'krakow'")
    assert len({compiled, compile_filter("specialist.vendor == 'krakow'")}) == 1


def test_numbers_compare_exactly_across_int_and_decimal() -> None:
    assert compile_filter("specialist.cost == 18.5").matches({}, SPECIALIST)
    assert compile_filter("specialist.cost IN (18.50, 20)").matches({}, SPECIALIST)
    assert compile_filter("item.priority == 6.0").matches(ITEM, {})


def test_catalogue_and_known_values_are_checked_when_given() -> None:
    compile_filter("specialist.level.kyc >= 1", skills={"kyc"})
    with pytest.raises(ExpressionError) as caught:
        compile_filter("specialist.level.kyx >= 1", skills={"kyc"})
    assert caught.value.position == 18
    assert "unknown skill 'kyx'" in str(caught.value)
    assert "did you mean kyc?" in str(caught.value)
    with pytest.raises(ExpressionError) as caught:
        compile_filter("specialist.skills HAS 'kyx'", skills={"kyc"})
    assert caught.value.position == 23
    # without a catalogue any well-formed skill name is allowed
    compile_filter("specialist.level.kyx >= 1")


def reject(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_filter(source)
    return caught.value


@pytest.mark.parametrize(
    ("source", "column", "problem"),
    [
        ("", 1, "empty expression"),
        ("   ", 1, "empty expression"),
        ("item.priority >= 5 AN x", 20, "unexpected 'AN'"),
        ("item.priority >= 5 AND", 23, "unexpected end of expression"),
        ("item.priority", 14, "unexpected end of expression"),
        ("item.priority = 5", 15, "unexpected character '='"),
        ("item.priority >= 5 && true", 20, "unexpected character '&'"),
        ("item.priority >= 5 )", 20, "unmatched ')'"),
        ("(item.priority >= 5", 20, "unexpected end of expression"),
        ("(true OR false", 15, "unexpected end of expression"),
        ("true AND (false OR)", 19, "unexpected ')'"),
        ("specialist.vendor == 'krakow", 22, "unterminated string"),
        ('specialist.vendor == "a\\n"', 24, "unknown escape"),
        ("item.priority >= 5abc", 18, "malformed number '5abc'"),
        ("item.priority >= 5.", 18, "malformed number '5.'"),
        ("item.priority >= 1.2.3", 18, "malformed number"),
        ("item.priority >= --1", 18, "unexpected character '-'"),
        ("vendor == 'x'", 1, "unknown attribute 'vendor'"),
        ("Item.priority > 1", 1, "unknown attribute 'Item.priority'"),
        ("item.prio > 1", 6, "unknown attribute 'item.prio'"),
        ("specialist.vendr == 'x'", 12, "unknown attribute 'specialist.vendr'"),
        ("specialist.vendor.name == 'x'", 19, "has no attribute 'name'"),
        ("item. == 1", 6, "incomplete attribute 'item.'"),
        ("item == 1", 1, "'item' alone is not an attribute"),
        ("specialist.level >= 2", 12, "missing skill"),
        ("specialist.level.a.b >= 2", 20, "is not a skill level"),
        ("specialist.level.Card >= 2", 18, "'Card' is not a skill name"),
        ("item.priority >= '5'", 18, "cannot compare item.priority (number) with '5' (string)"),
        ("'5' == item.priority", 8, "cannot compare '5' (string) with item.priority (number)"),
        ("true == 1", 9, "cannot compare true (boolean) with 1 (number)"),
        ("specialist.vendor < 'm'", 19, "< compares numbers but specialist.vendor is a string"),
        ("specialist.skills == 'kyc'", 1, "specialist.skills is a set of strings"),
        ("'kyc' != specialist.skills", 10, "specialist.skills is a set of strings"),
        ("item.tags IN ('a')", 1, "IN needs a single value"),
        ("item.language HAS 'en'", 1, "HAS needs a set on its left"),
        ("specialist.skills HAS 3", 23, "holds strings but 3 is a number"),
        ("specialist.vendor IN ()", 23, "empty list"),
        ("specialist.vendor IN 'a'", 22, "unexpected \"'a'\""),
        ("specialist.vendor IN ('a' 'b')", 27, "unexpected \"'b'\""),
        ("specialist.vendor IN ('a', item.id)", 28, "item.id in a list"),
        ("specialist.vendor IN ('a', 1)", 28, "1 is a number but specialist.vendor is a string"),
        ("specialist.vendor NOT 'a'", 19, "unexpected 'NOT'"),
        ("item.priority >= AND", 18, "unexpected 'AND'"),
        ("item.channel == 'Chat'", 17, "item.channel is never 'Chat'"),
        ("item.language IN ('en', 'EN')", 25, "item.language is never 'EN'"),
        ("specialist.languages HAS 'english'", 26, "specialist.languages is never 'english'"),
        ("specialist.status == 'away'", 22, "specialist.status is never 'away'"),
        ("item.priority >= 5 ☃", 20, "unexpected character '☃'"),
        ("item.priority >= ５", 18, "unexpected character '５'"),
    ],
)
def test_rejected_expressions_name_the_column(source: str, column: int, problem: str) -> None:
    error = reject(source)
    assert error.position == column
    assert error.problem.startswith(problem) or problem in str(error)
    assert f"at column {column}" in str(error)
    # the excerpt (indented by two) puts a caret under the column
    assert error.excerpt.splitlines()[1] == " " * (2 + column - 1) + "^"


def test_the_message_carries_hint_and_caret_excerpt() -> None:
    error = reject("item.priority >= 5 AN x")
    assert str(error) == (
        "unexpected 'AN' at column 20: expected AND, OR or the end of the expression\n"
        "  item.priority >= 5 AN x\n"
        "                     ^"
    )
    assert isinstance(error, ValidationError)


def test_a_long_expression_is_excerpted_around_the_fault() -> None:
    source = " OR ".join(["specialist.vendor == 'krakow'"] * 20) + " OR oops"
    error = reject(source)
    shown, caret = error.excerpt.splitlines()
    assert shown.startswith("  …")
    assert len(shown) < 80
    assert shown[caret.index("^") :].startswith("oops")


def test_errors_can_be_reported_for_a_named_input() -> None:
    error = reject("true AN false").at("steps[1].filter")
    assert error.field == "steps[1].filter"
    assert str(error).startswith("steps[1].filter: unexpected 'AN' at column 6")
    assert error.position == 6


def test_length_limit() -> None:
    longest = " OR ".join(["true"] * ((MAX_LENGTH + 4) // 8))
    assert len(longest) <= MAX_LENGTH
    assert compile_filter(longest).matches({}, {})
    error = reject("true" + " " * MAX_LENGTH)
    assert error.position == MAX_LENGTH + 1
    assert "2,004 characters long" in str(error)


def test_depth_limit_is_a_clear_error_not_a_recursion_error() -> None:
    deepest = "(" * MAX_DEPTH + "true" + ")" * MAX_DEPTH
    assert compile_filter(deepest).matches({}, {})
    error = reject("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1))
    assert error.position == MAX_DEPTH + 1
    assert "nesting deeper than 50 levels" in str(error)
    error = reject("NOT " * 400 + "true")
    assert error.position == 4 * MAX_DEPTH + 1
    assert compile_filter("NOT " * 50 + "true").matches({}, {})
    # long flat chains are not nesting
    assert compile_filter(" AND ".join(["true"] * 200)).matches({}, {})
