"""Knowledge capture wired into resolution: resolving with a note and no helpful article
proposes a draft; the articles that helped feed the coverage report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kpo.client import ApiError
from kpo.domain.access import Role
from kpo.entrypoints.api.schemas.knowledge import ArticleCreate
from tests.e2e.api.conftest import Api, assign

NOTE = "Refunds to a closed card go back to the customer's current account within 5 days."


def _held_item(api: Api, subject: str) -> str:
    acme = api.client(Role.CLIENT, "acme")
    item = acme.submit_work_item(
        service_line_id="acme-disputes",
        language="en",
        subject=subject,
        description="The customer closed the card before the refund arrived.",
    )
    assign(api, item.id, "krakow-001")
    return item.id


def test_resolving_with_a_note_and_no_article_proposes_a_draft(api: Api) -> None:
    item_id = _held_item(api, "Refund to a closed card")
    specialist = api.client(Role.SPECIALIST, "krakow-001")
    assert specialist.resolve(item_id, note=NOTE).state == "resolved"

    acme = api.client(Role.CLIENT, "acme")
    (draft,) = acme.list_articles("acme", status="draft").items
    assert (draft.id, draft.source_item_id, draft.tags) == (
        f"draft-{item_id}",
        item_id,
        ["captured"],
    )
    article = acme.get_article("acme", draft.id)
    assert article.title == "Refund to a closed card"
    assert NOTE in article.body
    assert "closed the card before" in article.body
    assert article.versions[0].author == "krakow-001"
    assert article.service_lines == ["acme-disputes"]
    # Reviewed and published, it is searched like any other article.
    acme.publish_article("acme", draft.id)
    assert acme.search_articles("acme", "refund closed card")[0].id == draft.id


def test_an_article_that_helped_means_no_draft_and_counts_for_coverage(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    acme.create_article("acme", ArticleCreate(id="refunds", title="Refunds", body="How."))
    acme.publish_article("acme", "refunds")
    vendor = api.client(Role.VENDOR, "krakow")
    vendor.resolve(_held_item(api, "Refund, first"), note=NOTE, article_ids=["refunds"])
    api.clock.advance(timedelta(minutes=1))
    vendor.resolve(_held_item(api, "Refund, second"))  # no note: no draft, still counted

    assert acme.list_articles("acme", status="draft").items == []
    report = acme.knowledge_report(
        "acme", start=api.clock.at - timedelta(days=1), end=api.clock.at + timedelta(days=1)
    )
    (line,) = report.coverage
    assert (line.service_line_id, line.resolved, line.with_article) == ("acme-disputes", 2, 1)
    assert [r.name for r in report.turnover_risk if r.kind == "service_line"] == ["acme-disputes"]


def test_an_unknown_article_changes_nothing(api: Api) -> None:
    item_id = _held_item(api, "Refund")
    specialist = api.client(Role.SPECIALIST, "krakow-001")
    with pytest.raises(ApiError) as error:
        specialist.resolve(item_id, note=NOTE, article_ids=["no-such-article"])
    assert (error.value.status, error.value.errors[0]["field"]) == (422, "article_ids")
    assert specialist.get_work_item(item_id).state == "assigned"
    assert specialist.resolve(item_id, note=NOTE).state == "resolved"


def test_a_resolve_without_body_still_works(api: Api) -> None:
    item_id = _held_item(api, "Refund")
    answer = api.http.post(
        f"/v1/work-items/{item_id}/resolve", headers=api.headers(Role.SPECIALIST, "krakow-001")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "resolved"


def test_the_knowledge_report_is_for_the_client_and_the_operator(api: Api) -> None:
    with pytest.raises(ApiError) as error:
        api.client(Role.VENDOR, "krakow").knowledge_report(
            "acme", start=api.clock.at - timedelta(days=1), end=api.clock.at
        )
    assert (error.value.status, error.value.code) == (403, "forbidden")
    assert (
        api.operator.knowledge_report(
            "acme", start=api.clock.at - timedelta(days=1), end=api.clock.at
        ).coverage
        == []
    )
