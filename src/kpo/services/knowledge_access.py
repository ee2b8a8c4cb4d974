"""Who may read and edit a client's knowledge base.

==========  =====================================================================
role        may
==========  =====================================================================
operator    read and edit every client's knowledge
client      read and edit its own knowledge (drafts and archived articles too)
vendor      read the *published* knowledge of a client while one of its
            specialists holds or held an item of that client (offered, assigned,
            worked or resolved: the items ``GET /v1/work-items/{id}`` shows it)
specialist  the same, for the items offered to or held by the specialist
==========  =====================================================================

A client outside these rules is reported exactly like a client that does not exist, and so
is an unpublished article to a reader who may not edit: a caller never learns whether another
tenant's knowledge exists. Editing is refused to vendors and specialists whatever the client
(:class:`~kpo.domain.errors.Forbidden`); they propose articles through resolutions.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpo.domain.access import Actor, Role
from kpo.domain.clients import Client
from kpo.domain.queries import ItemQuery
from kpo.services.knowledge_io import UnknownClient, find_client
from kpo.services.ports import UnitOfWork

__all__ = ["KnowledgeScope", "editable_client", "readable_client", "serves_client"]


@dataclass(frozen=True, slots=True)
class KnowledgeScope:
    """A client's knowledge as one caller sees it: ``edits`` — drafts and archived articles
    are visible and may be changed; else only published articles are."""

    client: Client
    edits: bool


def serves_client(uow: UnitOfWork, actor: Actor, client_id: str) -> bool:
    """Whether a vendor or specialist holds or held at least one item of the client."""
    if actor.role is Role.VENDOR:
        query = ItemQuery(client_id=client_id, vendor_id=actor.org_id, limit=1)
    elif actor.role is Role.SPECIALIST:
        query = ItemQuery(client_id=client_id, specialist_id=actor.org_id, limit=1)
    else:
        return False
    return bool(uow.work_items.page(query))


def readable_client(uow: UnitOfWork, actor: Actor, client: str) -> KnowledgeScope:
    """The client (name or id) whose knowledge ``actor`` reads, inside an open unit of work."""
    found = find_client(uow, client)
    if found is not None:
        if actor.sees_client(found.id):
            return KnowledgeScope(found, edits=True)
        if serves_client(uow, actor, found.id):
            return KnowledgeScope(found, edits=False)
    raise UnknownClient(client)


def editable_client(uow: UnitOfWork, actor: Actor, client: str) -> Client:
    """The client whose knowledge ``actor`` edits (operator, or the client itself)."""
    actor.require(Role.CLIENT, action="edit the knowledge base")
    found = find_client(uow, client)
    if found is None or not actor.sees_client(found.id):
        raise UnknownClient(client)
    return found
