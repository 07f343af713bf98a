"""The payment gateways: which mode, their keys and addresses, and 54-FZ receipts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import NoDecode

from payments.signing import YOOKASSA_NETWORKS
from settings.base import EnvSettings, check_networks, split_commas


class PaymentEnv(StrEnum):
    MOCK = "mock"
    TEST = "test"
    PRODUCTION = "production"


class PaymentSettings(EnvSettings):
    """Gateways: which mode, their keys and base URLs, and 54-FZ receipts.

    In `test` and `production` a gateway is offered only when all its keys are set; keys set
    in part, or none at all, refuse the start (see `validate_payment_settings`).
    """

    payment_env: PaymentEnv = PaymentEnv.MOCK
    #: Mock payments on an address others can reach (a demo): its checkout confirms bookings
    #: with no money, so it must be asked for.
    allow_mock_payments: bool = False
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3"
    #: Where ЮKassa notifications may come from (the published list); tests add 127.0.0.1/32.
    yookassa_webhook_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(YOOKASSA_NETWORKS)
    )
    tinkoff_terminal_key: str | None = None
    tinkoff_password: SecretStr | None = None
    tinkoff_api_url: str = "https://securepay.tinkoff.ru/v2"
    tinkoff_language: Literal["ru", "en"] = "ru"
    sber_username: str | None = None
    sber_password: SecretStr | None = None
    sber_callback_token: SecretStr | None = None
    sber_api_url: str = "https://securepayments.sberbank.ru/payment/rest"
    payment_return_url: str | None = None
    #: Seconds to wait for a gateway's answer before the outcome counts as unknown.
    payment_gateway_timeout: float = Field(default=15.0, gt=0, le=120)
    mock_signing_key: SecretStr = SecretStr("mock-signing-key")
    receipt_tax_system: int | None = Field(default=None, ge=1, le=6)
    receipt_vat_code: int | None = Field(default=None, ge=1, le=12)

    @field_validator(
        "yookassa_shop_id",
        "yookassa_secret_key",
        "tinkoff_terminal_key",
        "tinkoff_password",
        "sber_username",
        "sber_password",
        "sber_callback_token",
        "payment_return_url",
        "receipt_tax_system",
        "receipt_vat_code",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """`TINKOFF_PASSWORD=` in a .env means "not set", not an empty password."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("yookassa_webhook_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        return split_commas(value)

    @field_validator("yookassa_webhook_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return check_networks(value)

    @field_validator("yookassa_api_url", "tinkoff_api_url", "sber_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> PaymentSettings:
        problem = validate_payment_settings(self)
        if problem is not None:
            variable, message = problem
            raise ValidationError.from_exception_data(
                "PaymentSettings",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("payment_settings", message),
                        loc=(variable,),
                        input=None,
                    )
                ],
            )
        return self

    def gateway_keys(self) -> dict[str, tuple[tuple[str, object], ...]]:
        """Each real gateway's variables and their values, in the order they are asked for."""
        return {
            "yookassa": (
                ("yookassa_shop_id", self.yookassa_shop_id),
                ("yookassa_secret_key", self.yookassa_secret_key),
            ),
            "tinkoff": (
                ("tinkoff_terminal_key", self.tinkoff_terminal_key),
                ("tinkoff_password", self.tinkoff_password),
            ),
            "sberpay": (
                ("sber_username", self.sber_username),
                ("sber_password", self.sber_password),
                ("sber_callback_token", self.sber_callback_token),
            ),
        }

    def configured_gateways(self) -> list[str]:
        """The real gateways whose keys are all set."""
        return [
            name
            for name, keys in self.gateway_keys().items()
            if all(value is not None for _, value in keys)
        ]


def validate_payment_settings(payments: PaymentSettings) -> tuple[str, str] | None:
    """The first problem as (variable, message), or None when the payments can start.

    A gateway with some keys set and others missing is refused, naming what is missing (a
    half-configured gateway is a typo, not a choice). In `test` and `production` at least one
    gateway must be complete. Receipts for T-Bank need RECEIPT_TAX_SYSTEM, and a VAT code
    that T-Bank and Sber have no verified name for is refused rather than guessed.
    """
    from payments.receipts import receipt_problem

    for keys in payments.gateway_keys().values():
        given = [name for name, value in keys if value is not None]
        missing = [name for name, value in keys if value is None]
        if given and missing:
            return missing[0], (
                f"{missing[0].upper()} is not set, but {given[0].upper()} is: "
                "set every key of the gateway, or none"
            )
    offered = payments.configured_gateways()
    if payments.payment_env != PaymentEnv.MOCK and not offered:
        return "payment_env", (
            f"PAYMENT_ENV={payments.payment_env} needs the keys of at least one gateway: "
            "YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY, TINKOFF_TERMINAL_KEY and "
            "TINKOFF_PASSWORD, or SBER_USERNAME, SBER_PASSWORD and SBER_CALLBACK_TOKEN"
        )
    if payments.payment_env == PaymentEnv.MOCK:
        offered = ["yookassa", "tinkoff", "sberpay"]
    return receipt_problem(payments.receipt_vat_code, payments.receipt_tax_system, offered)
