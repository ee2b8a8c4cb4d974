from datetime import timedelta

import pytest

from kpo.domain.errors import ValidationError
from kpo.domain.knowledge import (
    Article,
    ArticleStatus,
    ArticleStatusConflict,
    parse_article_id,
    parse_tags,
)
from tests.factories import T0


def article(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "client_id": "acme",
        "article_id": "card-arrival",
        "title": "Card arrival",
        "body": "Cards arrive within 5 days.",
        "author": "ana",
        "at": T0,
    }
    return Article.create(**(fields | overrides))  # type: ignore[arg-type]


def test_new_article_is_a_draft_with_one_version() -> None:
    a = article()
    assert a.status is ArticleStatus.DRAFT
    assert [(v.number, v.author, v.at) for v in a.versions] == [(1, "ana", T0)]
    assert not a.is_searchable


def test_revise_keeps_history_and_carries_over_what_is_not_given() -> None:
    a = article(tags=("cards",))
    a.revise(author="bo", at=T0 + timedelta(hours=1), body="Within 3 days now.")
    assert [v.number for v in a.versions] == [1, 2]
    assert a.title == "Card arrival"
    assert a.body == "Within 3 days now."
    assert a.tags == ("cards",)
    assert a.versions[0].body == "Cards arrive within 5 days."


def test_revise_refuses_going_back_in_time_and_archived_articles() -> None:
    a = article()
    with pytest.raises(ValidationError, match="before the current version"):
        a.revise(author="bo", at=T0 - timedelta(seconds=1), body="x")
    a.archive()
    with pytest.raises(ArticleStatusConflict, match="restore it before editing"):
        a.revise(author="bo", at=T0 + timedelta(hours=1), body="x")


def test_life_cycle_publish_archive_restore() -> None:
    a = article()
    a.publish()
    assert a.is_searchable
    with pytest.raises(ArticleStatusConflict, match="only drafts can be published"):
        a.publish()
    a.archive()
    assert a.status is ArticleStatus.ARCHIVED
    a.restore()
    assert a.status.value == "published"
    draft = article(article_id="d1")
    draft.archive()
    draft.restore()
    assert draft.status is ArticleStatus.DRAFT
    with pytest.raises(ArticleStatusConflict, match="not archived"):
        draft.restore()


@pytest.mark.parametrize("bad", ["", "with space", "a/b", "x" * 129])
def test_article_ids_are_checked(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_article_id(bad)


def test_ids_are_kept_as_given() -> None:
    assert parse_article_id("T-001:Ümlaut?") == "T-001:Ümlaut?"


def test_tags_are_checked_and_deduplicated() -> None:
    assert parse_tags(["cards", "cards", "fees"]) == ("cards", "fees")
    with pytest.raises(ValidationError):
        parse_tags("cards")
    with pytest.raises(ValidationError):
        parse_tags(["two words"])


def test_title_is_required_and_time_must_be_aware() -> None:
    with pytest.raises(ValidationError, match="title"):
        article(title="  ")
    with pytest.raises(ValidationError):
        article(at=T0.replace(tzinfo=None))
