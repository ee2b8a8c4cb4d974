"""Reading and writing CSV files of records, with every problem named by row and column.

Row numbers are those a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from kpo.domain.errors import KpoError, ValidationError

__all__ = [
    "ImportFailed",
    "RecordFormat",
    "RowError",
    "RowReader",
    "read_csv",
    "write_csv",
]

T = TypeVar("T")
E = TypeVar("E")
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportFailed(KpoError):
    """A file with any bad row imports nothing; this lists every problem found."""

    def __init__(self, source: str, errors: Sequence[RowError]) -> None:
        shown = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{source}: nothing imported, {len(errors)} problem(s) found:\n{shown}")
        self.source = source
        self.errors = list(errors)


class RowReader(Generic[C]):
    """Parses the cells of one row, collecting every error instead of stopping at the first.

    ``context`` is whatever the format checks rows against (for imports: the stored data).
    """

    def __init__(self, row_number: int, cells: Mapping[str, str], context: C) -> None:
        self.row_number = row_number
        self.cells = cells
        self.context = context
        self.errors: list[RowError] = []

    def error(self, column: str | None, reason: str) -> None:
        self.errors.append(RowError(self.row_number, column, reason))

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            self.error(column, "is empty; a value is required")
        return value

    def parse(
        self,
        column: str,
        parser: Callable[[str], T],
        *,
        required: bool = True,
        default: T | None = None,
    ) -> T | None:
        """The parsed cell, ``default`` when empty and optional, ``None`` after an error."""
        value = self.text(column, required=required)
        if not value:
            return default
        try:
            return parser(value)
        except ValidationError as error:
            self.error(column, error.message)
        except ValueError as error:
            self.error(column, f"{value!r}: {error}")
        return None


class RecordFormat(Generic[E, C]):
    """One CSV format: its columns (in export order), how to read a row, how to write one."""

    name: str
    columns: tuple[str, ...]
    required: frozenset[str]

    def read(self, reader: RowReader[C]) -> E | None:
        """Build the record or return ``None`` having recorded errors on ``reader``."""
        raise NotImplementedError

    def write(self, record: E) -> dict[str, str]:
        raise NotImplementedError

    def key(self, record: E) -> str:
        raise NotImplementedError


def read_csv(
    path: Path, fmt: RecordFormat[E, C], context: C
) -> tuple[list[tuple[int, E]], list[RowError]]:
    """All records of a file with their row numbers, and every error found in it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValidationError(
            f"cannot read {str(path)!r}: {error.strerror}", field="file"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"{str(path)!r} is not UTF-8 text (byte {error.start} cannot be decoded)", field="file"
        ) from None
    return parse_csv_text(text, fmt, context)


def parse_csv_text(
    text: str, fmt: RecordFormat[E, C], context: C
) -> tuple[list[tuple[int, E]], list[RowError]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(rows)]
    except StopIteration:
        return [], [RowError(1, None, "the file is empty; expected a header row")]
    except csv.Error as error:
        return [], [RowError(1, None, f"not valid CSV: {error}")]
    errors: list[RowError] = []
    missing = sorted(fmt.required - set(header))
    unknown = [column for column in header if column not in fmt.columns]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    for column in missing:
        errors.append(RowError(1, column, "required column is missing from the header"))
    for column in unknown:
        errors.append(
            RowError(
                1,
                column or "(blank)",
                f"unknown column; {fmt.name} columns are: " + ", ".join(fmt.columns),
            )
        )
    for column in duplicated:
        errors.append(RowError(1, column, "column appears more than once"))
    if errors:
        return [], errors
    records: list[tuple[int, E]] = []
    row_number = 1
    try:
        for row_number, cells in enumerate(rows, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                errors.append(
                    RowError(
                        row_number, None, f"has {len(cells)} cells, the header has {len(header)}"
                    )
                )
                continue
            reader = RowReader(row_number, dict(zip(header, cells, strict=True)), context)
            record = fmt.read(reader)
            if reader.errors or record is None:
                errors.extend(reader.errors)
            else:
                records.append((row_number, record))
    except csv.Error as error:
        errors.append(RowError(row_number + 1, None, f"not valid CSV: {error}"))
    seen: dict[str, int] = {}
    for row_number, record in records:
        key = fmt.key(record)
        if key in seen:
            errors.append(
                RowError(row_number, fmt.columns[0], f"{key!r} already appears in row {seen[key]}")
            )
        else:
            seen[key] = row_number
    return records, errors


def write_csv(out: TextIO, fmt: RecordFormat[E, Any], records: Iterable[E]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(fmt.columns), lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(fmt.write(record))
        count += 1
    return count


def iter_rows(records: Iterable[tuple[int, E]]) -> Iterator[E]:
    return (record for _, record in records)
