"""Settings read from the environment (``KPO_*``); nothing is built at import time."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///kpo.sqlite3"


class Settings(BaseSettings):
    """Process-wide settings. ``KPO_DATABASE_URL`` takes any SQLAlchemy URL."""

    model_config = SettingsConfigDict(env_prefix="KPO_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
