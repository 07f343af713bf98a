"""Running it: metrics, backups and the outgoing webhooks of the studio's CRM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from settings.base import EnvSettings


class WebhookSubscriber(BaseModel):
    """One receiver of the outgoing webhooks: events are POSTed to `url`, signed with
    `secret` (HMAC-SHA256)."""

    name: str = Field(pattern=r"^[a-z0-9_-]{1,64}$")
    url: str
    secret: SecretStr = Field(min_length=16)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
            raise ValueError("must be an http(s):// URL")
        return value


class OpsSettings(EnvSettings):
    """Metrics (closed unless METRICS_TOKEN is set or they are served on METRICS_PORT),
    backups, the outgoing webhooks of the studio's CRM."""

    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=1000)
    #: JSON: [{"name": "crm", "url": "https://...", "secret": "..."}]
    outgoing_webhooks: Annotated[list[WebhookSubscriber], NoDecode] = Field(default_factory=list)

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (a long random string)")
        return value

    @field_validator("outgoing_webhooks", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else []
            except ValueError:
                raise ValueError(
                    'must be a JSON list: [{"name": "crm", "url": "https://...", "secret": "..."}]'
                ) from None
        return value

    @field_validator("outgoing_webhooks")
    @classmethod
    def _distinct_names(cls, value: list[WebhookSubscriber]) -> list[WebhookSubscriber]:
        if len({sub.name for sub in value}) != len(value):
            raise ValueError("each subscriber needs a name of its own")
        return value
