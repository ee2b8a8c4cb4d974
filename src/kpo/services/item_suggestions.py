"""Suggested articles for a stored work item, as a server answers them many times a second.

Loading a client's knowledge base (:func:`~kpo.services.suggestions.load_base`) reads every
published article and calibrates the threshold, which costs far more than one suggestion; so
:class:`KnowledgeBases` keeps each client's loaded base for ``ttl`` seconds, and a process
drops it at once when it changes that client's knowledge itself. Changes made by another
process (``kpo kb import`` beside a running server) show within ``ttl``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kpo.domain.access import Actor
from kpo.knowledge.vectors import Embedder
from kpo.services.ports import UnitOfWork
from kpo.services.suggestions import (
    SUGGESTIONS,
    LoadedBase,
    Mode,
    Suggestions,
    index_embeddings,
    load_base,
    suggest,
)
from kpo.services.work_items import visible_item

__all__ = ["BASE_TTL_SECONDS", "ItemSuggestions", "KnowledgeBases", "suggest_for_visible_item"]

BASE_TTL_SECONDS = 60.0


class KnowledgeBases:
    """Each client's loaded knowledge base, kept ``ttl`` seconds.

    ``embedder`` gives the sentence-embedding model, or ``None`` when the semantic extra is
    missing: ranking is then lexical (asked once, on first use)."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        embedder: Callable[[], Embedder | None],
        ttl: float = BASE_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._embedder_factory = embedder
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._bases: dict[str, tuple[LoadedBase, float]] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._model: tuple[Embedder | None] | None = None

    @property
    def embedder(self) -> Embedder | None:
        with self._lock:
            if self._model is None:
                self._model = (self._embedder_factory(),)
            return self._model[0]

    @property
    def mode(self) -> Mode:
        return Mode.LEXICAL if self.embedder is None else Mode.HYBRID

    def invalidate(self, client_id: str) -> None:
        with self._lock:
            self._bases.pop(client_id, None)

    def get(self, client_id: str) -> LoadedBase:
        with self._lock:
            cached = self._bases.get(client_id)
            if cached is not None and cached[1] > self._monotonic():
                return cached[0]
            loading = self._loading.setdefault(client_id, threading.Lock())
        with loading:  # one load per client at a time; the others wait for it
            with self._lock:
                cached = self._bases.get(client_id)
                if cached is not None and cached[1] > self._monotonic():
                    return cached[0]
            model = self.embedder
            if model is not None:
                index_embeddings(self._uow, client_id, model)
            base = load_base(self._uow(), client_id, mode=self.mode, embedder=model)
            with self._lock:
                self._bases[client_id] = (base, self._monotonic() + self._ttl)
            return base


@dataclass(frozen=True, slots=True)
class ItemSuggestions:
    item_id: str
    mode: Mode
    suggestions: Suggestions


def suggest_for_visible_item(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    *,
    bases: KnowledgeBases,
    limit: int = SUGGESTIONS,
) -> ItemSuggestions:
    """The articles of the item's client that best match its subject and description, for
    anyone who may see the item (its client, or the specialist and vendor holding it)."""
    with uow:
        item, owner = visible_item(uow, actor, item_id)
    base = bases.get(owner.client_id)
    text = f"{item.subject}\n{item.description}".strip()
    return ItemSuggestions(item.id, base.mode, suggest(base, text, limit=limit))
