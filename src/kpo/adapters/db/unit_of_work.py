"""The SQLAlchemy unit of work: one session and transaction per use case."""

from __future__ import annotations

from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kpo.adapters.db.access import SqlApiKeyRepository, SqlIdempotencyRepository
from kpo.adapters.db.knowledge import (
    SqlArticleRepository,
    SqlEmbeddingStore,
    SqlResolutionRepository,
)
from kpo.adapters.db.repositories import (
    SqlClientRepository,
    SqlDecisionLog,
    SqlEventLog,
    SqlServiceLineRepository,
    SqlSkillRepository,
    SqlSpecialistRepository,
    SqlVendorRepository,
    SqlWorkItemRepository,
)
from kpo.adapters.db.webhooks import SqlWebhookRepository
from kpo.adapters.search.fulltext import (
    PostgresArticleIndex,
    SqliteArticleIndex,
    article_index_for,
)

__all__ = ["SqlUnitOfWork"]


_FACTORIES: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    # A sessionmaker builds a Session subclass with its own event dispatch: one per engine,
    # not one per unit of work (which cost more than the queries of a small request).
    factory = _FACTORIES.get(engine)
    if factory is None:
        factory = _FACTORIES[engine] = sessionmaker(bind=engine, expire_on_commit=False)
    return factory


class SqlUnitOfWork:
    """``with uow: …; uow.commit()`` — leaving the block without commit rolls back."""

    skills: SqlSkillRepository
    clients: SqlClientRepository
    service_lines: SqlServiceLineRepository
    vendors: SqlVendorRepository
    specialists: SqlSpecialistRepository
    work_items: SqlWorkItemRepository
    events: SqlEventLog
    api_keys: SqlApiKeyRepository
    idempotency: SqlIdempotencyRepository
    webhooks: SqlWebhookRepository
    decisions: SqlDecisionLog
    articles: SqlArticleRepository
    article_index: SqliteArticleIndex | PostgresArticleIndex
    embeddings: SqlEmbeddingStore
    resolutions: SqlResolutionRepository

    def __init__(self, engine: Engine) -> None:
        self._factory = _session_factory(engine)
        self._session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        session = self._factory()
        self._session = session
        self.skills = SqlSkillRepository(session)
        self.clients = SqlClientRepository(session)
        self.service_lines = SqlServiceLineRepository(session)
        self.vendors = SqlVendorRepository(session)
        self.specialists = SqlSpecialistRepository(session)
        self.work_items = SqlWorkItemRepository(session)
        self.events = SqlEventLog(session)
        self.api_keys = SqlApiKeyRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.webhooks = SqlWebhookRepository(session)
        self.decisions = SqlDecisionLog(session)
        self.articles = SqlArticleRepository(session)
        self.article_index = article_index_for(session)
        self.embeddings = SqlEmbeddingStore(session)
        self.resolutions = SqlResolutionRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        self._session.rollback()
        self._session.close()
        self._session = None

    def commit(self) -> None:
        assert self._session is not None, "commit outside `with uow:`"
        self._session.commit()

    def rollback(self) -> None:
        assert self._session is not None
        self._session.rollback()
