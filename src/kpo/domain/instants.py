"""Instants are timezone-aware and kept in UTC; this is the one check that says so."""

from __future__ import annotations

from datetime import UTC, datetime

from kpo.domain.errors import NaiveDateTime

__all__ = ["require_utc"]


def require_utc(at: datetime, name: str = "at") -> datetime:
    """Refuse naive datetimes (:class:`NaiveDateTime`); return the instant in UTC."""
    if at.tzinfo is UTC:  # already UTC: the common case, on the routing hot path
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDateTime(name, at.isoformat())
    return at.astimezone(UTC)
