"""What every part of the settings shares: where `.env` is read from, and the parsing of
comma-separated lists and networks."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository's root: the default database, the studio file and the project's `.env`.
ROOT = Path(__file__).resolve().parent.parent


class EnvSettings(BaseSettings):
    """A part of the settings, read from the environment and `.env` by its fields' names."""

    model_config = SettingsConfigDict(
        # The project's .env, then one in the working directory (which wins).
        env_file=(ROOT / ".env", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )


def split_commas(value: Any) -> Any:
    """`a, b,c` from the environment as ["a", "b", "c"]; anything else as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_networks(values: list[str]) -> list[str]:
    """Refuse an entry that is neither an address nor a network, naming it."""
    for network in values:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"{network!r} is not an address or a network") from None
    return values
