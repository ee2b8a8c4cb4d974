from datetime import date

import pytest

from kpo.adapters.holidays import CountryHolidays
from kpo.domain.calendars import HolidayCalendar
from kpo.domain.errors import UnknownCountry, ValidationError


def test_knows_polish_public_holidays() -> None:
    poland = CountryHolidays("pl")
    assert poland.is_holiday(date(2026, 11, 11))
    assert poland.is_holiday(date(2026, 12, 25))
    assert not poland.is_holiday(date(2026, 11, 12))


def test_loads_years_lazily_and_keeps_them() -> None:
    poland = CountryHolidays("PL")
    assert poland.loaded_years() == frozenset()
    poland.is_holiday(date(2026, 1, 1))
    poland.is_holiday(date(2026, 5, 3))
    assert poland.loaded_years() == {2026}
    assert poland.is_holiday(date(2027, 1, 1))
    assert poland.loaded_years() == {2026, 2027}


def test_subdivision_holidays() -> None:
    assert CountryHolidays("US", "CA").is_holiday(date(2026, 3, 31))  # César Chávez Day
    assert not CountryHolidays("US").is_holiday(date(2026, 3, 31))


def test_unknown_country_is_named() -> None:
    with pytest.raises(UnknownCountry, match="'XX'"):
        CountryHolidays("XX")


def test_unknown_subdivision_is_named() -> None:
    with pytest.raises(ValidationError, match="'ZZ' of US"):
        CountryHolidays("US", "ZZ")


def test_implements_the_domain_port() -> None:
    port: HolidayCalendar = CountryHolidays("PL")
    assert port.is_holiday(date(2026, 11, 11))


def test_equal_by_country_and_subdivision() -> None:
    assert CountryHolidays("pl") == CountryHolidays("PL")
    assert hash(CountryHolidays("pl")) == hash(CountryHolidays("PL"))
    assert CountryHolidays("US") != CountryHolidays("US", "CA")
