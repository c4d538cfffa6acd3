"""Settings: every knob from the environment or a ``.env`` file (pydantic-settings).

All names are documented in docs/CONFIGURATION.md. ``DATABASE_URL`` unset means the
embedded PostgreSQL in ``SANGAM_DATA_DIR``. Secrets are ``SecretStr`` so they never print;
when the JWT or encryption secret is not configured, one is generated on first use and
kept in the data folder (fine for a single machine and the demo; production sets both).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(RuntimeError):
    """A setting is malformed; the message names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SANGAM_", env_file=".env", extra="ignore", validate_default=True
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "SANGAM_DATABASE_URL")
    )
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("sangam", appauthor=False)))
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    jwt_secret: SecretStr | None = None
    jwt_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
    encryption_key: SecretStr | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    eod_partition_size: int = Field(default=20_000, ge=100)
    default_tenant: str = "demo"

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def database_url_value(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    def _secret_file(self, name: str, make: callable) -> str:
        path = self.data_dir / name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(make())
            path.chmod(0o600)
        return path.read_text().strip()

    def jwt_secret_value(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret.get_secret_value()
        return self._secret_file("jwt_secret", lambda: secrets.token_urlsafe(48))

    def encryption_key_value(self) -> str:
        if self.encryption_key:
            return self.encryption_key.get_secret_value()
        return self._secret_file("encryption_key", lambda: Fernet.generate_key().decode())


def load_settings(**overrides: object) -> Settings:
    """Return validated settings; raises ConfigError naming each malformed setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "SANGAM_" + "_".join(str(p) for p in err["loc"]).upper()
            problems.append(f"{name}: {err['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
