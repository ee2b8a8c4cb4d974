"""Errors raised on purpose by OpenKPO, with stable codes.

Every error a user can cause derives from :class:`KpoError` and carries an
:class:`ErrorCode` that API problem details and ``--json`` output expose unchanged::

    KpoError                         base; code + message that says what to do
    ├── ValidationError              input breaks a rule; names the field
    │   ├── UnknownTimeZone          not an IANA time zone
    │   ├── UnknownCurrency          not an ISO 4217 code
    │   ├── UnknownCountry           no public-holiday calendar for that code
    │   ├── UnknownSkill             skill not in the catalogue
    │   ├── UnknownLanguage          not an ISO 639-1 language code
    │   └── NaiveDateTime            an instant without time zone (also a ValueError)
    ├── IllegalTransition            work-item state machine refused a move
    ├── OfferNotPending              answer to an offer that is not (or no longer) open
    ├── CurrencyMismatch             arithmetic across two currencies
    ├── NotFound                     an entity that does not exist (or that the caller
    │                                may not see: the two are never told apart)
    ├── Conflict                     an entity that already exists
    │   ├── IdempotencyConflict      an Idempotency-Key reused with another request
    │   └── RequestInProgress        the first request with that key has not finished
    ├── Unauthenticated              no valid API key
    ├── Forbidden                    the caller's role may never do this
    └── PayloadTooLarge              a request body over the size limit
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Conflict",
    "CurrencyMismatch",
    "ErrorCode",
    "Forbidden",
    "IdempotencyConflict",
    "IllegalTransition",
    "KpoError",
    "NaiveDateTime",
    "NotFound",
    "OfferNotPending",
    "PayloadTooLarge",
    "RequestInProgress",
    "Unauthenticated",
    "UnknownCountry",
    "UnknownCurrency",
    "UnknownLanguage",
    "UnknownSkill",
    "UnknownTimeZone",
    "ValidationError",
]


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    UNKNOWN_CURRENCY = "unknown_currency"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_SKILL = "unknown_skill"
    UNKNOWN_LANGUAGE = "unknown_language"
    ILLEGAL_TRANSITION = "illegal_transition"
    OFFER_NOT_PENDING = "offer_not_pending"
    CURRENCY_MISMATCH = "currency_mismatch"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    REQUEST_IN_PROGRESS = "request_in_progress"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INTERNAL = "internal_error"


class KpoError(Exception):
    """Base of all deliberate errors; ``str(error)`` is a message fit for a user."""

    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(KpoError):
    """Input that breaks a rule. ``field`` names the offending input when known."""

    code = ErrorCode.VALIDATION

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownTimeZone(ValidationError):
    code = ErrorCode.UNKNOWN_TIME_ZONE

    def __init__(self, name: str, *, field: str | None = None) -> None:
        super().__init__(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Warsaw'", field=field
        )
        self.name = name


class UnknownCurrency(ValidationError):
    code = ErrorCode.UNKNOWN_CURRENCY

    def __init__(self, name: str, *, field: str | None = None) -> None:
        super().__init__(
            f"unknown currency {name!r}: use an ISO 4217 code such as 'USD'", field=field
        )
        self.name = name


class UnknownCountry(ValidationError):
    code = ErrorCode.UNKNOWN_COUNTRY

    def __init__(self, name: str, *, field: str | None = None) -> None:
        super().__init__(
            f"unknown country {name!r}: use an ISO 3166-1 alpha-2 code with a public-holiday "
            "calendar, such as 'PL'",
            field=field,
        )
        self.name = name


class UnknownSkill(ValidationError):
    code = ErrorCode.UNKNOWN_SKILL

    def __init__(self, name: str, *, field: str | None = None) -> None:
        super().__init__(
            f"unknown skill {name!r}: skills are lower-case words joined by '_' or '-', "
            "such as 'card_disputes'",
            field=field,
        )
        self.name = name


class UnknownLanguage(ValidationError):
    code = ErrorCode.UNKNOWN_LANGUAGE

    def __init__(self, name: str, *, field: str | None = None) -> None:
        super().__init__(
            f"unknown language {name!r}: use an ISO 639-1 code such as 'en'", field=field
        )
        self.name = name


class NaiveDateTime(ValidationError, ValueError):
    def __init__(self, name: str, value: str) -> None:
        super().__init__(
            f"{name} {value} has no time zone (a naive datetime); give an aware instant, "
            "e.g. with Z or +02:00",
            field=name,
        )


class IllegalTransition(KpoError):
    """The work-item state machine has no edge between the two states."""

    code = ErrorCode.ILLEGAL_TRANSITION

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a work item cannot move from {current!r} to {target!r}")
        self.current = current
        self.target = target


class OfferNotPending(KpoError):
    """A specialist answered an offer that is not open for them (timed out, withdrawn, or
    never made), or an item was worked by someone who does not hold it."""

    code = ErrorCode.OFFER_NOT_PENDING

    def __init__(self, item_id: str, specialist_id: str, state: str) -> None:
        super().__init__(
            f"work item {item_id!r} is not offered to or held by specialist {specialist_id!r} "
            f"(it is {state}); fetch the specialist's current offers and try again"
        )
        self.item_id = item_id
        self.specialist_id = specialist_id


class CurrencyMismatch(KpoError):
    code = ErrorCode.CURRENCY_MISMATCH

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine amounts in {left} and {right}; convert first")


class NotFound(KpoError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} does not exist")
        self.kind = kind
        self.key = key


class Conflict(KpoError):
    code = ErrorCode.CONFLICT

    def __init__(self, kind: str, key: str, *, message: str | None = None) -> None:
        super().__init__(message or f"{kind} {key!r} already exists")
        self.kind = kind
        self.key = key


class IdempotencyConflict(Conflict):
    """The Idempotency-Key was used before with a different request."""

    code = ErrorCode.IDEMPOTENCY_CONFLICT

    def __init__(self, key: str) -> None:
        super().__init__(
            "Idempotency-Key",
            key,
            message=f"Idempotency-Key {key!r} was already used with a different request; "
            "use a new key for a new request",
        )


class RequestInProgress(Conflict):
    """The first request with this Idempotency-Key has not finished yet."""

    code = ErrorCode.REQUEST_IN_PROGRESS

    def __init__(self, key: str) -> None:
        super().__init__(
            "Idempotency-Key",
            key,
            message=f"a request with Idempotency-Key {key!r} is still being processed; "
            "send the same request again in a few seconds",
        )


class Unauthenticated(KpoError):
    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "a valid API key is required: send it as 'Authorization: Bearer <key>' "
            "(create one with `kpo keys create`)"
        )


class Forbidden(KpoError):
    """The caller's role may never do this, whatever the object: saying so reveals nothing."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"the {role} role may not {action}")
        self.role = role
        self.action = action


class PayloadTooLarge(KpoError):
    code = ErrorCode.PAYLOAD_TOO_LARGE

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit:,} bytes; send less")
        self.limit = limit
