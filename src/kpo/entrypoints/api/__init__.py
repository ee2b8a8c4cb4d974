"""The HTTP API (FastAPI): ``create_app`` builds it; ``kpo serve`` runs it."""

from kpo.entrypoints.api.app import create_app, freeze_startup_heap

__all__ = ["create_app", "freeze_startup_heap"]
