"""Policy documents written in the filter language drive the real engine."""

from __future__ import annotations

from datetime import timedelta

from kpo.routing.engine import LineSetup, Router
from kpo.routing.policy_documents import parse_policy
from tests.factories import T0, service_line, work_item
from tests.unit.routing.helpers import SHIFT, person

POLICY = parse_policy(
    """[
      {"filter": "specialist.country == 'PL' AND item.age_seconds < 60",
       "ranking": "least_cost", "timeout_seconds": 120},
      {"ranking": "least_cost"}
    ]"""
)


def test_country_filter_from_a_document_selects_the_preferred_vendor() -> None:
    r = Router([LineSetup(service_line(), POLICY)], now=T0)
    r.add_specialist(person("pl", cost="30", vendor_id="krakow"), now=T0, country="PL")
    r.add_specialist(person("ph", cost="10", vendor_id="manila"), now=T0, country="PH")
    for sid in ("pl", "ph"):
        r.shift_started(sid, now=T0, ends=T0 + SHIFT)
    decision = r.submit(work_item(id="A"), now=T0)
    assert decision.winner == "pl"  # the cheaper PH specialist is outside step 1's filter


def test_item_age_in_a_filter_is_read_at_decision_time() -> None:
    r = Router([LineSetup(service_line(), POLICY)], now=T0)
    r.add_specialist(person("pl", cost="30", vendor_id="krakow"), now=T0, country="PL")
    r.shift_started("pl", now=T0, ends=T0 + SHIFT)
    # an item that arrived 90 s ago is too old for step 1's filter and too young for step 2
    old = work_item(id="B", created_at=T0 - timedelta(seconds=90))
    decision = r.submit(old, now=T0)
    assert decision.winner is None
    r.advance(T0 + timedelta(seconds=31))  # age 121 s: step 2, no filter
    assert r.snapshot()["B"].specialist_id == "pl"
