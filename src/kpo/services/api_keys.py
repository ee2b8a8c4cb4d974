"""API keys: created and shown once, stored as a salted digest, revocable.

A key reads ``kpo_<id>_<secret>``; only ``id``, a random salt and the HMAC-SHA256 digest of
the secret are stored, and the secret is compared in constant time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from kpo.domain.access import KEY_PREFIX, Actor, ApiKey, Role, hash_secret, split_key
from kpo.domain.errors import NotFound, Unauthenticated, ValidationError
from kpo.services.ports import UnitOfWork
from kpo.services.sla_status import Clock

__all__ = ["CreatedKey", "authenticate", "create_api_key", "list_api_keys", "revoke_api_key"]


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key: ``key`` is the only time the full key is ever available."""

    record: ApiKey
    key: str


def _organization(uow: UnitOfWork, role: Role, org: str) -> tuple[str, str | None]:
    """The organization id a key of ``role`` is scoped to (``org`` is an id or a name)."""
    org = org.strip()
    if not org:
        raise ValidationError("give the organization the key belongs to", field="org")
    if role is Role.OPERATOR:
        return org, None
    if role is Role.CLIENT:
        for client in uow.clients.all():
            if org in (client.id, client.name):
                return client.id, None
        raise NotFound("client", org)
    if role is Role.VENDOR:
        for vendor in uow.vendors.all():
            if org in (vendor.id, vendor.name):
                return vendor.id, None
        raise NotFound("vendor", org)
    vendor_id = uow.specialists.vendor_of(org)
    if vendor_id is None:
        raise NotFound("specialist", org)
    return org, vendor_id


def create_api_key(
    uow: UnitOfWork, *, role: Role, org: str, clock: Clock, name: str = ""
) -> CreatedKey:
    """Create a key for ``role`` at organization ``org`` (a client, vendor or specialist id or
    name; any name for operators)."""
    with uow:
        org_id, vendor_id = _organization(uow, role, org)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        record = ApiKey(
            id=key_id,
            role=role,
            org_id=org_id,
            vendor_id=vendor_id,
            name=name,
            salt=salt,
            digest=hash_secret(secret, salt),
            created_at=clock.now(),
        )
        uow.api_keys.add(record)
        uow.commit()
    return CreatedKey(record, f"{KEY_PREFIX}_{key_id}_{secret}")


def revoke_api_key(uow: UnitOfWork, key_id: str, *, clock: Clock) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first time."""
    with uow:
        record = uow.api_keys.get(key_id)
        if record is None:
            raise NotFound("API key", key_id)
        if record.revoked_at is None:
            uow.api_keys.revoke(key_id, clock.now())
            uow.commit()
            record = uow.api_keys.get(key_id)
            assert record is not None
    return record


def list_api_keys(uow: UnitOfWork) -> list[ApiKey]:
    with uow:
        return uow.api_keys.all()


def authenticate(uow: UnitOfWork, key: str) -> Actor:
    """The actor of a presented key; :class:`Unauthenticated` for any wrong or revoked key
    (the message never says which)."""
    parts = split_key(key)
    if parts is None:
        raise Unauthenticated
    key_id, secret = parts
    with uow:
        record = uow.api_keys.get(key_id)
    if record is None or record.revoked or not record.matches(secret):
        raise Unauthenticated
    return record.actor
