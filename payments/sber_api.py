"""The Sber RBS gateway's wire: its methods called form-encoded with the API login, and what
its JSON answers say (the error code, the refusal, the order's id and our parameters), which
the provider in payments.sberpay reads."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import SecretStr

from payments.transport import GatewayHttp


class SberApi(Protocol):
    """Call one gateway method (`register.do`, ...) with form parameters; answers JSON."""

    async def call(self, method: str, params: dict[str, str]) -> dict[str, Any]: ...


class SberHttpApi:
    """The real gateway (or a fake) at `SBER_API_URL`; adds the API login to every call."""

    def __init__(self, api_url: str, username: str, password: SecretStr, timeout: float) -> None:
        self._url = api_url.rstrip("/")
        self._username = username
        self._password = password
        self._http = GatewayHttp("sberpay", timeout)

    async def call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        form = {
            "userName": self._username,
            "password": self._password.get_secret_value(),
            **params,
        }
        return await self._http.post_form(f"{self._url}/{method}", form)

    async def aclose(self) -> None:
        await self._http.aclose()


def answer_code(answer: dict[str, Any]) -> str:
    """The answer's errorCode; the legacy gateway often leaves it out on success."""
    return str(answer.get("errorCode", "0")).strip() or "0"


def refusal_text(method: str, answer: dict[str, Any]) -> str:
    message = str(answer.get("errorMessage", ""))[:120]
    return f"Sber {method} refused: errorCode {answer_code(answer)[:12]} {message}".strip()


def md_order(answer: dict[str, Any]) -> str | None:
    for attribute in answer.get("attributes") or []:
        if isinstance(attribute, dict) and attribute.get("name") == "mdOrder":
            return str(attribute.get("value"))
    return None


def order_params(answer: dict[str, Any]) -> dict[str, str]:
    params = answer.get("merchantOrderParams") or []
    return {
        str(p.get("name")): str(p.get("value"))
        for p in params
        if isinstance(p, dict) and p.get("name") is not None
    }
