"""Creating and upgrading a database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from kpo.adapters.db.engine import current_revision, head_revision, migrate
from kpo.services.catalogue import DEFAULT_SKILLS
from kpo.services.ports import UnitOfWork

__all__ = ["InitResult", "initialize"]


@dataclass(frozen=True, slots=True)
class InitResult:
    revision_before: str | None
    revision: str
    skills_added: int


def initialize(engine: Engine, uow: UnitOfWork) -> InitResult:
    """Migrate the schema to the newest revision and seed the default skill catalogue.

    Safe to run again: existing data and skills are kept.
    """
    before = current_revision(engine)
    migrate(engine)
    with uow:
        known = uow.skills.names()
        added = 0
        for name, description in DEFAULT_SKILLS.items():
            if name not in known:
                uow.skills.add(name, description)
                added += 1
        uow.commit()
    return InitResult(before, head_revision(), added)
