from datetime import timedelta

import pytest

from kpo.domain.errors import ValidationError
from kpo.domain.webhooks import (
    RETRY_WINDOW,
    Delivery,
    DeliveryStatus,
    Subscription,
    parse_event_types,
    retry_delay,
    sign,
    signature_header,
)
from tests.factories import T0


def test_signatures_cover_timestamp_and_body() -> None:
    first = sign("secret", 1700000000, b'{"a":1}')
    assert first == sign("secret", 1700000000, b'{"a":1}')
    assert first != sign("secret", 1700000001, b'{"a":1}')
    assert first != sign("secret", 1700000000, b'{"a":2}')
    assert (
        signature_header(["s1", "s2"], 1, b"x")
        == f"v1={sign('s1', 1, b'x')},v1={sign('s2', 1, b'x')}"
    )


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(delays) == timedelta(hours=1)


def test_a_failing_delivery_is_given_up_after_the_window() -> None:
    delivery = Delivery(1, "wh", "e1", "ItemQueued", "{}", DeliveryStatus.PENDING, 0, T0, T0)
    at = T0
    while delivery.status is DeliveryStatus.PENDING:
        delivery = delivery.failed(at=at, status=500, error="boom")
        at = delivery.next_attempt_at
    assert delivery.status is DeliveryStatus.FAILED
    assert T0 + RETRY_WINDOW - timedelta(hours=1) <= at <= T0 + RETRY_WINDOW
    assert delivery.attempts > 20


def test_rotation_keeps_the_previous_secret_during_the_overlap() -> None:
    sub = Subscription(
        "wh",
        "client",
        "acme",
        "https://x.example",
        frozenset({"*"}),
        "new",
        T0,
        previous_secret="old",
        previous_expires_at=T0 + timedelta(hours=1),
    )
    assert sub.secrets_at(T0) == ["new", "old"]
    assert sub.secrets_at(T0 + timedelta(hours=1)) == ["new"]
    assert sub.wants("ItemResolved")


def test_event_types_are_checked() -> None:
    assert parse_event_types(["ItemQueued", " SlaBreached"]) == {"ItemQueued", "SlaBreached"}
    with pytest.raises(ValidationError) as raised:
        parse_event_types(["ItemQueud"])
    assert raised.value.field == "event_types"
    with pytest.raises(ValidationError):
        parse_event_types([])
