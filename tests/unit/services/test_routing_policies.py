"""Routing policies of service lines against the in-memory fakes."""

from __future__ import annotations

import json

import pytest

from kpo.domain.channels import Channel
from kpo.domain.errors import NotFound, ValidationError
from kpo.routing.policies import Ranking
from kpo.services.routing_policies import (
    clear_routing_policy,
    get_routing_policy,
    set_routing_policy,
)
from tests import factories
from tests.fakes import FakeUnitOfWork

POLICY = """[{"filter": "specialist.level.card_disputes>=4", "ranking": "least_cost",
  "timeout_seconds": 120}, {"ranking": "cost_sla"}]"""


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.skills.add("card_disputes")
        uow.clients.add(factories.client())
        uow.service_lines.add(factories.service_line())
        uow.commit()
    return uow


def stored(uow: FakeUnitOfWork) -> str | None:
    return uow.committed.service_lines["acme-disputes"].routing_policy


def test_a_valid_policy_is_stored_canonical_in_one_commit(uow: FakeUnitOfWork) -> None:
    commits = uow.commits
    policy = set_routing_policy(uow, "acme-disputes", POLICY)
    assert uow.commits == commits + 1
    text = stored(uow)
    assert text is not None
    assert json.loads(text)[0] == {
        "filter": "specialist.level.card_disputes>=4",
        "ranking": "least_cost",
        "timeout_seconds": 120,
        "relax_levels": 0,
    }
    assert get_routing_policy(uow, "acme-disputes") == policy
    assert [s.ranking for s in policy.steps] == [Ranking.LEAST_COST, Ranking.COST_SLA]


def test_an_invalid_policy_stores_nothing(uow: FakeUnitOfWork) -> None:
    set_routing_policy(uow, "acme-disputes", POLICY)
    before, commits = stored(uow), uow.commits
    with pytest.raises(ValidationError, match=r"steps\[0\]\.filter: unexpected"):
        set_routing_policy(uow, "acme-disputes", '[{"filter": "true AN", "ranking": "cost_sla"}]')
    assert stored(uow) == before
    assert uow.commits == commits


def test_filters_may_only_name_skills_in_the_catalogue(uow: FakeUnitOfWork) -> None:
    text = json.dumps([{"filter": "specialist.skills HAS 'kyc'", "ranking": "cost_sla"}])
    with pytest.raises(ValidationError, match="unknown skill 'kyc'"):
        set_routing_policy(uow, "acme-disputes", text)
    assert stored(uow) is None


def test_clearing_returns_the_line_to_the_default_policy(uow: FakeUnitOfWork) -> None:
    assert get_routing_policy(uow, "acme-disputes") is None
    set_routing_policy(uow, "acme-disputes", POLICY)
    clear_routing_policy(uow, "acme-disputes")
    assert stored(uow) is None
    assert get_routing_policy(uow, "acme-disputes") is None


def test_an_unknown_line_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="service line 'nope' does not exist"):
        set_routing_policy(uow, "nope", POLICY)
    with pytest.raises(NotFound):
        get_routing_policy(uow, "nope")
    with pytest.raises(NotFound):
        clear_routing_policy(uow, "nope")


def test_batch_steps_are_refused_on_lines_answered_live(uow: FakeUnitOfWork) -> None:
    batch = '[{"ranking": "min_cost_batch", "batch_seconds": 300}]'
    policy = set_routing_policy(uow, "acme-disputes", batch)  # a ticket line: fine
    assert policy.steps[0].batch_interval is not None
    with uow:
        uow.service_lines.add(factories.service_line(id="acme-calls", channel=Channel.CALL))
        uow.commit()
    with pytest.raises(ValidationError, match="ticket, back-office and project lines") as raised:
        set_routing_policy(uow, "acme-calls", batch)
    assert raised.value.field == "steps[0].ranking"
