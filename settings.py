"""Runtime settings from the environment (KINERJA_*); read only by the composition roots."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Every knob of a deployment; defaults give the embedded single-machine stack."""

    model_config = SettingsConfigDict(env_prefix="KINERJA_", env_file=".env", extra="ignore")

    env: str = Field(default="dev", description="dev or production")
    var_dir: Path = ROOT / "var"
    database_url: str = Field(
        default="", validation_alias="DATABASE_URL", description="empty: SQLite under var/"
    )
    temporal_address: str = Field(default="127.0.0.1:7233", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field(default="default", validation_alias="TEMPORAL_NAMESPACE")
    task_queue: str = "kinerja"
    embedded_temporal: bool = Field(
        default=True, description="kinerja up starts the Temporal dev server itself"
    )
    temporal_ui_port: int = 8233
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    log_json: bool | None = Field(default=None, description="None: JSON when not a terminal")
    log_level: str = "INFO"
    jwt_secret: str = Field(default="dev-secret-change-me-in-production-32b")
    jwt_ttl_minutes: int = 480
    oidc_jwks_url: str = ""
    oidc_issuer: str = ""
    oidc_audience: str = ""
    notify_channel: str = Field(default="log", description="log, smtp or webhook")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "kinerja@semarangkota.go.id"
    webhook_url: str = ""
    worker_workflow_pollers: int = 20
    worker_activity_pollers: int = 10
    worker_max_cached_workflows: int = 2000
    worker_queues: Literal["all", "cycles", "launch"] = Field(
        default="all",
        description="what this worker process serves: everything, the cycles (with outbox "
        "delivery, the escalation sweeper and history archive), or only the bulk launcher",
    )
    worker_sandbox: bool = Field(
        default=True,
        description="run workflows in Temporal's sandbox (catches non-determinism at run time: "
        "on for development, tests and `make run`; docker-compose.yml turns it off, which "
        "saves worker CPU and memory, see README Performance)",
    )
    worker_gc_thresholds: tuple[int, int, int] = Field(
        default=(50_000, 20, 100),
        description="the worker's gc.set_threshold: CPython's (700, 10, 10) ran a full "
        "collection, which walks every cached cycle, every few seconds under load (see README "
        "Performance)",
    )
    api_gc_thresholds: tuple[int, int, int] = Field(
        default=(50_000, 20, 100),
        description="the API server's gc.set_threshold, after it freezes what it loaded at start "
        "(gc.freeze); see README Performance",
    )
    seed_demo: bool = True

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or SQLite under var/ for the embedded default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'kinerja.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
