from decimal import Decimal

import pytest

from kpo.domain.errors import CurrencyMismatch, UnknownCurrency, ValidationError
from kpo.domain.money import Money


def test_adds_and_subtracts_exactly() -> None:
    total = Money.of("0.10", "usd") + Money.of("0.20", "USD")
    assert total == Money(Decimal("0.30"), "USD")
    assert (total - Money.of("0.30", "USD")).amount == 0


def test_refuses_floats() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "USD") * 1.5  # type: ignore[operator]


def test_refuses_mixing_currencies() -> None:
    with pytest.raises(CurrencyMismatch, match="EUR and USD"):
        Money.of("1", "EUR") + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "EUR") < Money.of("2", "USD")


def test_names_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency, match="'XYZ'"):
        Money.of("1", "XYZ")


def test_rejects_text_that_is_not_an_amount() -> None:
    with pytest.raises(ValidationError, match="'ten'"):
        Money.of("ten", "USD")
    with pytest.raises(ValidationError):
        Money.of("NaN", "USD")


def test_rounds_half_even_to_minor_unit() -> None:
    assert Money.of("2.345", "USD").rounded().amount == Decimal("2.34")
    assert Money.of("2.355", "USD").rounded().amount == Decimal("2.36")
    assert Money.of("1234.5", "JPY").rounded().amount == Decimal("1234")
    assert Money.of("1.2345", "KWD").rounded().amount == Decimal("1.234")


def test_multiplies_by_decimal_and_orders() -> None:
    rate = Money.of("12.50", "PLN")
    assert rate * Decimal("1.5") == Money.of("18.750", "PLN")
    assert 2 * rate == Money.of("25.00", "PLN")
    assert rate > Money.zero("PLN")
    assert rate.to_json() == {"amount": "12.50", "currency": "PLN"}
