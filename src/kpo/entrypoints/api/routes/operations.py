"""Health, readiness and Prometheus metrics (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from kpo.bootstrap import DatabaseNotReady
from kpo.entrypoints.api.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    detail: str = ""


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(runtime: RuntimeDep) -> Response | Health:
    """The database answers and has the current schema."""
    try:
        runtime.app.require_schema()
    except (DatabaseNotReady, SQLAlchemyError) as error:
        body = Health(status="unavailable", detail=str(error)[:300])
        return Response(body.model_dump_json(), 503, media_type="application/json")
    return Health(status="ok")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics in the text exposition format."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
