"""The payment gateways' names as a payer reads them, in the chat and on the test checkout
page: "ЮKassa" in Russian, "YooKassa" in English."""

from __future__ import annotations

from i18n.catalogs import N_

GATEWAY_NAMES = {
    "yookassa": N_("YooKassa"),
    "tinkoff": N_("T-Bank"),
    "sberpay": N_("SberPay"),
    "mock": N_("Test payment"),
}
