"""Alembic environment: runs online against the engine handed over by ``migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from kpo.adapters.db.tables import is_outside_metadata, metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, other: object
) -> bool:
    """Autogenerate leaves the full-text index alone: its migration creates it per database."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not is_outside_metadata(table)


config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):  # `alembic` CLI run from alembic.ini
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url or run migrations through kpo.adapters.db.engine.migrate"
    engine = create_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    context.run_migrations()
