"""The knowledge base over HTTP, through the Python client: the article life cycle, search,
who may read and edit whose knowledge, and suggested articles for a work item."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kpo.adapters.db.knowledge import SqlArticleRepository
from kpo.client import ApiError, KpoClient
from kpo.domain.access import Role
from kpo.entrypoints.api.schemas.knowledge import ArticleCreate, ArticleRevision
from tests.e2e.api.conftest import Api, assign

ARTICLES = [
    ("card-arrival", "Card arrival", "A new card arrives by post within five working days."),
    ("pin-blocked", "PIN blocked", "Three wrong PIN entries block the card; unblock it at an ATM."),
    ("chargeback", "Disputed charge", "A charge the customer does not recognise is disputed."),
    ("exchange-rate", "Exchange rate", "Card payments abroad use the network's daily rate."),
]


def publish_all(acme: KpoClient) -> None:
    for article_id, title, body in ARTICLES:
        acme.create_article("acme", ArticleCreate(id=article_id, title=title, body=body))
        acme.publish_article("acme", article_id)


def _code(error: pytest.ExceptionInfo[ApiError]) -> tuple[int, str]:
    return error.value.status, error.value.code


def test_a_client_drafts_revises_publishes_archives_and_restores(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    draft = acme.create_article(
        "acme", ArticleCreate(id="pin-change", title="Change PIN", body="At any ATM.", tags=["pin"])
    )
    assert (draft.status, draft.versions[0].author) == ("draft", "client:acme")
    assert acme.search_articles("acme", "ATM") == []  # drafts are not searched
    api.clock.advance(timedelta(minutes=5))
    revised = acme.revise_article(
        "acme", "pin-change", ArticleRevision(body="At any ATM of the network, with the card.")
    )
    assert [v.number for v in revised.versions] == [1, 2]
    assert revised.title == "Change PIN"
    assert revised.tags == ["pin"]
    acme.publish_article("acme", "pin-change")
    (hit,) = acme.search_articles("acme", "ATM network")
    assert hit.id == "pin-change"
    assert hit.score is not None
    assert "**" in (hit.snippet or "")
    acme.archive_article("acme", "pin-change")
    assert acme.search_articles("acme", "ATM") == []
    assert acme.restore_article("acme", "pin-change").status == "published"
    got = acme.get_article("acme", "pin-change")
    assert [(v.number, v.author) for v in got.versions] == [(1, "client:acme"), (2, "client:acme")]


def test_lists_page_by_id_and_filter_by_status(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    publish_all(acme)
    acme.create_article("acme", ArticleCreate(id="a-draft", title="Draft"))
    first = acme.list_articles("acme", limit=2)
    assert [a.id for a in first.items] == ["a-draft", "card-arrival"]
    second = acme.list_articles("acme", limit=2, cursor=first.next_cursor)
    assert [a.id for a in second.items] == ["chargeback", "exchange-rate"]
    drafts = acme.list_articles("acme", status="draft")
    assert [a.id for a in drafts.items] == ["a-draft"]
    assert drafts.next_cursor is None


def test_errors_are_problem_details_with_stable_codes(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    acme.create_article("acme", ArticleCreate(id="x", title="X"))
    with pytest.raises(ApiError) as duplicate:
        acme.create_article("acme", ArticleCreate(id="x", title="Again"))
    assert _code(duplicate) == (409, "conflict")
    # A simultaneous request stored the same id between this one's check and its insert.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SqlArticleRepository, "get", lambda _self, _client, _article: None)
        with pytest.raises(ApiError) as raced:
            acme.create_article("acme", ArticleCreate(id="x", title="Raced"))
    assert _code(raced) == (409, "conflict")
    acme.publish_article("acme", "x")
    with pytest.raises(ApiError) as twice:
        acme.publish_article("acme", "x")
    assert _code(twice) == (409, "illegal_transition")
    with pytest.raises(ApiError) as empty:
        acme.revise_article("acme", "x", ArticleRevision())
    assert _code(empty) == (422, "validation_error")
    assert empty.value.errors[0]["field"] == "body"

    headers = api.headers(Role.CLIENT, "acme")
    bad = api.http.post(
        "/v1/clients/acme/articles",
        json={"id": "y", "title": "Y", "tags": ["two words"], "colour": "red"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} == {"tags.0", "colour"}
    other_line = api.http.post(
        "/v1/clients/acme/articles",
        json={"id": "z", "title": "Z", "service_lines": ["globex-it"]},
        headers=headers,
    )
    assert other_line.status_code == 422
    assert other_line.json()["errors"][0]["field"] == "service_lines"
    mixed = api.http.get("/v1/clients/acme/articles?q=card&status=draft", headers=headers)
    assert (mixed.status_code, mixed.json()["errors"][0]["field"]) == (422, "q")


def test_new_posts_honour_the_idempotency_key(api: Api) -> None:
    headers = api.headers(Role.CLIENT, "acme") | {"Idempotency-Key": "kb-1"}
    body = {"id": "k", "title": "K"}
    first = api.http.post("/v1/clients/acme/articles", json=body, headers=headers)
    again = api.http.post("/v1/clients/acme/articles", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = api.http.post("/v1/clients/acme/articles", json={**body, "title": "L"}, headers=headers)
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")


def test_vendors_and_specialists_read_published_knowledge_of_clients_they_serve(
    api: Api,
) -> None:
    acme = api.client(Role.CLIENT, "acme")
    publish_all(acme)
    acme.create_article("acme", ArticleCreate(id="secret-draft", title="Not yet"))
    vendor = api.client(Role.VENDOR, "krakow")
    specialist = api.client(Role.SPECIALIST, "krakow-001")
    for reader in (vendor, specialist):  # no item of acme yet: acme's knowledge is invisible
        with pytest.raises(ApiError) as hidden:
            reader.search_articles("acme", "card")
        assert _code(hidden) == (404, "not_found")

    item = acme.submit_work_item(service_line_id="acme-disputes", language="en", subject="PIN")
    assign(api, item.id, "krakow-001")
    for reader in (vendor, specialist):
        assert reader.search_articles("acme", "PIN")[0].id == "pin-blocked"
        assert reader.get_article("acme", "card-arrival").status == "published"
        assert "secret-draft" not in [a.id for a in reader.list_articles("acme").items]
        assert reader.list_articles("acme", status="draft").items == []
        with pytest.raises(ApiError) as draft:
            reader.get_article("acme", "secret-draft")
        assert _code(draft) == (404, "not_found")
        with pytest.raises(ApiError) as write:
            reader.publish_article("acme", "secret-draft")
        assert _code(write) == (403, "forbidden")
    # The other client's vendor still sees nothing.
    with pytest.raises(ApiError) as other:
        api.client(Role.VENDOR, "lima").get_article("acme", "card-arrival")
    assert _code(other) == (404, "not_found")


def test_suggestions_for_a_work_item(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    publish_all(acme)
    item = acme.submit_work_item(
        service_line_id="acme-disputes",
        language="en",
        subject="My PIN is blocked",
        description="I typed a wrong PIN three times at the ATM and now the card is blocked.",
    )
    assign(api, item.id, "krakow-001")
    found = api.client(Role.SPECIALIST, "krakow-001").suggestions(item.id)
    assert found.articles[0].id == "pin-blocked"
    assert all(a.score >= found.threshold for a in found.articles)
    if found.mode == "lexical":
        assert found.notice is not None
        assert "openkpo[semantic]" in found.notice
    assert acme.suggestions(item.id).articles[0].id == "pin-blocked"
    with pytest.raises(ApiError) as hidden:
        api.client(Role.SPECIALIST, "lima-001").suggestions(item.id)
    assert _code(hidden) == (404, "not_found")


def test_suggestions_without_knowledge_are_empty(api: Api) -> None:
    acme = api.client(Role.CLIENT, "acme")
    item = acme.submit_work_item(service_line_id="acme-disputes", language="en", subject="Hi")
    assert acme.suggestions(item.id).articles == []
