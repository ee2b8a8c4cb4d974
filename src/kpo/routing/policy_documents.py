"""Routing policies as stored and edited: a JSON list of steps.

::

    [
      {"filter": "specialist.vendor == 'krakow'", "ranking": "least_cost",
       "timeout_seconds": 120},
      {"filter": null, "ranking": "cost_sla", "timeout_seconds": 600},
      {"ranking": "best_skill", "relax_levels": 1}
    ]

``ranking`` is required; ``filter`` (default null: everyone eligible), ``timeout_seconds``
(required on every step but the last, forbidden on the last), ``relax_levels`` (0–4,
default 0) and, on ``min_cost_batch`` steps only, ``batch_seconds`` (default 60) are
optional. Every fault is reported with its JSON path, 0-based:
``steps[1].filter: unexpected 'AN' at column 12 …``. :func:`format_policy` writes the
canonical form (every key, fixed order), which :func:`parse_policy` reads back unchanged.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from kpo.domain.errors import ValidationError
from kpo.routing.expressions import ExpressionError, Filter, compile_filter
from kpo.routing.policies import PolicyStep, Ranking, RoutingPolicy

__all__ = [
    "MAX_STEPS",
    "MAX_TIMEOUT_SECONDS",
    "format_policy",
    "parse_policy",
    "policy_from_data",
    "policy_to_data",
]

MAX_STEPS = 20
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600  # a step that waits longer than a week is a mistake
MAX_DOCUMENT_CHARS = 200_000
MAX_RELAX_LEVELS = 4
MIN_BATCH_SECONDS, MAX_BATCH_SECONDS, DEFAULT_BATCH_SECONDS = 1, 24 * 3600, 60
KEYS = ("filter", "ranking", "timeout_seconds", "relax_levels", "batch_seconds")
_RANKINGS = ", ".join(r.value for r in Ranking)


def parse_policy(text: str, *, skills: Collection[str] | None = None) -> RoutingPolicy:
    """Read a policy document; raise :class:`ValidationError` naming the JSON path at fault.

    ``skills``, when given, is the catalogue that filters may name (see
    :func:`~kpo.routing.expressions.compile_filter`).
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ValidationError(
            f"the policy document is {len(text):,} characters long; the limit is "
            f"{MAX_DOCUMENT_CHARS:,}",
            field="steps",
        )
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            field="steps",
        ) from None
    except RecursionError:
        raise ValidationError("not valid JSON: nested too deeply", field="steps") from None
    return policy_from_data(data, skills=skills)


def policy_from_data(data: Any, *, skills: Collection[str] | None = None) -> RoutingPolicy:
    """Check decoded JSON (e.g. an API request body) and build the policy."""
    if not isinstance(data, list):
        raise ValidationError(
            f"steps: a routing policy is a JSON list of steps, got {_kind(data)}; write "
            '[{"ranking": "cost_sla"}] for the simplest one',
            field="steps",
        )
    if not data:
        raise ValidationError("steps: a routing policy needs at least one step", field="steps")
    if len(data) > MAX_STEPS:
        raise ValidationError(f"steps: {len(data)} steps; the limit is {MAX_STEPS}", field="steps")
    last = len(data) - 1
    steps = (_step(raw, f"steps[{i}]", last=i == last, skills=skills) for i, raw in enumerate(data))
    return RoutingPolicy(tuple(steps))


def _step(raw: Any, path: str, *, last: bool, skills: Collection[str] | None) -> PolicyStep:
    if not isinstance(raw, dict):
        raise _error(
            path, f'a step is an object such as {{"ranking": "cost_sla"}}, got {_kind(raw)}'
        )
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise _error(f"{path}.{key}", f"unknown key{hint}; a step has {', '.join(KEYS)}")
    ranking = _ranking(raw, path)
    return PolicyStep(
        ranking=ranking,
        filter=_filter(raw, path, skills),
        timeout=_timeout(raw, path, last=last),
        relax_levels=_relax(raw, path),
        batch_interval=_batch(raw, path, ranking),
    )


