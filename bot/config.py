"""Settings from the environment and `.env`; the README has the table of variables."""

from __future__ import annotations

import re
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
    bot_username: str | None = Field(
        default=None,
        description="the bot's username for t.me links; read from Telegram (getMe) when unset",
    )
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'frivillig.db'}")
    nlu_url: str = Field(default="http://127.0.0.1:5005")
    nlu_timeout_seconds: float = Field(default=2.0, gt=0)
    # Rasa's answer is DIET averaged with a linear model (issue 17); its scores are flatter than
    # DIET's softmax, and 0.4 (with the FallbackClassifier's ambiguity 0.05) keeps the share of
    # answers treated as UNSURE where DIET's was at 0.6 (measured: nlu/README.md).
    nlu_confidence_threshold: float = Field(default=0.4, ge=0, le=1)
    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    log_level: str = Field(default="INFO")
    broadcast_rate_per_second: float = Field(default=25.0, gt=0)
    max_text_length: int = Field(default=2000, gt=0)
    # Webhook mode (`frivillig run --webhook`): Telegram posts updates to `webhook_url` with the
    # secret in the X-Telegram-Bot-Api-Secret-Token header; the server listens on listen:port.
    telegram_webhook_secret: SecretStr | None = Field(default=None)
    webhook_url: str | None = Field(default=None, description="public https URL of /telegram")
    webhook_listen: str = Field(default="127.0.0.1")
    webhook_port: int = Field(default=8080, gt=0, lt=65536)
    #: /healthz and /metrics are served here only, never on the public port (probes and
    #: Prometheus reach it inside the deployment; nothing public should).
    webhook_internal_listen: str = Field(default="127.0.0.1")
    webhook_internal_port: int = Field(default=9090, gt=0, lt=65536)
    #: An update claimed but not handled after this long is taken over by another worker (the
    #: first one died with it); longer than any turn takes.
    webhook_claim_lease_seconds: float = Field(default=60.0, gt=0)
    #: Users who have not written for this many days are erased by the daily retention job.
    retention_days: int = Field(default=730, gt=0)
    concurrent_updates: int = Field(default=16, ge=1, description="turns handled at once")
    flood_max_events: int = Field(default=20, gt=0, description="updates per user per window")
    flood_window_seconds: float = Field(default=10.0, gt=0)
    # The staff dashboard (`bot/web/`): served by `frivillig web`, beside the bot by `frivillig
    # run`, and by the webhook workers under /staff. `web_base_url` is the address staff open
    # (login links and the Mini App button are built from it; the Mini App needs https).
    web_base_url: str | None = Field(default=None, description="public root of the dashboard")
    web_listen: str = Field(default="127.0.0.1")
    web_port: int = Field(default=8000, ge=0, lt=65536, description="0 switches it off in `run`")
    #: Signs the session cookie; without it a random one per process (sessions end at restart).
    web_session_secret: SecretStr | None = Field(default=None)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("bot_username", mode="before")
    @classmethod
    def _username_without_at(cls, value: object) -> object:
        if value in ("", None):
            return None
        return str(value).removeprefix("@")

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator(
        "telegram_webhook_secret",
        "webhook_url",
        "web_base_url",
        "web_session_secret",
        mode="before",
    )
    @classmethod
    def _empty_webhook_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_telegram_accepts(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -; say so at start-up rather
        # than when setWebhook fails.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @property
    def web_url(self) -> str:
        """The dashboard's root without a trailing slash: `WEB_BASE_URL`, else the local one."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = "127.0.0.1" if self.web_listen in ("0.0.0.0", "::") else self.web_listen  # noqa: S104
        return f"http://{host}:{self.web_port}"

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
