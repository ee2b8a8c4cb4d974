"""Shapes shared by every area: ids, money, problem details, pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kpo.domain.money import Money

__all__ = [
    "Id",
    "MoneyIn",
    "MoneyOut",
    "Page",
    "Problem",
    "ProblemField",
    "Strict",
]

T = TypeVar("T")

# Ids are chosen by callers for master data; letters, digits and _ . : - only.
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
DecimalText = Annotated[
    str,
    StringConstraints(pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$"),
    Field(description="A decimal number written as text, e.g. '24.50' (never a float)."),
]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class MoneyIn(Strict):
    amount: DecimalText
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]

    def to_domain(self, field: str) -> Money:
        return Money.of(self.amount, self.currency.upper(), field=f"{field}.amount")


class MoneyOut(BaseModel):
    amount: str
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=str(money.amount), currency=money.currency)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class ProblemField(BaseModel):
    field: str = Field(
        description="Where the fault is: a body field path, query parameter or header."
    )
    message: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable and documented in docs/api.md."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[ProblemField] = Field(default_factory=list)


class Page(BaseModel, Generic[T]):
    """One page; pass ``next_cursor`` as ``cursor`` to get the next (``null``: last page)."""

    items: list[T]
    next_cursor: str | None
