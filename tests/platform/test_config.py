"""Configuration fails fast, naming the setting, and never prints secrets."""

import pytest

from hub.platform.config import ConfigError, load_settings
from hub.platform.db.engine import redacted


def test_malformed_setting_names_itself(monkeypatch):
    monkeypatch.setenv("SANGAM_PORT", "eighty")
    with pytest.raises(ConfigError, match="SANGAM_PORT"):
        load_settings()


def test_database_url_is_secret(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db/sangam")
    settings = load_settings()
    assert "hunter2" not in repr(settings)
    assert settings.database_url_value() == "postgresql://u:hunter2@db/sangam"
    assert (
        redacted("postgresql+psycopg://u:hunter2@db/sangam")
        == "postgresql+psycopg://u:***@db/sangam"
    )


def test_generated_secrets_are_kept_in_the_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    first = settings.jwt_secret_value()
    assert first == load_settings(data_dir=tmp_path).jwt_secret_value()
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600
