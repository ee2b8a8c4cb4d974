"""Sub-commands imported only when they run, so that ``kpo --help`` and every command start
without importing what other commands need (OR-Tools, SciPy, pandas, the database layer).

Each entry names the module and attribute of a Typer sub-app or command function and the
one-line summary that ``kpo --help`` lists without importing it; a test checks that the
summaries agree with the commands' own help.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand

from kpo.entrypoints.cli.errors import GuardedGroup

__all__ = ["COMMANDS", "LazyCommand", "LazyGroup"]


@dataclass(frozen=True, slots=True)
class LazyCommand:
    module: str
    attribute: str
    summary: str

    def load(self, name: str) -> Any:
        """The click command (or group) of ``name``, imported now."""
        target = getattr(importlib.import_module(self.module), self.attribute)
        if not isinstance(target, typer.Typer):  # a command function: a one-command app
            single = typer.Typer()
            single.command(name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = name
        return command


_CLI = "kpo.entrypoints.cli."

COMMANDS: dict[str, LazyCommand] = {
    "init": LazyCommand(
        _CLI + "data",
        "init",
        "Create or upgrade the database named by KPO_DATABASE_URL (default: ./kpo.sqlite3).",
    ),
    "demo": LazyCommand(
        _CLI + "demo",
        "demo",
        "Generate a realistic outsourcing network and a week of work, run the week through "
        "the routing engine on a simulated clock, store it, and report SLA, occupancy and cost.",
    ),
    "explain": LazyCommand(
        _CLI + "route",
        "explain",
        "Why a work item went where it went: every routing decision about it, with the "
        "policy step and ranking that applied, how many specialists were eligible, and the "
        "best candidates with their scores.",
    ),
    "import": LazyCommand(_CLI + "data", "import_app", "Import records from CSV."),
    "export": LazyCommand(
        _CLI + "data", "export_app", "Export records as CSV in the same format the import reads."
    ),
    "skills": LazyCommand(_CLI + "data", "skills_app", "The network's skill catalogue."),
    "plan": LazyCommand(
        _CLI + "plan",
        "app",
        "Plan staff: agents per interval for a service-level target (Erlang C/A) and shifts "
        "across vendors (CP-SAT).",
    ),
    "sla": LazyCommand(
        _CLI + "sla", "app", "SLA clocks: when is work due, counted in a calendar's business time."
    ),
    "policy": LazyCommand(
        _CLI + "policies",
        "app",
        "Routing policies: which specialists may take a line's items, in which order, and "
        "when to widen the search.",
    ),
    "route": LazyCommand(
        _CLI + "route",
        "app",
        "Routing: assign queued work across the vendor network, and explain decisions.",
    ),
    "serve": LazyCommand(
        _CLI + "serve",
        "serve",
        "Run the HTTP API (docs at /docs) on the database named by KPO_DATABASE_URL, with "
        "webhook deliveries and timers in the background of this process.",
    ),
    "keys": LazyCommand(
        _CLI + "serve",
        "keys_app",
        "API keys of the service: shown once at creation, stored hashed, revocable.",
    ),
    "kb": LazyCommand(
        _CLI + "kb",
        "app",
        "The client's knowledge base: import/export (JSONL), search, suggested articles, "
        "drafts and reviews, knowledge capture and reports.",
    ),
}


class LazyGroup(GuardedGroup):
    """The root group: lists :data:`COMMANDS` by their summaries and imports one only to
    run it (or to show its own help)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in COMMANDS if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        loaded = super().get_command(ctx, cmd_name)
        lazy = COMMANDS.get(cmd_name)
        if loaded is not None or lazy is None:
            return loaded
        if self._listing:  # only its summary is shown: do not import it
            return TyperCommand(cmd_name, help=lazy.summary, short_help=lazy.summary)
        command = lazy.load(cmd_name)
        self.add_command(command, cmd_name)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
