"""Use case: solve one routing batch from CSV files (``kpo route batch``).

Work items and specialists come from files in the import formats; service lines and vendors
from files too, or else from the database. Every file is validated like ``kpo import``: any
bad row stops the run and every problem is reported with its row and column. Nothing is
stored: the batch only reports what the optimum would be.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kpo.domain.calendars import HolidayCalendar
from kpo.domain.clients import ServiceLine
from kpo.domain.errors import KpoError, ValidationError
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import Vendor
from kpo.routing.batch import BatchResult, solve_batch
from kpo.services.formats import SERVICE_LINES, SPECIALISTS, VENDORS, WORK_ITEMS, References
from kpo.services.ports import UnitOfWork
from kpo.services.sla_status import Clock
from kpo.services.tabular import ImportFailed, RecordFormat, read_csv

__all__ = ["BatchFiles", "BatchInputInvalid", "route_batch_from_files"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BatchFiles:
    """The CSV files of one batch; ``None`` service lines or vendors come from the database."""

    items: Path
    specialists: Path
    service_lines: Path | None = None
    vendors: Path | None = None


class BatchInputInvalid(KpoError):
    """One or more files have bad rows; lists every problem of every file."""

    def __init__(self, failures: Sequence[ImportFailed]) -> None:
        super().__init__(
            "\n".join(f.message.replace("nothing imported", "batch not solved") for f in failures)
        )
        self.failures = list(failures)


def route_batch_from_files(
    files: BatchFiles,
    *,
    clock: Clock,
    stored: UnitOfWork | None,
    holidays_for_country: Callable[[str], HolidayCalendar],
    no_database: str = "no database is available",
) -> BatchResult:
    """Read and validate the files, then solve the batch at ``clock.now()``.

    ``stored`` is used only for what no file gives (service lines, vendors); when it is
    ``None`` such data is reported missing, with ``no_database`` saying why.
    """
    failures: list[ImportFailed] = []
    lines, vendors = _reference_data(files, stored, no_database, failures)
    specialists = _read(
        files.specialists,
        SPECIALISTS,
        References(vendors=None if vendors is None else {v.id for v in vendors}),
        failures,
    )
    line_languages = None if lines is None else {line.id: line.languages for line in lines}
    items = _read(files.items, WORK_ITEMS, References(line_languages=line_languages), failures)
    if failures:
        raise BatchInputInvalid(failures)
    assert lines is not None
    assert vendors is not None
    country = {vendor.id: vendor.country for vendor in vendors}
    calendars: dict[str, HolidayCalendar] = {}

    def holidays_for(specialist: Specialist) -> HolidayCalendar:
        code = country[specialist.vendor_id]
        if code not in calendars:
            calendars[code] = holidays_for_country(code)
        return calendars[code]

    return solve_batch(
        items,
        specialists,
        lines={line.id: line for line in lines},
        at=clock.now(),
        holidays_for=holidays_for,
    )


def _reference_data(
    files: BatchFiles,
    stored: UnitOfWork | None,
    no_database: str,
    failures: list[ImportFailed],
) -> tuple[list[ServiceLine] | None, list[Vendor] | None]:
    missing = [
        f"{what} (give {option} FILE.csv)"
        for what, option, path in (
            ("service lines", "--service-lines", files.service_lines),
            ("vendors", "--vendors", files.vendors),
        )
        if path is None
    ]
    if missing and stored is None:
        raise ValidationError(
            f"missing {' and '.join(missing)}: they are not in the files given and "
            f"{no_database}. Give the files, or import them with `kpo import` into the "
            "database named by KPO_DATABASE_URL."
        )
    lines: list[ServiceLine] | None = None
    vendors: list[Vendor] | None = None
    if files.service_lines is not None:
        lines = _read(files.service_lines, SERVICE_LINES, References(), failures) or None
    if files.vendors is not None:
        vendors = _read(files.vendors, VENDORS, References(), failures) or None
    if stored is not None and (files.service_lines is None or files.vendors is None):
        with stored:
            if files.service_lines is None:
                lines = stored.service_lines.all()
            if files.vendors is None:
                vendors = stored.vendors.all()
    if failures:
        return lines, vendors
    return lines or [], vendors or []


def _read(
    path: Path, fmt: RecordFormat[T, References], refs: References, failures: list[ImportFailed]
) -> list[T]:
    records, errors = read_csv(path, fmt, refs)
    if errors:
        failures.append(ImportFailed(str(path), sorted(errors, key=lambda e: e.row)))
        return []
    return [record for _, record in records]
