"""Saving and reading the routing policy of a service line.

A policy is checked completely when it is saved — JSON shape, every filter's syntax and
types, skill names against the catalogue — and stored as canonical JSON in the line's
``routing_policy``; an invalid document stores nothing. A line without one is routed by
:data:`~kpo.routing.policies.DEFAULT_POLICY`.
"""

from __future__ import annotations

from kpo.domain.channels import Channel
from kpo.domain.clients import ServiceLine
from kpo.domain.errors import NotFound, ValidationError
from kpo.routing.policies import RoutingPolicy
from kpo.routing.policy_documents import format_policy, parse_policy
from kpo.services.ports import UnitOfWork

__all__ = ["clear_routing_policy", "get_routing_policy", "set_routing_policy"]


def set_routing_policy(uow: UnitOfWork, line_id: str, text: str) -> RoutingPolicy:
    """Check the policy document ``text`` and store it, canonical, for service line ``line_id``."""
    with uow:
        line = _line(uow, line_id)
        policy = parse_policy(text, skills=uow.skills.names())
        _batch_fits_channel(policy, line)
        uow.service_lines.set_routing_policy(line_id, format_policy(policy))
        uow.commit()
    return policy


def clear_routing_policy(uow: UnitOfWork, line_id: str) -> None:
    """Remove the line's policy: it is routed by the default policy again."""
    with uow:
        _line(uow, line_id)
        uow.service_lines.set_routing_policy(line_id, None)
        uow.commit()


def get_routing_policy(uow: UnitOfWork, line_id: str) -> RoutingPolicy | None:
    """The line's stored policy, or None when the default policy applies.

    Skill names are not checked against today's catalogue: a stored policy stays readable
    when a skill is later retired.
    """
    with uow:
        line = _line(uow, line_id)
    return None if line.routing_policy is None else parse_policy(line.routing_policy)


_LIVE_CHANNELS = frozenset({Channel.CALL, Channel.CHAT})


def _batch_fits_channel(policy: RoutingPolicy, line: ServiceLine) -> None:
    """Batches are for work that can wait minutes (tickets, back office, projects)."""
    if line.channel not in _LIVE_CHANNELS:
        return
    for number, step in enumerate(policy.steps):
        if step.batched:
            path = f"steps[{number}].ranking"
            raise ValidationError(
                f"{path}: min_cost_batch is for ticket, back-office and project lines; "
                f"{line.id!r} is a {line.channel.value} line, whose items are offered one at "
                "a time as they arrive",
                field=path,
            )


def _line(uow: UnitOfWork, line_id: str) -> ServiceLine:
    line = uow.service_lines.get(line_id)
    if line is None:
        raise NotFound("service line", line_id)
    return line
