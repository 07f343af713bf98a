"""E-mail: the SMTP server that sends the clients' and admins' mail, and the admins' addresses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from settings.base import EnvSettings, split_commas


class SmtpSettings(EnvSettings):
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "studio@localhost"
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout: float = 10.0
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_commas(value)

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)
