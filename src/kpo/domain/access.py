"""Who may see and do what: API keys, roles and the tenancy rules.

Every caller acts as an :class:`Actor` — a role scoped to one organization:

===========  ==============  ==========================================================
role         ``org_id`` is   sees
===========  ==============  ==========================================================
operator     the network     everything
client       a client id     its own client, service lines, work items and webhooks
vendor       a vendor id     its vendor, its specialists, the items held by them
specialist   a specialist    itself, its own offers and the items it holds
===========  ==============  ==========================================================

An object outside the caller's scope is reported exactly like one that does not exist, so a
caller never learns whether another tenant's object exists. Operations that a role may never
perform, whatever the object, are refused with :class:`~kpo.domain.errors.Forbidden`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kpo.domain.errors import Forbidden, ValidationError
from kpo.domain.instants import require_utc

__all__ = ["KEY_PREFIX", "Actor", "ApiKey", "Role", "hash_secret", "parse_role", "split_key"]

KEY_PREFIX = "kpo"


class Role(StrEnum):
    OPERATOR = "operator"
    CLIENT = "client"
    VENDOR = "vendor"
    SPECIALIST = "specialist"


def parse_role(text: str, *, field: str | None = "role") -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role {text!r}: use one of {choices}", field=field) from None


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case. ``vendor_id`` is the vendor of a specialist (else ``None``)."""

    role: Role
    org_id: str
    vendor_id: str | None = None

    @classmethod
    def operator(cls, org_id: str = "network") -> Actor:
        return cls(Role.OPERATOR, org_id)

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.org_id}"

    def require(self, *roles: Role, action: str) -> None:
        """Refuse the operation unless the caller has one of ``roles`` (operator always may)."""
        if self.role is not Role.OPERATOR and self.role not in roles:
            raise Forbidden(self.role.value, action)

    def sees_client(self, client_id: str) -> bool:
        return self.role is Role.OPERATOR or (self.role is Role.CLIENT and self.org_id == client_id)

    def sees_vendor(self, vendor_id: str) -> bool:
        if self.role is Role.OPERATOR:
            return True
        if self.role is Role.VENDOR:
            return self.org_id == vendor_id
        return self.role is Role.SPECIALIST and self.vendor_id == vendor_id

    def sees_specialist(self, specialist_id: str, *, vendor_id: str) -> bool:
        if self.role in (Role.OPERATOR,):
            return True
        if self.role is Role.VENDOR:
            return self.org_id == vendor_id
        return self.role is Role.SPECIALIST and self.org_id == specialist_id

    def sees_item(
        self, *, client_id: str, specialist_id: str | None, holder_vendor_id: str | None
    ) -> bool:
        """An item of ``client_id``'s line, held (offered, assigned, worked or resolved) by
        ``specialist_id`` of ``holder_vendor_id``."""
        if self.role is Role.OPERATOR:
            return True
        if self.role is Role.CLIENT:
            return self.org_id == client_id
        if self.role is Role.VENDOR:
            return holder_vendor_id is not None and self.org_id == holder_vendor_id
        return specialist_id is not None and self.org_id == specialist_id


def hash_secret(secret: str, salt: bytes) -> str:
    """The stored digest of a key's secret: HMAC-SHA256 keyed by a per-key random salt."""
    return hmac.new(salt, secret.encode(), hashlib.sha256).hexdigest()


def split_key(key: str) -> tuple[str, str] | None:
    """``kpo_<id>_<secret>`` → ``(id, secret)``, or ``None`` when it has another shape."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored API key: never the key itself, only its id, salt and digest."""

    id: str
    role: Role
    org_id: str
    salt: bytes
    digest: str
    created_at: datetime
    name: str = ""
    vendor_id: str | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        require_utc(self.created_at, "created_at")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def matches(self, secret: str) -> bool:
        """Constant-time check of ``secret`` against the stored digest."""
        return hmac.compare_digest(hash_secret(secret, self.salt), self.digest)

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.org_id, self.vendor_id)
