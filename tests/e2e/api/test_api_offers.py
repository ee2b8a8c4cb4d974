from datetime import timedelta

import pytest

from kpo.client import ApiError
from kpo.domain.access import Role
from kpo.entrypoints.api.schemas.common import MoneyIn
from kpo.entrypoints.api.schemas.network import SpecialistCreate
from tests.e2e.api.conftest import Api


def _offers(api: Api, specialist_id: str) -> list[str]:
    answer = api.http.get(
        f"/v1/specialists/{specialist_id}/offers",
        headers=api.headers(Role.SPECIALIST, specialist_id),
    )
    assert answer.status_code == 200, answer.text
    return [o["item"]["id"] for o in answer.json()]


def _answer(api: Api, specialist_id: str, item_id: str, verb: str) -> dict[str, object]:
    answer = api.http.post(
        f"/v1/specialists/{specialist_id}/offers/{item_id}/{verb}",
        headers=api.headers(Role.SPECIALIST, specialist_id),
    )
    return {"status": answer.status_code, **answer.json()}


def _tick(api: Api) -> None:
    api.http.app.state.worker.run_once()  # type: ignore[attr-defined]


def _second_specialist(api: Api) -> None:
    api.client(Role.VENDOR, "krakow").create_specialist(
        SpecialistCreate(
            id="krakow-002",
            vendor_id="krakow",
            name="Piotr",
            time_zone="Europe/Warsaw",
            working_hours="mon-fri 08:00-16:00",
            skills={"card_disputes": 3},
            languages=["en"],
            hourly_cost=MoneyIn(amount="30.00", currency="USD"),
            employment_start="2024-01-01",  # type: ignore[arg-type]
        )
    )
    api.keys[Role.SPECIALIST, "krakow-002"] = api.keys[Role.OPERATOR, "network"]


def test_a_rejected_offer_goes_to_the_next_best_specialist(api: Api) -> None:
    _second_specialist(api)
    item = api.client(Role.CLIENT, "acme").submit_work_item(
        service_line_id="acme-disputes", language="en"
    )
    assert _offers(api, "krakow-001") == [item.id]  # cheaper: offered first
    answer = _answer(api, "krakow-001", item.id, "reject")
    assert (answer["status"], answer["state"], answer["specialist_id"]) == (
        200,
        "offered",
        "krakow-002",
    )
    assert _offers(api, "krakow-001") == []
    assert _answer(api, "krakow-001", item.id, "accept")["status"] == 404
    accepted = _answer(api, "krakow-002", item.id, "accept")
    assert (accepted["state"], accepted["specialist_id"]) == ("assigned", "krakow-002")
    again = _answer(api, "krakow-002", item.id, "accept")
    assert (again["status"], again["code"]) == (409, "offer_not_pending")


def test_an_unanswered_offer_times_out_in_the_background(api: Api) -> None:
    item = api.client(Role.CLIENT, "acme").submit_work_item(
        service_line_id="acme-disputes", language="en"
    )
    api.clock.advance(timedelta(seconds=121))
    _tick(api)
    events = [e.name for e in api.operator.item_events(item.id)]
    assert "OfferTimedOut" in events
    assert api.operator.get_work_item(item.id).state == "queued"  # nobody else can take it


def test_going_offline_gives_work_back_and_coming_back_takes_it(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    item = acme.submit_work_item(service_line_id="acme-disputes", language="en")
    worker = api.client(Role.SPECIALIST, "krakow-001")
    assert worker.set_specialist_status("krakow-001", "offline").status == "offline"
    assert api.operator.get_work_item(item.id).state == "queued"
    assert "OfferWithdrawn" in [e.name for e in api.operator.item_events(item.id)]
    worker.set_specialist_status("krakow-001", "available")
    _tick(api)
    assert api.operator.get_work_item(item.id).state == "offered"


def test_sla_timers_fire_in_the_background(api: Api) -> None:
    api.client(Role.SPECIALIST, "krakow-001").set_specialist_status("krakow-001", "break")
    item = api.client(Role.CLIENT, "acme").submit_work_item(
        service_line_id="acme-disputes", language="en"
    )
    api.clock.advance(timedelta(hours=5))
    _tick(api)
    names = [e.name for e in api.operator.item_events(item.id)]
    assert "SlaAtRisk" in names
    assert "SlaBreached" in names


def test_a_restarted_engine_picks_up_where_storage_is(api: Api) -> None:
    item = api.client(Role.CLIENT, "acme").submit_work_item(
        service_line_id="acme-disputes", language="en"
    )
    api.http.app.state.runtime.routing.invalidate()  # type: ignore[attr-defined]
    accepted = _answer(api, "krakow-001", item.id, "accept")
    assert accepted["state"] == "assigned"


def test_other_specialists_cannot_answer(api: Api) -> None:
    item = api.client(Role.CLIENT, "acme").submit_work_item(
        service_line_id="acme-disputes", language="en"
    )
    answer = api.http.post(
        f"/v1/specialists/krakow-001/offers/{item.id}/accept",
        headers=api.headers(Role.SPECIALIST, "lima-001"),
    )
    assert answer.status_code == 404
    with pytest.raises(ApiError) as raised:
        api.client(Role.CLIENT, "acme").set_specialist_status("krakow-001", "offline")
    assert raised.value.status == 403
