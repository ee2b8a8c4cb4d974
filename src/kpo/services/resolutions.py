"""Recording how a work item was resolved, inside the caller's open unit of work.

A resolution names the articles that helped (none: an empty list) and keeps the note; the
knowledge reports read these records (coverage: the share of resolutions an article helped).
When no article helped and the note says enough, a draft article is proposed from it
(:func:`kpo.knowledge.capture.propose_draft`) for the client to review and publish. Both the
API's ``resolve`` (:func:`kpo.services.work_items.resolve_item`) and ``kpo kb capture``
(:func:`kpo.services.knowledge.capture_resolution`) record through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kpo.domain.errors import ValidationError
from kpo.domain.knowledge import Article
from kpo.domain.work_items import WorkItem
from kpo.knowledge.capture import propose_draft
from kpo.knowledge.records import Resolution
from kpo.services.ports import UnitOfWork

__all__ = ["MAX_HELPED", "check_helped", "record_resolution"]

MAX_HELPED = 50


def check_helped(
    uow: UnitOfWork, client_id: str, helped: Sequence[str], *, field: str
) -> tuple[str, ...]:
    """The distinct ids of articles that helped; each must be one of the client's articles."""
    used = tuple(dict.fromkeys(helped))
    if len(used) > MAX_HELPED:
        raise ValidationError(f"at most {MAX_HELPED} articles can be named", field=field)
    if not used:
        return used
    known = {a.id for a in uow.articles.get_many(client_id, used)}
    unknown = [a for a in used if a not in known]
    if unknown:
        raise ValidationError(
            f"article(s) {', '.join(unknown)} do not exist for this client", field=field
        )
    return used


def record_resolution(
    uow: UnitOfWork,
    item: WorkItem,
    *,
    client_id: str,
    note: str,
    helped: tuple[str, ...],
    resolved_at: datetime,
    author: str | None,
    at: datetime,
) -> Article | None:
    """Store the resolution of ``item`` (``helped`` checked by :func:`check_helped`) and the
    draft proposed from its note, if any; returns the draft. Nothing is committed here."""
    record = Resolution(item.id, item.service_line_id, item.specialist_id, resolved_at, helped)
    proposal = propose_draft(
        item_id=item.id,
        subject=item.subject,
        description=item.description,
        note=note,
        helped=helped,
    )
    draft: Article | None = None
    if proposal is not None and uow.articles.get(client_id, proposal.article_id) is None:
        draft = Article.create(
            client_id=client_id,
            article_id=proposal.article_id,
            title=proposal.title,
            body=proposal.body,
            tags=proposal.tags,
            service_lines=(item.service_line_id,),
            author=author or item.specialist_id or "unknown",
            at=at,
            source_item_id=item.id,
        )
        uow.articles.add(draft)
    uow.resolutions.add(
        record, client_id=client_id, note=note, draft=draft.id if draft is not None else None
    )
    return draft
