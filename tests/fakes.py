"""In-memory fakes of the storage ports, for unit tests of services."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import numpy as np

from kpo.domain.access import ApiKey
from kpo.domain.clients import Client, ServiceLine
from kpo.domain.events import DomainEvent, OfferRejected, OfferTimedOut
from kpo.domain.idempotency import IdempotencyRecord
from kpo.domain.knowledge import Article, ArticleStatus, SearchHit
from kpo.domain.queries import ItemOwnership, ItemQuery
from kpo.domain.specialists import Specialist
from kpo.domain.vendors import Vendor
from kpo.domain.webhooks import Delivery, DeliveryStatus, Subscription
from kpo.domain.work_items import WorkItem, WorkItemState
from kpo.knowledge.records import Resolution
from kpo.knowledge.text import ParsedQuery, stem, terms, words
from kpo.knowledge.vectors import LineVectors, Matrix, normalize_rows
from kpo.routing.explain import Decision


class _Store:
    """Committed state shared by every unit of work made from one fake."""

    def __init__(self) -> None:
        self.skills: dict[str, str] = {}
        self.clients: dict[str, Client] = {}
        self.service_lines: dict[str, ServiceLine] = {}
        self.vendors: dict[str, Vendor] = {}
        self.specialists: dict[str, Specialist] = {}
        self.work_items: dict[str, WorkItem] = {}
        self.events: list[DomainEvent] = []
        self.api_keys: dict[str, ApiKey] = {}
        self.idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: dict[int, Delivery] = {}
        self.decisions: list[Decision] = []
        self.articles: dict[tuple[str, str], Article] = {}
        self.embeddings: dict[tuple[str, str, str], LineVectors] = {}
        self.resolutions: dict[str, tuple[str, Resolution, str, str | None]] = {}


class FakeSkills:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, name: str, description: str = "") -> None:
        self._s.skills[name] = description

    def names(self) -> set[str]:
        return set(self._s.skills)

    def all(self) -> list[tuple[str, str]]:
        return sorted(self._s.skills.items())


class _Keyed:
    def __init__(self, table: dict[str, Any]) -> None:
        self._t = table

    def add(self, record: Any) -> None:
        if record.id in self._t:
            raise KeyError(record.id)
        self._t[record.id] = record

    def add_many(self, records: Sequence[Any]) -> None:
        for record in records:
            self.add(record)

    def save(self, record: Any) -> None:
        self._t[record.id] = record

    def get(self, key: str) -> Any:
        return self._t.get(key)

    def ids(self) -> set[str]:
        return set(self._t)

    def count(self) -> int:
        return len(self._t)


class FakeClients(_Keyed):
    def all(self) -> list[Client]:
        return sorted(self._t.values(), key=lambda c: c.id)


class FakeVendors(_Keyed):
    def all(self) -> list[Vendor]:
        return sorted(self._t.values(), key=lambda v: v.id)


class FakeServiceLines(_Keyed):
    def all(self, *, client_id: str | None = None) -> list[ServiceLine]:
        lines = sorted(self._t.values(), key=lambda line: line.id)
        return [line for line in lines if client_id in (None, line.client_id)]

    def set_routing_policy(self, line_id: str, text: str | None) -> None:
        self._t[line_id] = dataclasses.replace(self._t[line_id], routing_policy=text)


class FakeSpecialists(_Keyed):
    def all(self, *, vendor_id: str | None = None) -> list[Specialist]:
        people = sorted(self._t.values(), key=lambda s: s.id)
        return [s for s in people if vendor_id in (None, s.vendor_id)]

    def vendor_of(self, specialist_id: str) -> str | None:
        found = self._t.get(specialist_id)
        return None if found is None else str(found.vendor_id)


class FakeWorkItems(_Keyed):
    def __init__(self, store: _Store) -> None:
        super().__init__(store.work_items)
        self._s = store

    def ownership(self, item_id: str) -> ItemOwnership | None:
        item = self._t.get(item_id)
        if item is None:
            return None
        holder = self._s.specialists.get(item.specialist_id or "")
        return ItemOwnership(
            self._s.service_lines[item.service_line_id].client_id,
            item.specialist_id,
            None if holder is None else holder.vendor_id,
        )

    def page(self, query: ItemQuery) -> list[WorkItem]:
        found = []
        for item in self.all(state=query.state, service_line_id=query.service_line_id):
            owner = self.ownership(item.id)
            assert owner is not None
            if (
                query.client_id not in (None, owner.client_id)
                or query.vendor_id not in (None, owner.vendor_id)
                or query.specialist_id not in (None, item.specialist_id)
                or (query.created_from is not None and item.created_at < query.created_from)
                or (query.created_before is not None and item.created_at >= query.created_before)
                or (query.after is not None and (item.created_at, item.id) <= query.after)
            ):
                continue
            found.append(item)
        return found[: query.limit]

    def state_counts(self) -> dict[tuple[str, WorkItemState], int]:
        counts: dict[tuple[str, WorkItemState], int] = {}
        for item in self._t.values():
            key = (item.service_line_id, item.state)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def open_items(self) -> Iterator[WorkItem]:
        return iter([i for i in self.all() if not i.state.is_final])

    def all(
        self, *, state: WorkItemState | None = None, service_line_id: str | None = None
    ) -> list[WorkItem]:
        items = sorted(self._t.values(), key=lambda i: (i.created_at, i.id))
        return [
            i
            for i in items
            if state in (None, i.state) and service_line_id in (None, i.service_line_id)
        ]


class FakeEventLog:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def append(self, events: Iterable[DomainEvent]) -> None:
        self._s.events.extend(events)

    def for_item(self, item_id: str) -> list[tuple[str, Any, dict[str, Any]]]:
        return [(e.name, e.at, {}) for e in self._s.events if e.item_id == item_id]

    def refused_offers(self) -> dict[str, set[str]]:
        open_ids = {i.id for i in self._s.work_items.values() if not i.state.is_final}
        refused: dict[str, set[str]] = {}
        for event in self._s.events:
            if isinstance(event, OfferRejected | OfferTimedOut) and event.item_id in open_ids:
                refused.setdefault(event.item_id, set()).add(event.specialist_id)
        return refused


class FakeApiKeys:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, key: ApiKey) -> None:
        self._s.api_keys[key.id] = key

    def get(self, key_id: str) -> ApiKey | None:
        return self._s.api_keys.get(key_id)

    def all(self) -> list[ApiKey]:
        return sorted(self._s.api_keys.values(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: str, at: datetime) -> None:
        self._s.api_keys[key_id] = dataclasses.replace(self._s.api_keys[key_id], revoked_at=at)


class FakeIdempotency:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def get(self, key_id: str, key: str) -> IdempotencyRecord | None:
        return self._s.idempotency.get((key_id, key))

    def add(self, record: IdempotencyRecord) -> None:
        if (record.key_id, record.key) in self._s.idempotency:
            raise KeyError(record.key)
        self._s.idempotency[record.key_id, record.key] = record

    def save(self, record: IdempotencyRecord) -> None:
        self._s.idempotency[record.key_id, record.key] = record

    def end_leases(self, now: datetime) -> int:
        ended = 0
        for key, record in self._s.idempotency.items():
            if record.response_status is None and record.lease_until > now:
                self._s.idempotency[key] = dataclasses.replace(record, lease_until=now)
                ended += 1
        return ended


class FakeWebhooks:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, subscription: Subscription) -> None:
        self._s.subscriptions[subscription.id] = subscription

    def get(self, subscription_id: str) -> Subscription | None:
        return self._s.subscriptions.get(subscription_id)

    def all(
        self, *, owner_role: str | None = None, owner_id: str | None = None
    ) -> list[Subscription]:
        return [
            s
            for s in self._s.subscriptions.values()
            if owner_role in (None, s.owner_role) and owner_id in (None, s.owner_id)
        ]

    def save(self, subscription: Subscription) -> None:
        self._s.subscriptions[subscription.id] = subscription

    def queue(self, delivery: Delivery) -> None:
        """Test helper: what the SQL event log's outbox writes."""
        self._s.deliveries[delivery.id] = delivery

    def deliveries(self, subscription_id: str, *, limit: int) -> list[Delivery]:
        found = [d for d in self._s.deliveries.values() if d.subscription_id == subscription_id]
        return sorted(found, key=lambda d: -d.id)[:limit]

    def claim_due(self, now: datetime, *, limit: int, lease_until: datetime) -> list[Delivery]:
        due = [
            d
            for d in self._s.deliveries.values()
            if d.status is DeliveryStatus.PENDING and d.next_attempt_at <= now
        ]
        return sorted(due, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def record(self, delivery: Delivery) -> None:
        self._s.deliveries[delivery.id] = delivery

    def release_claims(self) -> int:
        return 0

    def pending_count(self) -> int:
        return sum(d.status is DeliveryStatus.PENDING for d in self._s.deliveries.values())


class FakeDecisionLog:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def append(self, decisions: Iterable[Decision]) -> None:
        self._s.decisions.extend(decisions)

    def for_item(self, item_id: str) -> list[Decision]:
        return [d for d in self._s.decisions if d.item_id == item_id]


class FakeArticles:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, article: Article) -> None:
        key = (article.client_id, article.id)
        if key in self._s.articles:
            raise KeyError(key)
        self._s.articles[key] = copy.deepcopy(article)

    def add_many(self, articles: Sequence[Article]) -> None:
        for article in articles:
            self.add(article)

    def save(self, article: Article) -> None:
        self._s.articles[(article.client_id, article.id)] = copy.deepcopy(article)

    def get(self, client_id: str, article_id: str) -> Article | None:
        found = self._s.articles.get((client_id, article_id))
        return copy.deepcopy(found)

    def get_many(self, client_id: str, article_ids: Sequence[str]) -> list[Article]:
        return [a for i in article_ids if (a := self.get(client_id, i)) is not None]

    def ids(self, client_id: str) -> set[str]:
        return {i for c, i in self._s.articles if c == client_id}

    def all(
        self,
        client_id: str,
        *,
        status: ArticleStatus | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        found = [
            copy.deepcopy(a)
            for (c, i), a in sorted(self._s.articles.items())
            if c == client_id and status in (None, a.status) and (after is None or i > after)
        ]
        return found if limit is None else found[:limit]

    def count(self, client_id: str, *, status: ArticleStatus | None = None) -> int:
        return len(self.all(client_id, status=status))


class FakeArticleIndex:
    """Counts matching stems in title and body; phrases must occur as consecutive words."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def _sync(self) -> dict[tuple[str, str], Article]:
        return {k: a for k, a in self._s.articles.items() if a.is_searchable}

    def put(self, articles: Sequence[Article]) -> None:
        """The fake reads published articles from the store at search time."""

    def remove(self, client_id: str, article_ids: Iterable[str]) -> None:
        """See :meth:`put`."""

    def clear(self, client_id: str) -> None:
        """See :meth:`put`."""

    def search(self, client_id: str, query: ParsedQuery, *, limit: int) -> list[SearchHit]:
        hits: list[SearchHit] = []
        for (client, article_id), article in sorted(self._sync().items()):
            if client != client_id:
                continue
            text = words(article.title + " " + article.body)
            joined = " " + " ".join(text) + " "
            if any(" " + " ".join(p) + " " not in joined for p in query.phrases):
                continue
            stems = [stem(w) for w in text]
            score = sum(stems.count(stem(w)) for w in query.words)
            score += sum(1 for w in text for p in query.prefixes if w.startswith(p))
            score += len(query.phrases)
            if score > 0:
                hits.append(SearchHit(article_id, article.title, float(score), ""))
        hits.sort(key=lambda h: (-h.score, h.article_id))
        return hits[:limit]


class FakeEmbeddings:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def put(self, client_id: str, model: str, vectors: Sequence[LineVectors]) -> None:
        for v in vectors:
            self._s.embeddings[(client_id, v.article_id, model)] = v

    def versions(self, client_id: str, model: str) -> dict[str, int]:
        return {
            a: v.version
            for (c, a, m), v in self._s.embeddings.items()
            if (c, m) == (client_id, model)
        }

    def load(self, client_id: str, model: str, *, dimension: int) -> list[LineVectors]:
        current = {
            a.id: a.current.number
            for (c, _), a in self._s.articles.items()
            if c == client_id and a.is_searchable
        }
        return [
            v
            for (c, a, m), v in self._s.embeddings.items()
            if (c, m) == (client_id, model) and current.get(a) == v.version
        ]


class FakeResolutions:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, resolution: Resolution, *, client_id: str, note: str, draft: str | None) -> None:
        self._s.resolutions[resolution.item_id] = (client_id, resolution, note, draft)

    def between(self, client_id: str, start: datetime, end: datetime) -> list[Resolution]:
        return sorted(
            (
                r
                for c, r, _, _ in self._s.resolutions.values()
                if c == client_id and start <= r.resolved_at < end
            ),
            key=lambda r: (r.resolved_at, r.item_id),
        )

    def exists(self, item_id: str) -> bool:
        return item_id in self._s.resolutions


class FakeEmbedder:
    """A bag-of-stems embedder: texts sharing words get similar vectors. Deterministic and
    fast, so the semantic logic is tested without the real model."""

    name = "fake-embedder"
    dimension = 256

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Matrix:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text):
                digest = hashlib.blake2b(term.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        return normalize_rows(out)


class FakeUnitOfWork:
    """Works on a copy of the committed store; ``commit`` publishes the copy."""

    def __init__(self) -> None:
        self.committed = _Store()
        self.commits = 0

    def __enter__(self) -> Self:
        self._work = copy.deepcopy(self.committed)
        self.skills = FakeSkills(self._work)
        self.clients = FakeClients(self._work.clients)
        self.service_lines = FakeServiceLines(self._work.service_lines)
        self.vendors = FakeVendors(self._work.vendors)
        self.specialists = FakeSpecialists(self._work.specialists)
        self.work_items = FakeWorkItems(self._work)
        self.events = FakeEventLog(self._work)
        self.api_keys = FakeApiKeys(self._work)
        self.idempotency = FakeIdempotency(self._work)
        self.webhooks = FakeWebhooks(self._work)
        self.decisions = FakeDecisionLog(self._work)
        self.articles = FakeArticles(self._work)
        self.article_index = FakeArticleIndex(self._work)
        self.embeddings = FakeEmbeddings(self._work)
        self.resolutions = FakeResolutions(self._work)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._work

    def commit(self) -> None:
        self.committed = copy.deepcopy(self._work)
        self.commits += 1

    def rollback(self) -> None:
        self._work = copy.deepcopy(self.committed)
