"""Use cases of the network's master data: clients, service lines, vendors, specialists.

Every function takes the calling :class:`~kpo.domain.access.Actor`; what it may not see is
reported as not found (see :mod:`kpo.domain.access`). The CLI acts as the operator.
"""

from __future__ import annotations

from dataclasses import replace

from kpo.domain.access import Actor, Role
from kpo.domain.clients import Client, ServiceLine
from kpo.domain.errors import Conflict, NotFound, ValidationError
from kpo.domain.specialists import Specialist, SpecialistStatus
from kpo.domain.vendors import Vendor
from kpo.services.live_routing import LiveRouting
from kpo.services.ports import UnitOfWork
from kpo.services.routing_policies import clear_routing_policy, set_routing_policy

__all__ = [
    "create_client",
    "create_service_line",
    "create_specialist",
    "create_vendor",
    "get_client",
    "get_service_line",
    "get_specialist",
    "get_vendor",
    "list_clients",
    "list_service_lines",
    "list_specialists",
    "list_vendors",
    "set_line_routing_policy",
    "set_specialist_status",
]


def _unknown_skills(uow: UnitOfWork, skills: set[str], field: str) -> None:
    unknown = sorted(skills - uow.skills.names())
    if unknown:
        raise ValidationError(
            f"unknown skill {', '.join(repr(s) for s in unknown)}: not in the skill catalogue "
            "(see `kpo skills list`; add one with `kpo skills add`)",
            field=field,
        )


def create_client(uow: UnitOfWork, actor: Actor, client: Client) -> Client:
    actor.require(action="create clients")
    with uow:
        if uow.clients.get(client.id) is not None:
            raise Conflict("client", client.id)
        if any(c.name == client.name for c in uow.clients.all()):
            raise Conflict("client named", client.name)
        uow.clients.add(client)
        uow.commit()
    return client


def get_client(uow: UnitOfWork, actor: Actor, client_id: str) -> Client:
    with uow:
        client = uow.clients.get(client_id) if actor.sees_client(client_id) else None
    if client is None:
        raise NotFound("client", client_id)
    return client


def list_clients(uow: UnitOfWork, actor: Actor) -> list[Client]:
    with uow:
        return [c for c in uow.clients.all() if actor.sees_client(c.id)]


def create_service_line(
    uow: UnitOfWork, actor: Actor, line: ServiceLine, *, routing: LiveRouting | None = None
) -> ServiceLine:
    """Add a service line; a client may add lines of its own only. The routing engine is
    rebuilt to route it."""
    actor.require(Role.CLIENT, action="create service lines")
    with uow:
        if not actor.sees_client(line.client_id) or uow.clients.get(line.client_id) is None:
            raise NotFound("client", line.client_id)
        if uow.service_lines.get(line.id) is not None:
            raise Conflict("service line", line.id)
        _unknown_skills(uow, {r.skill for r in line.required_skills}, "required_skills")
        uow.service_lines.add(line)
        uow.commit()
    if routing is not None:
        routing.invalidate()
    return line


def get_service_line(uow: UnitOfWork, actor: Actor, line_id: str) -> ServiceLine:
    with uow:
        line = uow.service_lines.get(line_id)
    if line is None or not actor.sees_client(line.client_id):
        raise NotFound("service line", line_id)
    return line


def list_service_lines(
    uow: UnitOfWork, actor: Actor, *, client_id: str | None = None
) -> list[ServiceLine]:
    with uow:
        lines = uow.service_lines.all(client_id=client_id)
    return [line for line in lines if actor.sees_client(line.client_id)]


def create_vendor(uow: UnitOfWork, actor: Actor, vendor: Vendor) -> Vendor:
    actor.require(action="create vendors")
    with uow:
        if uow.vendors.get(vendor.id) is not None:
            raise Conflict("vendor", vendor.id)
        if any(v.name == vendor.name for v in uow.vendors.all()):
            raise Conflict("vendor named", vendor.name)
        uow.vendors.add(vendor)
        uow.commit()
    return vendor


