"""Settings from the environment and `.env`; the README has the table of variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the process reads from outside. Secrets only ever come from here."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None)
    telegram_api_base_url: str | None = Field(
        default=None,
        description="PTB base_url, e.g. http://127.0.0.1:8081/bot for a local Bot API server",
    )
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'frivillig.db'}")
    nlu_url: str = Field(default="http://127.0.0.1:5005")
    nlu_timeout_seconds: float = Field(default=2.0, gt=0)
    nlu_confidence_threshold: float = Field(default=0.6, ge=0, le=1)
    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    log_level: str = Field(default="INFO")
    broadcast_rate_per_second: float = Field(default=25.0, gt=0)
    max_text_length: int = Field(default=2000, gt=0)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
