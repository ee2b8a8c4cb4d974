"""The one place that wires adapters to services."""

from __future__ import annotations

from kpo.config import Settings

__all__ = ["Settings"]