def get_vendor(uow: UnitOfWork, actor: Actor, vendor_id: str) -> Vendor:
    with uow:
        vendor = uow.vendors.get(vendor_id) if actor.sees_vendor(vendor_id) else None
    if vendor is None:
        raise NotFound("vendor", vendor_id)
    return vendor


def list_vendors(uow: UnitOfWork, actor: Actor) -> list[Vendor]:
    with uow:
        return [v for v in uow.vendors.all() if actor.sees_vendor(v.id)]


def create_specialist(
    uow: UnitOfWork,
    actor: Actor,
    specialist: Specialist,
    *,
    routing: LiveRouting | None = None,
) -> Specialist:
    """Add a specialist; a vendor may add its own people only. The routing engine offers
    them work from the start of their shift."""
    actor.require(Role.VENDOR, action="create specialists")
    with uow:
        vendor = uow.vendors.get(specialist.vendor_id)
        if vendor is None or not (
            actor.role is Role.OPERATOR or actor.org_id == specialist.vendor_id
        ):
            raise NotFound("vendor", specialist.vendor_id)
        if uow.specialists.get(specialist.id) is not None:
            raise Conflict("specialist", specialist.id)
        _unknown_skills(uow, set(specialist.skills), "skills")
        uow.specialists.add(specialist)
        uow.commit()
    if routing is not None:
        routing.specialist_added(specialist, vendor.country)
    return specialist


def _visible_specialist(uow: UnitOfWork, actor: Actor, specialist_id: str) -> Specialist:
    specialist = uow.specialists.get(specialist_id)
    if specialist is None or not actor.sees_specialist(
        specialist.id, vendor_id=specialist.vendor_id
    ):
        raise NotFound("specialist", specialist_id)
    return specialist


def get_specialist(uow: UnitOfWork, actor: Actor, specialist_id: str) -> Specialist:
    with uow:
        return _visible_specialist(uow, actor, specialist_id)


def list_specialists(
    uow: UnitOfWork, actor: Actor, *, vendor_id: str | None = None
) -> list[Specialist]:
    actor.require(Role.VENDOR, Role.SPECIALIST, action="list specialists")
    if actor.role is Role.VENDOR:
        if vendor_id not in (None, actor.org_id):
            return []
        vendor_id = actor.org_id
    with uow:
        people = uow.specialists.all(vendor_id=vendor_id)
    return [s for s in people if actor.sees_specialist(s.id, vendor_id=s.vendor_id)]


def set_specialist_status(
    uow: UnitOfWork,
    actor: Actor,
    specialist_id: str,
    status: SpecialistStatus,
    *,
    routing: LiveRouting | None = None,
) -> Specialist:
    """Available, on a break or offline; the specialist, their vendor or the operator. With
    the routing engine, offers (break) or all held work (offline) go back to the queue in the
    same transaction."""
    actor.require(Role.VENDOR, Role.SPECIALIST, action="change a specialist's status")
    with uow:
        specialist = replace(_visible_specialist(uow, actor, specialist_id), status=status)
        if routing is None:
            uow.specialists.save(specialist)
            uow.commit()
            return specialist
    routing.status_changed(
        specialist, uow=uow, store=lambda store: store.specialists.save(specialist)
    )
    return specialist


def set_line_routing_policy(
    uow: UnitOfWork,
    actor: Actor,
    line_id: str,
    document: str | None,
    *,
    routing: LiveRouting | None = None,
) -> ServiceLine:
    """Store (``None``: clear) the routing policy of a line the caller may manage."""
    actor.require(Role.CLIENT, action="change routing policies")
    get_service_line(uow, actor, line_id)
    if document is None:
        clear_routing_policy(uow, line_id)
    else:
        set_routing_policy(uow, line_id, document)
    if routing is not None:
        routing.invalidate()
    return get_service_line(uow, actor, line_id)
