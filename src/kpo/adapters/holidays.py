"""Public holidays of a country (and optionally a subdivision) from the ``holidays`` package.

Implements the domain port :class:`~kpo.domain.calendars.HolidayCalendar`. Years are loaded
lazily the first time a date in them is asked about, then kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

from kpo.domain.errors import UnknownCountry, ValidationError

__all__ = ["CountryHolidays"]


class CountryHolidays:
    """Public holidays (only the ``public`` category) of ``country``, an ISO 3166-1 code.

    Raises :class:`UnknownCountry` when the package has no calendar for ``country`` and
    :class:`ValidationError` for a subdivision the country does not have.
    """

    def __init__(self, country: str, subdivision: str | None = None) -> None:
        code = country.strip().upper()
        supported: dict[str, list[str]] = holidays.list_supported_countries()
        if code not in supported:
            raise UnknownCountry(country, field="country")
        if subdivision is not None and subdivision not in supported[code]:
            known = ", ".join(supported[code]) or "none"
            raise ValidationError(
                f"unknown subdivision {subdivision!r} of {code}; known subdivisions: {known}",
                field="subdivision",
            )
        self.country = code
        self.subdivision = subdivision
        self._years: dict[int, frozenset[date]] = {}

    def __repr__(self) -> str:
        return f"CountryHolidays({self.country!r}, {self.subdivision!r})"

    # Equal calendars make equal BusinessCalendars, whatever each one has cached.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CountryHolidays):
            return NotImplemented
        return (self.country, self.subdivision) == (other.country, other.subdivision)

    def __hash__(self) -> int:
        return hash((self.country, self.subdivision))

    def is_holiday(self, day: date) -> bool:
        dates = self._years.get(day.year)
        if dates is None:
            dates = self._years[day.year] = self._load(day.year)
        return day in dates

    def dates_in(self, years: Iterable[int]) -> frozenset[date]:
        """Every public holiday in ``years``."""
        for year in years:
            if year not in self._years:
                self._years[year] = self._load(year)
        return frozenset(d for year in years for d in self._years[year])

    def loaded_years(self) -> frozenset[int]:
        """Years fetched so far (the cache)."""
        return frozenset(self._years)

    def _load(self, year: int) -> frozenset[date]:
        calendar = holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=year, categories=(holidays.PUBLIC,)
        )
        return frozenset(day for day in calendar if day.year == year)