def _ranking(raw: dict[str, Any], path: str) -> Ranking:
    if "ranking" not in raw:
        raise _error(f"{path}.ranking", f"required; one of {_RANKINGS}")
    value = raw["ranking"]
    if not isinstance(value, str) or value not in Ranking.__members__.values():
        raise _error(f"{path}.ranking", f"unknown ranking {_show(value)}; use one of {_RANKINGS}")
    return Ranking(value)


def _filter(raw: dict[str, Any], path: str, skills: Collection[str] | None) -> Filter | None:
    value = raw.get("filter")
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(f"{path}.filter", f"a filter is a string or null, got {_kind(value)}")
    if not value.strip():
        raise _error(f"{path}.filter", "empty filter; use null to let everyone through")
    try:
        return compile_filter(value, skills=skills)
    except ExpressionError as error:
        raise error.at(f"{path}.filter") from None


def _timeout(raw: dict[str, Any], path: str, *, last: bool) -> timedelta | None:
    field = f"{path}.timeout_seconds"
    value = raw.get("timeout_seconds")
    if last:
        if value is not None:
            raise _error(
                field,
                "the last step applies until the item is routed, so it has no timeout; "
                "remove it or add a wider step after this one",
            )
        return None
    if value is None:
        raise _error(
            field, "required: seconds after which the next step applies (all steps but the last)"
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(field, f"a number of seconds, got {_kind(value)}")
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT_SECONDS:
        raise _error(field, f"must be above 0 and at most {MAX_TIMEOUT_SECONDS:,}, got {value}")
    return timedelta(seconds=value)


def _relax(raw: dict[str, Any], path: str) -> int:
    value = raw.get("relax_levels", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(f"{path}.relax_levels", f"a whole number 0-4, got {_kind(value)}")
    if not 0 <= value <= MAX_RELAX_LEVELS:
        raise _error(
            f"{path}.relax_levels",
            f"must be 0-{MAX_RELAX_LEVELS} (skill levels below the line's minimum), got {value}",
        )
    return value


def _batch(raw: dict[str, Any], path: str, ranking: Ranking) -> timedelta | None:
    field = f"{path}.batch_seconds"
    value = raw.get("batch_seconds")
    if ranking is not Ranking.MIN_COST_BATCH:
        if value is not None:
            raise _error(field, "only a min_cost_batch step runs in batches; remove it")
        return None
    if value is None:
        return timedelta(seconds=DEFAULT_BATCH_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(field, f"a number of seconds, got {_kind(value)}")
    if not math.isfinite(value) or not MIN_BATCH_SECONDS <= value <= MAX_BATCH_SECONDS:
        raise _error(
            field,
            f"must be {MIN_BATCH_SECONDS}-{MAX_BATCH_SECONDS:,} seconds between batches, "
            f"got {value}",
        )
    return timedelta(seconds=value)


def policy_to_data(policy: RoutingPolicy) -> list[dict[str, Any]]:
    """The canonical JSON value: every key of every step, in a fixed order
    (``batch_seconds`` on ``min_cost_batch`` steps only)."""
    data: list[dict[str, Any]] = []
    for step in policy.steps:
        entry: dict[str, Any] = {
            "filter": None if step.filter is None else step.filter.source,
            "ranking": step.ranking.value,
            "timeout_seconds": None if step.timeout is None else _seconds(step.timeout),
            "relax_levels": step.relax_levels,
        }
        if step.batch_interval is not None:
            entry["batch_seconds"] = _seconds(step.batch_interval)
        data.append(entry)
    return data


def format_policy(policy: RoutingPolicy) -> str:
    """Canonical JSON text of ``policy``; ``parse_policy`` reads it back to an equal policy."""
    return json.dumps(policy_to_data(policy), indent=2, ensure_ascii=False)


def _seconds(timeout: timedelta) -> int | float:
    seconds = timeout.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def _error(path: str, message: str) -> ValidationError:
    return ValidationError(f"{path}: {message}", field=path)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValidationError(f"duplicate key {key!r} in a step", field="steps")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValidationError(f"not valid JSON: {name} is not a number", field="steps")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {_show(value)}"
    return f"the number {value}" if isinstance(value, int | float) else type(value).__name__


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
