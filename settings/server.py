"""The HTTP server: where it listens, the public address people and gateways are sent to,
the admin token, the proxies it trusts, the websites allowed to call the API (CORS), and
the log level."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from settings.base import EnvSettings, check_networks, split_commas


class ServerSettings(EnvSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = ""
    admin_api_token: SecretStr | None = None
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Websites (scheme://host[:port]) whose pages may call the JSON API; no others get CORS.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_commas(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return check_networks(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin.rstrip("/"))
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                raise ValueError(f"{origin!r} is not an origin like https://studio.example")
        return [origin.rstrip("/").lower() for origin in value]

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        problem = url_problem(value) if value else None
        if problem is not None:
            raise ValueError(f"{value!r} {problem}")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def base_url(self) -> str:
        """Where gateways and payers reach this server."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")


def url_problem(url: str) -> str | None:
    """What is wrong with a base URL people and gateways are sent to; None if nothing."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https"):
        if not parts.scheme or "." in parts.scheme or parts.netloc == "":
            return f"is not a URL: write https://{url.split('://')[-1]}"
        return f"must start with https:// or http://, not {parts.scheme}://"
    if not parts.hostname or port == 0:
        return "names no host"
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        return "must be a plain address, without a query, a fragment or spaces"
    return None


def is_loopback_url(url: str) -> bool:
    """Whether the URL names this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
