"""Liveness and database reachability, without authentication (for load balancers)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from klantenservice.adapters.db.engine import READ_ONLY
from klantenservice.web.deps import Context

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    database: str


@router.get("/health", responses={503: {"model": HealthOut}})
def health(context: Context, response: Response) -> HealthOut:
    """``ok`` when the database answers a trivial query; 503 ``unavailable`` otherwise."""
    database = "sqlite" if context.settings.is_sqlite else "postgresql"
    try:
        with context.engine.connect() as connection:
            reading = connection.execution_options(**{READ_ONLY: True})  # no write lock
            reading.exec_driver_sql("SELECT 1")
    except SQLAlchemyError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthOut(status="unavailable", database=database)
    return HealthOut(status="ok", database=database)
