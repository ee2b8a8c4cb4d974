from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from kpo.adapters.db.engine import current_revision, head_revision, migrate
from kpo.adapters.db.tables import is_outside_metadata, metadata


def _declared(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Compare only what tables.py declares: the full-text index ``kb_search`` (an FTS5
    virtual table with shadow tables on SQLite, a generated tsvector on PostgreSQL) is
    created by the migration per database and is deliberately not in the metadata."""
    table = getattr(obj, "table", None)
    owner = getattr(table, "name", None) if type_ != "table" else name
    return not is_outside_metadata(owner)


def test_empty_to_head_matches_the_tables_module(engine: Engine) -> None:
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _declared})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_migrating_twice_is_harmless(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()


def test_downgrade_to_base_removes_everything(engine: Engine) -> None:
    migrate(engine)
    migrate_down(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def migrate_down(engine: Engine) -> None:
    from alembic import command

    from kpo.adapters.db.engine import _config

    command.downgrade(_config(engine), "base")
