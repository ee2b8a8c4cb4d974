import hashlib
import hmac
import json
from datetime import timedelta

from kpo.domain.access import Role
from kpo.domain.webhooks import RETRY_WINDOW
from tests.e2e.api.conftest import Api, assign


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The verification snippet of docs/api.md, verbatim."""
    timestamp = headers["Kpo-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    signatures = [part.strip().removeprefix("v1=") for part in headers["Kpo-Signature"].split(",")]
    return any(hmac.compare_digest(expected, sig) for sig in signatures)


def _deliver(api: Api) -> int:
    worker = api.http.app.state.worker  # type: ignore[attr-defined]
    return int(worker.run_once())


def test_events_of_the_subscribers_own_work_are_signed_and_delivered(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    lima = api.client(Role.VENDOR, "lima")
    hook = acme.subscribe("https://acme.example/hooks", ["ItemQueued", "ItemAssigned"])
    vendor_hook = lima.subscribe("https://lima.example/hooks", ["*"])
    item = acme.submit_work_item(service_line_id="acme-disputes", language="en")
    other = api.client(Role.CLIENT, "globex").submit_work_item(
        service_line_id="globex-it", language="en"
    )
    assign(api, item.id, "krakow-001")
    assert _deliver(api) == 5
    posts = [p for p in api.transport.posts if p[0] == "https://acme.example/hooks"]
    bodies = [json.loads(body) for _, body, _ in posts]
    assert [b["type"] for b in bodies] == ["ItemQueued", "ItemAssigned"]
    assert {b["item_id"] for b in bodies} == {item.id}
    for _, body, headers in posts:
        assert verify(hook.secret, headers, body)
        assert not verify("whsec_wrong", headers, body)
        assert headers["Kpo-Event-Id"] == json.loads(body)["id"]
    vendor_posts = [json.loads(p[1]) for p in api.transport.posts if "lima" in p[0]]
    assert {b["item_id"] for b in vendor_posts} == {other.id}  # its specialist holds it
    assert "ItemOffered" in [b["type"] for b in vendor_posts]
    assert len(lima.deliveries(vendor_hook.id)) == 3
    log = acme.deliveries(hook.id)
    assert [(d.status, d.attempts, d.last_status) for d in log] == [("delivered", 1, 200)] * 2


def test_failures_back_off_and_give_up_after_a_day(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    hook = acme.subscribe("https://acme.example/hooks", ["ItemQueued"])
    acme.submit_work_item(service_line_id="acme-disputes", language="en")
    api.transport.status = 503
    assert _deliver(api) == 1
    assert _deliver(api) == 0  # not due yet
    [entry] = acme.deliveries(hook.id)
    assert (entry.status, entry.attempts, entry.last_error) == ("pending", 1, "HTTP 503")
    assert entry.next_attempt_at - api.clock.at == timedelta(seconds=30)
    delays = []
    while entry.status == "pending":
        api.clock.at = entry.next_attempt_at
        _deliver(api)
        [later] = acme.deliveries(hook.id)
        delays.append(later.next_attempt_at - entry.next_attempt_at)
        entry = later
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(delays) <= timedelta(hours=1)
    assert entry.status == "failed"
    assert entry.next_attempt_at - entry.created_at <= RETRY_WINDOW


def test_a_failed_then_recovered_endpoint_gets_the_same_event(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    acme.subscribe("https://acme.example/hooks", ["ItemQueued"])
    acme.submit_work_item(service_line_id="acme-disputes", language="en")
    api.transport.status = None
    _deliver(api)
    api.transport.status = 204
    api.clock.advance(timedelta(minutes=1))
    _deliver(api)
    first, second = api.transport.posts
    assert first[1] == second[1]
    assert first[2]["Kpo-Event-Id"] == second[2]["Kpo-Event-Id"]


def test_rotation_signs_with_both_secrets_during_the_overlap(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    hook = acme.subscribe("https://acme.example/hooks", ["ItemQueued"])
    rotated = acme.rotate_secret(hook.id, overlap_seconds=3600)
    assert rotated.secret != hook.secret
    assert rotated.previous_secret_expires_at == api.clock.at + timedelta(hours=1)
    acme.submit_work_item(service_line_id="acme-disputes", language="en")
    _deliver(api)
    _, body, headers = api.transport.posts[-1]
    assert headers["Kpo-Signature"].count("v1=") == 2
    assert verify(hook.secret, headers, body)
    assert verify(rotated.secret, headers, body)
    api.clock.advance(timedelta(hours=2))
    acme.submit_work_item(service_line_id="acme-disputes", language="en")
    _deliver(api)
    _, body, headers = api.transport.posts[-1]
    assert headers["Kpo-Signature"].count("v1=") == 1
    assert not verify(hook.secret, headers, body)
    assert verify(rotated.secret, headers, body)


def test_specialists_cannot_subscribe_and_bad_types_name_the_field(api: Api) -> None:
    headers = api.headers(Role.SPECIALIST, "krakow-001")
    answer = api.http.post(
        "/v1/webhooks", json={"url": "https://x.example", "event_types": ["*"]}, headers=headers
    )
    assert answer.status_code == 403
    headers = api.headers(Role.CLIENT, "acme")
    answer = api.http.post(
        "/v1/webhooks", json={"url": "https://x.example", "event_types": ["Nope"]}, headers=headers
    )
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, "event_types")
