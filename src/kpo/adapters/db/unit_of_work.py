"""The SQLAlchemy unit of work: one session and transaction per use case."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

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
from kpo.adapters.search.fulltext import (
    PostgresArticleIndex,
    SqliteArticleIndex,
    article_index_for,
)

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """``with uow: …; uow.commit()`` — leaving the block without commit rolls back."""

    skills: SqlSkillRepository
    clients: SqlClientRepository
    service_lines: SqlServiceLineRepository
    vendors: SqlVendorRepository
    specialists: SqlSpecialistRepository
    work_items: SqlWorkItemRepository
    events: SqlEventLog
    decisions: SqlDecisionLog
    articles: SqlArticleRepository
    article_index: SqliteArticleIndex | PostgresArticleIndex
    embeddings: SqlEmbeddingStore
    resolutions: SqlResolutionRepository

    def __init__(self, engine: Engine) -> None:
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)
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
