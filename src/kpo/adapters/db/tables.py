"""The relational schema (SQLAlchemy Core). Changes go through Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from kpo.adapters.db.types import ExactDecimal, UtcDateTime

__all__ = [
    "SEARCH_INDEX_TABLE",
    "api_keys",
    "clients",
    "event_log",
    "idempotency_keys",
    "is_outside_metadata",
    "kb_article_versions",
    "kb_articles",
    "kb_embeddings",
    "kb_resolutions",
    "metadata",
    "routing_decisions",
    "service_lines",
    "skills",
    "specialist_capacity",
    "specialist_languages",
    "specialist_skills",
    "specialists",
    "vendors",
    "webhook_deliveries",
    "webhook_subscriptions",
    "work_item_transitions",
    "work_items",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

skills = Table(
    "skills",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
)

clients = Table(
    "clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("time_zone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
)

service_lines = Table(
    "service_lines",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("clients.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("required_skills", Text, nullable=False),
    Column("languages", Text, nullable=False),
    Column("first_response_seconds", Integer),
    Column("resolution_seconds", Integer),
    Column("answer_within_seconds", Integer),
    Column("answer_target", ExactDecimal),
    Column("coverage_time_zone", String(64), nullable=False),
    Column("coverage_hours", Text, nullable=False),
    Column("coverage_country", String(8)),
    Column("coverage_closed_dates", Text, nullable=False, server_default=""),
    Column("handle_time_seconds", Integer, nullable=False),
    Column("routing_policy", Text),
)

vendors = Table(
    "vendors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("country", String(8), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hourly_rate", ExactDecimal, nullable=False),
)

specialists = Table(
    "specialists",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("vendor_id", String(64), ForeignKey("vendors.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("working_hours", Text, nullable=False),
    Column("hourly_cost", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("employment_start", Date, nullable=False),
    Column("employment_end", Date),
    Column("status", String(16), nullable=False),
)

specialist_skills = Table(
    "specialist_skills",
    metadata,
    Column(
        "specialist_id",
        String(64),
        ForeignKey("specialists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("skill", String(64), ForeignKey("skills.name"), primary_key=True),
    Column("level", Integer, nullable=False),
    Index("ix_specialist_skills_skill_level", "skill", "level"),
)

specialist_languages = Table(
    "specialist_languages",
    metadata,
    Column(
        "specialist_id",
        String(64),
        ForeignKey("specialists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("language", String(8), primary_key=True),
)

specialist_capacity = Table(
    "specialist_capacity",
    metadata,
    Column(
        "specialist_id",
        String(64),
        ForeignKey("specialists.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("channel", String(16), primary_key=True),
    Column("slots", Integer, nullable=False),
)

work_items = Table(
    "work_items",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "service_line_id", String(64), ForeignKey("service_lines.id"), nullable=False, index=True
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("language", String(8), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("external_ref", String(200)),
    Column("state", String(24), nullable=False),
    Column("specialist_id", String(64), ForeignKey("specialists.id")),
    Index("ix_work_items_state_created_at", "state", "created_at"),
)

work_item_transitions = Table(
    "work_item_transitions",
    metadata,
    Column(
        "item_id", String(64), ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("from_state", String(24), nullable=False),
    Column("to_state", String(24), nullable=False),
)

event_log = Table(
    "event_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("item_id", String(64), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
)

routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("item_id", String(64), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("step", Integer, nullable=False),
    Column("ranking", String(32), nullable=False),
    Column("eligible_count", Integer, nullable=False),
    Column("candidates", JSON, nullable=False),
    Column("winner", String(64)),
    Column("reason", Text, nullable=False, server_default=""),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("vendor_id", String(64)),
    Column("name", String(200), nullable=False, server_default=""),
    Column("salt", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

# One row per (API key, Idempotency-Key): the request's fingerprint and, once done, the
# response to replay. ``committed`` is set in the transaction of the change itself.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("committed", Boolean, nullable=False),
    Column("location", String(300)),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_role", String(16), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("previous_secret", String(128)),
    Column("previous_expires_at", UtcDateTime),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_webhook_subscriptions_owner", "owner_role", "owner_id"),
)

# The transactional outbox: written with the events it carries, drained by the sender.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "subscription_id",
        String(32),
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("event_id", String(32), nullable=False),
    Column("event_name", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
)
# --- Knowledge base -------------------------------------------------------------------------

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("client_id", String(64), ForeignKey("clients.id"), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("archived_from", String(16)),
    Column("source_item_id", String(64)),
    Index("ix_kb_articles_client_id_status", "client_id", "status"),
)

kb_article_versions = Table(
    "kb_article_versions",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("article_id", String(128), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("service_lines", JSON, nullable=False),
    Column("author", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["client_id", "article_id"],
        ["kb_articles.client_id", "kb_articles.id"],
        ondelete="CASCADE",
    ),
)

kb_embeddings = Table(
    "kb_embeddings",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("article_id", String(128), primary_key=True),
    Column("model", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("lines", Integer, nullable=False),
    Column("vectors", LargeBinary, nullable=False),
    ForeignKeyConstraint(
        ["client_id", "article_id"],
        ["kb_articles.client_id", "kb_articles.id"],
        ondelete="CASCADE",
    ),
)
"""Line embeddings of one article version: ``lines`` float32 vectors, row-major, L2-normalised."""

kb_resolutions = Table(
    "kb_resolutions",
    metadata,
    Column("item_id", String(64), ForeignKey("work_items.id"), primary_key=True),
    Column("client_id", String(64), ForeignKey("clients.id"), nullable=False, index=True),
    Column("service_line_id", String(64), nullable=False),
    Column("specialist_id", String(64)),
    Column("resolved_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("article_ids", JSON, nullable=False),
    Column("draft_article_id", String(128)),
)

SEARCH_INDEX_TABLE = "kb_search"
"""The full-text index of published articles. Its shape differs per database (an FTS5 virtual
table on SQLite, a table with a generated ``tsvector`` and a GIN index on PostgreSQL), so the
migration creates it and it is not part of :data:`metadata`."""


def is_outside_metadata(name: str | None) -> bool:
    """Tables the migrations manage that :data:`metadata` does not declare: the full-text index
    and, on SQLite, the shadow tables FTS5 keeps for it (``kb_search_data``, …)."""
    return name is not None and (
        name == SEARCH_INDEX_TABLE or name.startswith(SEARCH_INDEX_TABLE + "_")
    )
