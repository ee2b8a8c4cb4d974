"""Repositories of API keys and idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kpo.adapters.db import tables
from kpo.domain.access import ApiKey, Role
from kpo.domain.idempotency import IdempotencyRecord

__all__ = ["SqlApiKeyRepository", "SqlIdempotencyRepository"]


def _key_from_row(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        role=Role(row["role"]),
        org_id=row["org_id"],
        vendor_id=row["vendor_id"],
        name=row["name"],
        salt=bytes.fromhex(row["salt"]),
        digest=row["digest"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        self._session.execute(
            insert(tables.api_keys).values(
                id=key.id,
                role=key.role.value,
                org_id=key.org_id,
                vendor_id=key.vendor_id,
                name=key.name,
                salt=key.salt.hex(),
                digest=key.digest,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    def get(self, key_id: str) -> ApiKey | None:
        row = self._session.execute(
            select(tables.api_keys).where(tables.api_keys.c.id == key_id)
        ).one_or_none()
        return None if row is None else _key_from_row(row._mapping)

    def all(self) -> list[ApiKey]:
        rows = self._session.execute(
            select(tables.api_keys).order_by(tables.api_keys.c.created_at, tables.api_keys.c.id)
        )
        return [_key_from_row(r._mapping) for r in rows]

    def revoke(self, key_id: str, at: datetime) -> None:
        self._session.execute(
            update(tables.api_keys).where(tables.api_keys.c.id == key_id).values(revoked_at=at)
        )


def _record_from_row(row: Any) -> IdempotencyRecord:
    return IdempotencyRecord(
        key_id=row["key_id"],
        key=row["key"],
        fingerprint=row["fingerprint"],
        created_at=row["created_at"],
        lease_until=row["lease_until"],
        committed=bool(row["committed"]),
        location=row["location"],
        response_status=row["response_status"],
        response_body=row["response_body"],
    )


def _record_row(record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "key_id": record.key_id,
        "key": record.key,
        "fingerprint": record.fingerprint,
        "created_at": record.created_at,
        "lease_until": record.lease_until,
        "committed": record.committed,
        "location": record.location,
        "response_status": record.response_status,
        "response_body": record.response_body,
    }


class SqlIdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key_id: str, key: str) -> IdempotencyRecord | None:
        table = tables.idempotency_keys
        row = self._session.execute(
            select(table).where(table.c.key_id == key_id, table.c.key == key)
        ).one_or_none()
        return None if row is None else _record_from_row(row._mapping)

    def add(self, record: IdempotencyRecord) -> None:
        self._session.execute(insert(tables.idempotency_keys).values(_record_row(record)))

    def end_leases(self, now: datetime) -> int:
        table = tables.idempotency_keys
        result = self._session.execute(
            update(table)
            .where(table.c.response_status.is_(None), table.c.lease_until > now)
            .values(lease_until=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def save(self, record: IdempotencyRecord) -> None:
        table = tables.idempotency_keys
        self._session.execute(
            update(table)
            .where(table.c.key_id == record.key_id, table.c.key == record.key)
            .values(_record_row(record))
        )
