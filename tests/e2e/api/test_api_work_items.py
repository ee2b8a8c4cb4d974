from datetime import timedelta

import pytest

from kpo.client import ApiError
from kpo.domain.access import Role
from tests.e2e.api.conftest import Api, assign


def test_a_client_submits_and_follows_an_item_to_resolution(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    worker = api.client(Role.SPECIALIST, "krakow-001")
    item = acme.submit_work_item(
        service_line_id="acme-disputes", language="en", subject="Charged twice", priority=5
    )
    assert (item.state, item.specialist_id) == ("offered", "krakow-001")
    assert (item.priority, item.created_at) == (5, api.clock.at)
    api.clock.advance(timedelta(seconds=30))
    assign(api, item.id, "krakow-001")
    api.clock.advance(timedelta(minutes=5))
    assert worker.comment(item.id, "Which card?").state == "assigned"
    assert worker.wait_on_client(item.id).state == "waiting_on_client"
    paused = acme.item_sla(item.id)
    assert [c.target for c in paused.clocks] == ["first_response", "resolution"]
    assert paused.clocks[1].paused
    api.clock.advance(timedelta(hours=1))
    assert acme.comment(item.id, "The Visa ending 4242").state == "in_progress"
    assert worker.resolve(item.id).state == "resolved"
    names = [e.name for e in acme.item_events(item.id)]
    assert names[:2] == ["ItemQueued", "ItemStateChanged"]
    assert "ItemOffered" in names
    assert "OfferAccepted" in names
    assert names.count("ItemCommented") == 2
    assert names[-1] == "ItemResolved"
    [decision] = api.http.get(
        f"/v1/work-items/{item.id}/routing", headers=api.headers(Role.CLIENT, "acme")
    ).json()
    assert (decision["trigger"], decision["winner"]) == ("new_item", "krakow-001")
    comment = next(e for e in acme.item_events(item.id) if e.name == "ItemCommented")
    assert comment.data == {"author": "specialist:krakow-001", "text": "Which card?"}


def test_bad_items_are_refused_with_the_field_named(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    with pytest.raises(ApiError) as raised:
        acme.submit_work_item(service_line_id="acme-disputes", language="de")
    assert raised.value.errors[0]["field"] == "language"
    with pytest.raises(ApiError) as raised:
        acme.submit_work_item(service_line_id="acme-disputes", language="xx")
    assert (raised.value.code, raised.value.errors[0]["field"]) == ("unknown_language", "language")
    answer = api.http.post(
        "/v1/work-items",
        json={"service_line_id": "acme-disputes", "language": "en", "priority": 10},
        headers=api.headers(Role.CLIENT, "acme"),
    )
    assert answer.json()["errors"][0]["field"] == "priority"
    assert api.operator.list_work_items().items == []


def test_illegal_moves_are_conflicts(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    item = acme.submit_work_item(service_line_id="acme-disputes", language="en")
    assert acme.cancel(item.id, "sent by mistake").state == "cancelled"
    with pytest.raises(ApiError) as raised:
        acme.cancel(item.id)
    assert (raised.value.status, raised.value.code) == (409, "illegal_transition")
    with pytest.raises(ApiError) as raised:
        api.operator.resolve(item.id)
    assert raised.value.status == 409


def test_list_filters_and_pages_with_a_cursor(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    made = []
    for n in range(7):
        made.append(acme.submit_work_item(service_line_id="acme-disputes", language="en"))
        api.clock.advance(timedelta(seconds=1 if n != 3 else 0))  # two items share a time
    made.sort(key=lambda i: (i.created_at, i.id))
    ids = [i.id for i in made]
    acme.cancel(ids[0])
    pages = []
    cursor = None
    while True:
        page = acme.list_work_items(limit=3, cursor=cursor)
        pages.append([i.id for i in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [i for p in pages for i in p] == ids
    assert len(pages) == 3
    assert [i.id for i in acme.list_work_items(state="cancelled").items] == ids[:1]
    since = api.clock.at - timedelta(seconds=3)
    later = acme.list_work_items(created_from=since)
    assert [i.id for i in later.items] == [i.id for i in made if i.created_at >= since]
    assert len(later.items) == 4
    assert [i.id for i in acme.iter_work_items(page_size=2)] == ids
    bad = api.http.get("/v1/work-items?cursor=nonsense", headers=api.headers(Role.CLIENT, "acme"))
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cursor")
    naive = api.http.get(
        "/v1/work-items?created_from=2026-01-01T00:00:00", headers=api.headers(Role.CLIENT, "acme")
    )
    assert (naive.status_code, naive.json()["errors"][0]["field"]) == (422, "created_from")


def test_reports_cover_the_callers_lines_only(api: Api) -> None:
    api.client(Role.CLIENT, "acme").submit_work_item(service_line_id="acme-disputes", language="en")
    api.client(Role.CLIENT, "globex").submit_work_item(service_line_id="globex-it", language="en")
    queues = api.client(Role.CLIENT, "acme").queue_report()
    assert [(q.service_line_id, q.states["offered"]) for q in queues] == [("acme-disputes", 1)]
    api.clock.advance(timedelta(days=3))
    sla = api.client(Role.CLIENT, "acme").sla_report()
    assert [(s.service_line_id, s.open_items, s.breached) for s in sla] == [("acme-disputes", 1, 1)]
    assert len(api.operator.queue_report()) == 2
